package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"convscope/models"
	"convscope/models/builtin"
	"convscope/models/modelfile"
)

// storeTwin is storeModel for a float32 twin (import -float32): the twin is
// also checked against the int8 model it is the twin of, when one is at
// hand (the file of that name in dir, else the built-in model), so a twin
// made from other weights (another training run) is never stored: the int8
// lesson would otherwise blame on int8 what comes from training.
func storeTwin(dst string, f *modelfile.File, dir string, w io.Writer) error {
	b, twin, err := encodeLoadable(f)
	if err != nil {
		return err
	}
	name := f.Meta.TwinOf
	q, from, err := int8Model(dir, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(w, "%s: no int8 model %s in %s nor built in: the twin is stored unchecked\n", name, name, dir)
	case err != nil:
		return err
	default:
		if err := models.CheckTwin(q, twin); err != nil {
			return fmt.Errorf("%s (%s): %w", name, from, err)
		}
		fmt.Fprintf(w, "%s: its weights quantize to the int8 bytes of %s exactly\n", name, from)
	}
	return modelfile.WriteBytes(dst, b)
}

// int8Model loads the int8 model a new twin of name is checked against:
// PathFor(dir, name), else the built-in model name. from says which.
func int8Model(dir, name string) (*models.Model, string, error) {
	path := models.PathFor(dir, name)
	if _, err := os.Stat(path); err == nil {
		m, err := models.Load(path)
		return m, path, err
	}
	b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
	if err != nil {
		return nil, "", err
	}
	m, err := models.LoadBytes(b)
	if err != nil {
		return nil, "", fmt.Errorf("built-in %s: %w", name, err)
	}
	return m, "the built-in " + name, nil
}
