package modelfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write encodes f and stores it at path atomically: the bytes go to a
// temporary file in the same directory, which is synced and then renamed
// over path. A failure at any step removes the temporary file, so path is
// either the old file or the complete new one, never a partial one.
func Write(path string, f *File) error {
	b, err := Encode(f)
	if err != nil {
		return err
	}
	return WriteBytes(path, b)
}

// WriteBytes stores already encoded bytes at path atomically (see Write).
func WriteBytes(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(b); err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	// Make the rename itself durable; not every platform can sync a
	// directory, and the file is complete either way.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
