package builtin

import (
	"io"
	"io/fs"
	"strings"
	"testing"
)

func TestOnlyModels(t *testing.T) {
	if _, err := FS().Open("builtin.go"); err == nil {
		t.Error("FS exposes builtin.go")
	}
	if _, err := FS().Open("README.md"); err == nil {
		t.Error("FS exposes README.md")
	}
	for _, name := range Names() {
		f, err := FS().Open(name + Ext)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := f.(io.ReadSeeker); !ok {
			t.Errorf("%s: embedded file is not an io.ReadSeeker", name)
		}
		f.Close()
	}
	entries, err := fs.ReadDir(FS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), Ext) {
			t.Errorf("listing holds %s", e.Name())
		}
	}
}
