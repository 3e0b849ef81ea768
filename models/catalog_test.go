package models

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convscope/models/modelfile"
)

// writeTiny stores a random-weights tinynet model as dir/name.csm.
func writeTiny(t testing.TB, dir, name string) []byte {
	t.Helper()
	d := mustArch(t, "tinynet", Config{})
	meta := testMeta(d)
	meta.Name = name
	meta.Accuracy = []modelfile.Accuracy{{Split: "none", Top1: 10, Top5: 50, Source: "random weights"}}
	f, err := Convert(d, d.RandomStateDict(9), meta)
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := modelfile.WriteBytes(PathFor(dir, name), b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCatalog(t *testing.T) {
	dir := t.TempDir()
	b := writeTiny(t, dir, "mytiny")
	// A fetched torchvision model is listed from its file (a tinynet
	// stands in for resnet18 here: the catalog trusts the file).
	writeTiny(t, dir, "resnet18")
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.csm"), []byte("not a model"), 0o644)
	all, err := Catalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Info{}
	for _, info := range all {
		byName[info.Name] = info
	}
	for _, w := range Torchvision() {
		info, ok := byName[w.Name]
		if !ok {
			t.Errorf("%s missing", w.Name)
			continue
		}
		if w.Name == "resnet18" {
			if !info.Available || info.Path != PathFor(dir, "resnet18") {
				t.Errorf("fetched resnet18: %+v", info)
			}
			continue
		}
		if info.Available || info.Params != w.Params || info.MACs == 0 || !info.BytesEstimated || info.Top1 != w.Top1 || info.AccuracySource != "torchvision" {
			t.Errorf("%s: %+v", w.Name, info)
		}
		// int8 weights: a little over a quarter of the float32 checkpoint.
		if r := float64(info.Bytes) / float64(4*w.Params); r < 0.25 || r > 0.27 {
			t.Errorf("%s: %d bytes is %.3f of the float32 size", w.Name, info.Bytes, r)
		}
	}
	tiny := byName["mytiny"]
	if !tiny.Available || tiny.Bytes != int64(len(b)) || tiny.Arch != "tinynet" || tiny.Top1 != 10 || len(tiny.SHA256) != 64 {
		t.Errorf("mytiny: %+v", tiny)
	}
	if info := byName["broken"]; info.Available {
		t.Errorf("broken file listed as available: %+v", info)
	}
	if _, ok := byName["notes.txt"]; ok {
		t.Error("notes.txt listed")
	}

	f, info, err := Open(dir, "mytiny")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, b) || info.Name != "mytiny" {
		t.Error("Open returned other bytes")
	}
	m, err := LoadName(dir, "mytiny")
	if err != nil || m.Meta.Name != "mytiny" {
		t.Fatalf("LoadName: %v", err)
	}
	for name, want := range map[string]string{
		"vgg16":      "not fetched yet",
		"nosuch":     "unknown model",
		"../etc/pwd": "bad model name",
		"broken":     "not a readable model file",
	} {
		if _, _, err := Open(dir, name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): %v, want %q", name, err, want)
		}
	}
	for name, want := range map[string]error{"vgg16": ErrNotAvailable, "nosuch": ErrUnknownModel, "a/b": ErrBadName, "broken": ErrNotAvailable} {
		if _, _, err := Open(dir, name); !errors.Is(err, want) {
			t.Errorf("Open(%q): %v does not wrap %v", name, err, want)
		}
	}
	// A missing directory is an empty one.
	if _, err := Catalog(filepath.Join(dir, "none")); err != nil {
		t.Error(err)
	}
}

// TestEstimate checks the size estimate against a real conversion: the
// data section exactly, the metadata within 2%.
func TestEstimate(t *testing.T) {
	for _, arch := range []string{"tinynet", "googlenet"} {
		d := mustArch(t, arch, Config{Classes: 10})
		meta := testMeta(d)
		f, err := Convert(d, d.RandomStateDict(1), meta)
		if err != nil {
			t.Fatal(err)
		}
		b, err := modelfile.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		data, metaBytes, err := d.fileBytes(meta.Labels)
		if err != nil {
			t.Fatal(err)
		}
		var realData int64 = int64(len(b)) - modelfile.HeaderSize
		_, hdr, _ := modelfile.ReadMeta(bytes.NewReader(b))
		realData -= int64(hdr.MetaLen)
		if data != realData {
			t.Errorf("%s: data estimate %d, real %d", arch, data, realData)
		}
		if r := float64(metaBytes) / float64(hdr.MetaLen); math.Abs(r-1) > 0.05 {
			t.Errorf("%s: metadata estimate %d, real %d", arch, metaBytes, hdr.MetaLen)
		}
		t.Logf("%s: file %d bytes, estimate %d (metadata %d vs %d)", arch, len(b), modelfile.HeaderSize+data+metaBytes, metaBytes, hdr.MetaLen)
	}
}
