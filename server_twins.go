package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"convscope/models"
	"convscope/models/twins"
)

// Float32 twins (models.ConvertFloat32): the reference the "what int8
// costs" lesson compares a model with. api/models gives each model that
// has one a "float32" entry (URL, SHA-256, size); the file is served like a
// model, content-addressed, at models/float32/NAME.SHA256PREFIX.csm, and
// fetched by the worker only when the lesson asks (the service worker does
// not precache models/). A built-in model's twin is embedded in this
// binary (package twins, never in the wasm); another model's is the file
// float32/NAME.csm of the models folder.

// twinInfo is the twin of the model Name.
type twinInfo struct {
	Name    string
	SHA256  string
	Bytes   int64
	BuiltIn bool
	Path    string    // the file, when not built in
	mod     time.Time // its modification time when listed
}

// twinEntry is the "float32" field of an api/models entry.
type twinEntry struct {
	URL    string `json:"url"` // relative to the site root
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// twinCatalog is a catalog that knows twins. The server's catalog does;
// test catalogs without twins need not, and list none.
type twinCatalog interface {
	Twins() (map[string]twinInfo, error) // by model name
	OpenTwin(name string) (modelFile, twinInfo, error)
}

// twinURL is the content-addressed path of a twin, without a leading slash.
func twinURL(t twinInfo) string {
	return "models/" + models.TwinDir + "/" + t.Name + "." + t.SHA256[:hashPrefixLen] + ".csm"
}

// addTwins fills the float32 field of the list's entries from c's twins.
func addTwins(c catalog, list []modelEntry) error {
	tc, ok := c.(twinCatalog)
	if !ok {
		return nil
	}
	ts, err := tc.Twins()
	if err != nil {
		return err
	}
	for i := range list {
		if t, ok := ts[list[i].Name]; ok && list[i].URL != "" {
			list[i].Float32 = &twinEntry{URL: twinURL(t), SHA256: t.SHA256, Bytes: t.Bytes}
		}
	}
	return nil
}

// builtinTwins hashes the embedded twins once.
var builtinTwins = sync.OnceValues(func() (map[string]twinInfo, error) {
	out := map[string]twinInfo{}
	for _, name := range twins.Names() {
		b, err := fs.ReadFile(twins.FS(), name+twins.Ext)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out[name] = twinInfo{Name: name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(b)), BuiltIn: true}
	}
	return out, nil
})

// findTwins returns the twins of the available models of list: a built-in
// model's embedded twin, another model's file in dir's float32 folder (a
// file there that is not the twin of its name is left out: the lesson then
// says the model has none).
func findTwins(dir string, list []models.Info) (map[string]twinInfo, error) {
	bt, err := builtinTwins()
	if err != nil {
		return nil, err
	}
	out := map[string]twinInfo{}
	for _, m := range list {
		if !m.Available {
			continue
		}
		if m.BuiltIn {
			if t, ok := bt[m.Name]; ok {
				out[m.Name] = t
			}
			continue
		}
		info, err := models.TwinInfo(dir, m.Name)
		if err != nil {
			continue
		}
		st, err := os.Stat(info.Path)
		if err != nil {
			continue
		}
		out[m.Name] = twinInfo{Name: m.Name, SHA256: info.SHA256, Bytes: info.Bytes, Path: info.Path, mod: st.ModTime()}
	}
	return out, nil
}

// twinDirState is the state of dir's float32 folder: a twin written into
// it changes that folder's time, not dir's.
func (c *modelsCatalog) twinDirState() dirState {
	st, err := os.Stat(filepath.Join(c.dir, models.TwinDir))
	if err != nil {
		return dirState{}
	}
	return dirState{exists: true, mod: st.ModTime()}
}

// Twins returns the twins of the listed models.
func (c *modelsCatalog) Twins() (map[string]twinInfo, error) {
	if _, _, err := c.load(false); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.twins, nil
}

// OpenTwin opens the twin of model name, reloading once if the file is not
// the one listed.
func (c *modelsCatalog) OpenTwin(name string) (modelFile, twinInfo, error) {
	if models.CheckName(name) != nil {
		return nil, twinInfo{}, errNoModel
	}
	for attempt := range 2 {
		if _, _, err := c.load(attempt > 0); err != nil {
			return nil, twinInfo{}, err
		}
		c.mu.Lock()
		t, ok := c.twins[name]
		c.mu.Unlock()
		if !ok {
			return nil, twinInfo{}, errNoModel
		}
		if t.BuiltIn {
			f, err := twins.FS().Open(name + twins.Ext)
			if err != nil {
				return nil, twinInfo{}, err
			}
			rsc, ok := f.(io.ReadSeekCloser)
			if !ok {
				f.Close()
				return nil, twinInfo{}, fmt.Errorf("built-in twin %s cannot seek", name)
			}
			return rsc, t, nil
		}
		f, err := os.Open(t.Path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, twinInfo{}, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, twinInfo{}, err
		}
		if st.Size() != t.Bytes || !st.ModTime().Equal(t.mod) {
			f.Close()
			continue
		}
		return f, t, nil
	}
	return nil, twinInfo{}, fmt.Errorf("the float32 twin of %s keeps changing while being opened", name)
}

// serveTwinFile serves models/float32/NAME.SHA256PREFIX.csm like a model
// file (immutable, strong ETag, Range).
func (s *server) serveTwinFile(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	name, prefix, ok := parseModelFile(file)
	tc, hasTwins := s.models.(twinCatalog)
	if !ok || !hasTwins {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("no such float32 twin file: %q", file))
		return
	}
	f, t, err := tc.OpenTwin(name)
	if errors.Is(err, errNoModel) {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("model %q has no float32 twin", name))
		return
	}
	if err != nil {
		s.log.Error("open twin", "model", name, "err", err)
		writeJSONError(w, http.StatusInternalServerError, fmt.Sprintf("the float32 twin of %q could not be opened", name))
		return
	}
	defer f.Close()
	if !strings.HasPrefix(t.SHA256, prefix) {
		writeJSONError(w, http.StatusNotFound, fmt.Sprintf("the float32 twin of %q has no version %s (the list has the current URL)", name, prefix))
		return
	}
	serveImmutable(w, r, f, t.SHA256)
}

// exportTwin copies the twin of m into an export at its URL, checking its
// hash like exportModel.
func exportTwin(cat catalog, m modelEntry, dst string) error {
	tc, ok := cat.(twinCatalog)
	if !ok || m.Float32 == nil {
		return nil
	}
	f, _, err := tc.OpenTwin(m.Name)
	if err != nil {
		return fmt.Errorf("float32 twin of %s: %w", m.Name, err)
	}
	defer f.Close()
	return copyChecked(f, dst, m.Float32.SHA256, "float32 twin of "+m.Name)
}
