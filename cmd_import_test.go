package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convscope/models"
)

// Fixtures written by tools/pytorch/make_fixtures.py.
const (
	tinynetZip    = "models/testdata/golden/tinynet_zip.pth"
	tinynetLegacy = "models/testdata/golden/tinynet_legacy.pth"
	smallONNX     = "models/testdata/onnx/small.onnx"
	badONNX       = "models/testdata/onnx/unsupported.onnx"
)

func TestImportPth(t *testing.T) {
	dir := t.TempDir()
	for _, file := range []string{tinynetZip, tinynetLegacy} {
		name := strings.TrimSuffix(filepath.Base(file), ".pth")
		var out bytes.Buffer
		if err := importCmd([]string{"-models", dir, "-name", name, "-arch", "tinynet", file}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), name+": tinynet, cifar10, ") {
			t.Errorf("output %q", out.String())
		}
		m, err := models.Load(models.PathFor(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Meta.Labels; len(got) != 10 || got[0] != "airplane" {
			t.Errorf("labels %v", got)
		}
	}
	assertModelsDir(t, dir, "tinynet_legacy.csm", "tinynet_zip.csm")

	// The same name again is refused, and the file is left alone.
	err := importCmd([]string{"-models", dir, "-name", "tinynet_zip", "-arch", "tinynet", tinynetZip}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second import: %v", err)
	}
}

func TestImportErrors(t *testing.T) {
	labels := filepath.Join(t.TempDir(), "labels.txt")
	if err := os.WriteFile(labels, []byte("cat\ndog\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no arch", []string{tinynetZip}, "-arch is required"},
		{"unknown arch", []string{"-arch", "lenet", tinynetZip}, `unknown architecture "lenet"`},
		{"wrong arch", []string{"-arch", "resnet18", tinynetZip}, "does not match resnet18"},
		{"wrong class count", []string{"-arch", "tinynet", "-labels", labels, tinynetZip}, "fc.weight has shape (10, 32), tinynet needs (2, 32)"},
		{"bad name", []string{"-name", "../x", "-arch", "tinynet", tinynetZip}, "bad model name"},
		{"not a checkpoint", []string{"-arch", "tinynet", "cmd_import.go"}, "unknown file type"},
		{"unsupported onnx", []string{badONNX}, "HardSwish"},
		{"onnx labels", []string{smallONNX}, "there are 1000 labels"},
		{"missing file", []string{"-arch", "tinynet", "nothere.pth"}, "no such file"},
	} {
		dir := t.TempDir()
		err := importCmd(append([]string{"-models", dir}, c.args...), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
		assertModelsDir(t, dir)
	}
}

func TestImportONNX(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := importCmd([]string{"-models", dir, "-dataset", "cifar10", "-arch", "smallcnn", smallONNX}, &out); err != nil {
		t.Fatal(err)
	}
	m, err := models.Load(models.PathFor(dir, "small"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Meta.Arch != "smallcnn" || m.Meta.Dataset != "cifar10" {
		t.Errorf("arch %q, dataset %q", m.Meta.Arch, m.Meta.Dataset)
	}
	// The same 32x32 network with ImageNet's labels... and preprocessing,
	// fitted to its input: shorter side 256*32/224 = 37, crop 32.
	labels := filepath.Join(t.TempDir(), "labels.txt")
	if err := os.WriteFile(labels, []byte(strings.Repeat("x\n", 10)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := importCmd([]string{"-models", dir, "-name", "small_in", "-labels", labels, smallONNX}, &out); err != nil {
		t.Fatal(err)
	}
	m, err = models.Load(models.PathFor(dir, "small_in"))
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Meta.Preprocess; p.Crop != 32 || p.ResizeShorter != 37 {
		t.Errorf("preprocess %+v, want crop 32 after resizing to 37", p)
	}
	assertModelsDir(t, dir, "small.csm", "small_in.csm")
}

// assertModelsDir fails unless dir holds exactly the named files: no
// temporary files, no partial models.
func assertModelsDir(t *testing.T, dir string, want ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("models dir holds %v, want %v", got, want)
	}
}
