package main

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
)

// compressible lists the extensions that get precompressed variants
// (NAME.br, NAME.gz) in the build; images are compressed already.
var compressible = map[string]bool{".wasm": true, ".js": true, ".css": true, ".html": true, ".json": true, ".svg": true}

// encodings in order of preference: brotli is about a fifth smaller than
// gzip on the wasm files.
var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// serveSite serves a file of the built site. Every open goes through os.Root,
// which refuses names that leave the site directory, including through
// symlinks; names are also checked with fs.ValidPath first so that "..",
// absolute paths and backslashes never reach the file system.
func (s *server) serveSite(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) || strings.ContainsAny(name, `\:`) || isEncodedVariant(name) {
		s.notFound(w)
		return
	}
	f, st, err := s.openRegular(name)
	if err != nil {
		s.notFound(w)
		return
	}
	defer f.Close()

	h := w.Header()
	ext := path.Ext(name)
	ctype := mime.TypeByExtension(ext)
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	// The page and the wasm change with every build and keep their names:
	// let the browser keep them but ask before using them.
	h.Set("Cache-Control", "no-cache")

	if compressible[ext] {
		h.Add("Vary", "Accept-Encoding")
		for _, enc := range encodings {
			if !acceptsEncoding(r.Header.Get("Accept-Encoding"), enc.name) {
				continue
			}
			cf, cst, err := s.openRegular(name + enc.ext)
			if err != nil || cst.ModTime().Before(st.ModTime()) {
				if err == nil {
					cf.Close() // older than its source: a stale variant is never served
				}
				continue
			}
			defer cf.Close()
			h.Set("Content-Encoding", enc.name)
			http.ServeContent(newProgressWriter(w), r, "", cst.ModTime(), cf)
			return
		}
	}
	http.ServeContent(newProgressWriter(w), r, "", st.ModTime(), f)
}

// openRegular opens name inside the site and refuses anything that is not a
// regular file (directories, devices).
func (s *server) openRegular(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.site.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, errors.New("not a regular file")
	}
	return f, st, nil
}

// isEncodedVariant reports whether name is a precompressed file, which is
// only ever served through content negotiation on its source's name.
func isEncodedVariant(name string) bool {
	for _, enc := range encodings {
		if base, ok := strings.CutSuffix(name, enc.ext); ok && compressible[path.Ext(base)] {
			return true
		}
	}
	return false
}

func (s *server) notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte("404 not found\n"))
}

// acceptsEncoding reports whether an Accept-Encoding header allows coding
// (with a q-value above zero).
func acceptsEncoding(header, coding string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	return false
}
