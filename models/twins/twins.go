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

	"convscope/models/builtin"
)

// The pattern is "*" rather than "*.csm" because go:embed rejects a pattern
// that matches no file, and the package must build whichever twins exist;
// FS filters the embedded files down to the twins.
//
//go:embed *
var files embed.FS

// Ext is the model file extension.
const Ext = builtin.Ext

// FS returns the twins: NAME.csm at its root, nothing else.
func FS() fs.FS { return builtin.CSMOnly(files) }

// Names lists the models that have a built-in twin, sorted.
func Names() []string { return builtin.NamesIn(FS()) }
