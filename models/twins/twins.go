// Package twins embeds the float32 twins of the built-in models (NAME.csm
// here is the twin of ../builtin/NAME.csm: the same graph with the weights
// before quantization, see models.ConvertFloat32). Only the server imports
// it: the twins are downloaded on demand by the int8 lesson, so they must
// never be compiled into the WebAssembly binaries, which is why they are
// not in package builtin (its //go:embed * would take a subfolder too).
package twins

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// The pattern is "*" rather than "*.csm" because go:embed rejects a pattern
// that matches no file, and the package must build whichever twins exist;
// FS filters the embedded files down to the twins.
//
//go:embed *
var files embed.FS

// Ext is the model file extension.
const Ext = ".csm"

// FS returns the twins: NAME.csm at its root, nothing else.
func FS() fs.FS { return twinFS{} }

// Names lists the models that have a built-in twin, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(FS(), ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), Ext))
	}
	sort.Strings(names)
	return names
}

// twinFS is files restricted to *.csm.
type twinFS struct{}

func isTwin(name string) bool { return path.Ext(name) == Ext && !strings.Contains(name, "/") }

func (twinFS) Open(name string) (fs.File, error) {
	if name != "." && !isTwin(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return files.Open(name)
}

func (twinFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	all, err := files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	for _, e := range all {
		if !e.IsDir() && isTwin(e.Name()) {
			out = append(out, e)
		}
	}
	return out, nil
}
