// Package builtin embeds the built-in model files (NAME.csm in this
// directory) so that the server and the browser have them without a fetch.
package builtin

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// The pattern is "*" rather than "*.csm" because go:embed rejects a pattern
// that matches no file, and the package must build before the first model is
// trained; FS filters the embedded files down to the models.
//
//go:embed *
var files embed.FS

// Ext is the model file extension.
const Ext = ".csm"

// FS returns the built-in model files: NAME.csm at its root, nothing else.
func FS() fs.FS { return CSMOnly(files) }

// Names lists the built-in models (file names without Ext), sorted.
func Names() []string { return NamesIn(FS()) }

// CSMOnly is an embedded folder restricted to the model files at its root
// (package twins embeds its files the same way).
func CSMOnly(files embed.FS) fs.FS { return modelFS{files} }

// NamesIn lists the model files at the root of fsys without Ext, sorted.
func NamesIn(fsys fs.FS) []string {
	entries, _ := fs.ReadDir(fsys, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if isModel(e.Name()) {
			names = append(names, strings.TrimSuffix(e.Name(), Ext))
		}
	}
	sort.Strings(names)
	return names
}

// modelFS is files restricted to *.csm.
type modelFS struct{ files embed.FS }

func isModel(name string) bool { return path.Ext(name) == Ext && !strings.Contains(name, "/") }

func (m modelFS) Open(name string) (fs.File, error) {
	if name != "." && !isModel(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	// "." opens the embedded directory so fs.Stat and fs.WalkDir work;
	// listings go through ReadDir, which filters.
	return m.files.Open(name)
}

func (m modelFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	all, err := m.files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, e := range all {
		if !e.IsDir() && isModel(e.Name()) {
			out = append(out, e)
		}
	}
	return out, nil
}
