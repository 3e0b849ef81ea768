package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"convscope/models"
)

// modelEntry is one element of GET /api/models: the catalog entry plus the
// URL of the file, relative to the site root so that the same list works from
// a static export served under any path.
type modelEntry struct {
	modelInfo
	URL string `json:"url,omitempty"`
	// Float32 is the model's float32 twin, when it has one (server_twins.go).
	Float32 *twinEntry `json:"float32,omitempty"`
}

// modelFile is an open model file, ready for http.ServeContent.
type modelFile interface {
	io.ReadSeeker
	io.Closer
}

// catalog is what the server needs from package models: the list, and a way
// to open an available model by name.
type catalog interface {
	List() ([]modelInfo, error)
	Open(name string) (modelFile, modelInfo, error)
}

// errNoModel is returned by catalog.Open for names that are not in the
// catalog or whose file is not available.
var errNoModel = errors.New("no such model")

// hashPrefixLen is how many hex digits of the SHA-256 go into a model URL:
// 64 bits are plenty to tell versions of one model apart.
const hashPrefixLen = 16

// modelURL is the content-addressed path of a model file, without a leading
// slash: models/NAME.SHA256PREFIX.csm.
func modelURL(m modelInfo) string {
	if !m.Available || len(m.SHA256) < hashPrefixLen {
		return ""
	}
	return "models/" + m.Name + "." + m.SHA256[:hashPrefixLen] + ".csm"
}

// parseModelFile splits NAME.SHA256PREFIX.csm.
func parseModelFile(file string) (name, prefix string, ok bool) {
	base, found := strings.CutSuffix(file, ".csm")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return "", "", false
	}
	name, prefix = base[:i], base[i+1:]
	if models.CheckName(name) != nil || len(prefix) != hashPrefixLen || !isLowerHex(prefix) {
		return "", "", false
	}
	return name, prefix, true
}

func isLowerHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// modelList is the body of GET /api/models (and of api/models in an export).
func modelList(c catalog) ([]modelEntry, error) {
	infos, err := c.List()
	if err != nil {
		return nil, err
	}
	list := make([]modelEntry, len(infos))
	for i, m := range infos {
		list[i] = modelEntry{modelInfo: m, URL: modelURL(m)}
	}
	if err := addTwins(c, list); err != nil {
		return nil, err
	}
	return list, nil
}

func (s *server) serveModelList(w http.ResponseWriter, r *http.Request) {
	list, err := modelList(s.models)
	if err != nil {
		s.log.Error("model catalog", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the model catalog could not be read")
		return
	}
	// The list changes when someone fetches or imports a model: revalidate.
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, list)
}

// serveModelFile serves models/NAME.SHA256PREFIX.csm. The URL names the
// content, so the answer may be cached forever; the strong ETag is the full
// SHA-256, which lets http.ServeContent answer If-None-Match with 304 and
// honour If-Range. Range requests let a browser resume a big download.
func (s *server) serveModelFile(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, prefix, ok := parseModelFile(file)
	if !ok {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("no such model file: %q", file))
		return
	}
	f, info, err := s.models.Open(name)
	if errors.Is(err, errNoModel) {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("unknown model %q", name))
		return
	}
	if err != nil {
		s.log.Error("open model", "model", name, "err", err)
		writeJSONError(w, http.StatusInternalServerError, fmt.Sprintf("model %q could not be opened", name))
		return
	}
	defer f.Close()
	if !strings.HasPrefix(info.SHA256, prefix) {
		// An older or newer version of this model: the URL names content we
		// no longer have, and serving other bytes under it would poison caches.
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("model %q has no version %s (the list has the current URL)", name, prefix))
		return
	}
	serveImmutable(w, r, f, info.SHA256)
}

// serveImmutable serves a content-addressed file whose SHA-256 is sum:
// cacheable forever, with the sum as its strong ETag.
func serveImmutable(w http.ResponseWriter, r *http.Request, f io.ReadSeeker, sum string) {
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+sum+`"`)
	h.Set("Content-Type", "application/octet-stream")
	http.ServeContent(newProgressWriter(w), r, "", time.Time{}, f)
}
