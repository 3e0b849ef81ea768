package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The service worker (static/sw.js) keeps the app shell for offline use. The
// build gives it two things:
//
//	sw-manifest.json  every file of the site the page may load (not the .br
//	                  and .gz variants), with its SHA-256 and size, and a
//	                  version: a hash of that list
//	sw.js             static/sw.js with swBuildToken replaced by the version
//
// The version inside sw.js is what makes a new build reach people: browsers
// compare the bytes of sw.js on each visit, so a changed site means a changed
// sw.js, which installs, precaches the files of the new manifest (checking
// each against its hash) and deletes the previous build's cache.
const (
	swSource     = "sw.js"
	swManifest   = "sw-manifest.json"
	swBuildToken = "@BUILD@"
)

// swManifestFile is the JSON of sw-manifest.json.
type swManifestFile struct {
	Version string            `json:"version"`
	Files   []swManifestEntry `json:"files"`
}

type swManifestEntry struct {
	Path   string `json:"path"` // relative to the site root, with slashes
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// writeServiceWorker writes sw-manifest.json and sw.js into the site. Without
// a static/sw.js (a module that has none) it does nothing.
func (b *builder) writeServiceWorker() error {
	src, err := os.ReadFile(filepath.Join(b.root, "static", swSource))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	m, err := siteManifest(b.siteDir())
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return err
	}
	sw, err := stampServiceWorker(src, m.Version)
	if err != nil {
		return err
	}
	if err := b.writeIfChanged(swManifest, append(body, '\n')); err != nil {
		return err
	}
	return b.writeIfChanged(swSource, sw)
}

// stampServiceWorker puts the build's version into the service worker's
// source, which must hold swBuildToken exactly once (a quoted string).
func stampServiceWorker(src []byte, version string) ([]byte, error) {
	token := []byte(strconv.Quote(swBuildToken))
	if n := bytes.Count(src, token); n != 1 {
		return nil, fmt.Errorf("static/%s must contain %s exactly once (found %d): the build writes its version there", swSource, token, n)
	}
	return bytes.Replace(src, token, []byte(strconv.Quote(version)), 1), nil
}

// siteManifest lists the files of a site directory that the service worker
// precaches: everything but the compressed variants (the browser gets those
// through content negotiation on the plain name), temporary files, and the
// service worker's own two files.
func siteManifest(site string) (*swManifestFile, error) {
	m := &swManifestFile{Files: []swManifestEntry{}}
	err := filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(site, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".tmp-") || rel == swSource || rel == swManifest || isEncodedVariant(rel) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		m.Files = append(m.Files, swManifestEntry{Path: rel, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(m.Files, func(a, b swManifestEntry) int { return strings.Compare(a.Path, b.Path) })
	h := sha256.New()
	for _, f := range m.Files {
		fmt.Fprintf(h, "%s %s\n", f.SHA256, f.Path)
	}
	// 64 bits tell builds apart; the full hashes are per file.
	m.Version = hex.EncodeToString(h.Sum(nil))[:16]
	if !slices.ContainsFunc(m.Files, func(f swManifestEntry) bool { return path.Clean(f.Path) == "index.html" }) {
		return nil, fmt.Errorf("%s has no index.html: nothing to serve offline", site)
	}
	return m, nil
}
