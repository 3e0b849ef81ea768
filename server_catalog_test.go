package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// tinyModelBytes encodes a random-weights tinynet model called name.
func tinyModelBytes(t testing.TB, name string, seed uint64) []byte {
	t.Helper()
	d, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	meta := models.Meta{
		Name: name, Dataset: "cifar10", Labels: labels.CIFAR10()[:d.NumClasses],
		Preprocess: preprocess.Spec{Crop: d.Input[2], Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25}},
		Source:     "random weights (server test)",
	}
	f, err := models.Convert(d, d.RandomStateDict(seed), meta)
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readAllClose(t *testing.T, f modelFile) []byte {
	t.Helper()
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestModelsCatalog: the cached catalog follows the models folder, and what
// Open returns always hashes to the SHA-256 it reports.
func TestModelsCatalog(t *testing.T) {
	dir := t.TempDir()
	cat, err := newCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	list, err := cat.List()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]modelInfo{}
	for _, m := range list {
		byName[m.Name] = m
	}
	if m, ok := byName["resnet18"]; !ok || m.Available {
		t.Fatalf("resnet18 should be listed and not available in an empty folder: %+v", m)
	}
	for _, name := range []string{"resnet18", "nosuch", "../etc/passwd", ""} {
		if _, _, err := cat.Open(name); !errors.Is(err, errNoModel) {
			t.Errorf("Open(%q) = %v, want errNoModel", name, err)
		}
	}

	// A new file (written the way fetch and import write: temp + rename).
	v1 := tinyModelBytes(t, "mytiny", 1)
	if err := modelfile.WriteBytes(filepath.Join(dir, "mytiny.csm"), v1); err != nil {
		t.Fatal(err)
	}
	f, info, err := cat.Open("mytiny")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAllClose(t, f); !bytes.Equal(got, v1) || info.SHA256 != sumHex(v1) {
		t.Fatalf("Open after adding a file: %d bytes, sha %s", len(got), info.SHA256)
	}

	// Replaced in place (same size, other bytes): never served under the old hash.
	v2 := tinyModelBytes(t, "mytiny", 2)
	if len(v2) != len(v1) || bytes.Equal(v1, v2) {
		t.Fatalf("test setup: want same-size different files")
	}
	later := time.Now().Add(2 * time.Second)
	if err := os.WriteFile(filepath.Join(dir, "mytiny.csm"), v2, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(dir, "mytiny.csm"), later, later)
	f, info, err = cat.Open("mytiny")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAllClose(t, f); sumHex(got) != info.SHA256 || info.SHA256 != sumHex(v2) {
		t.Fatalf("after an in-place rewrite, Open gave bytes hashing to %s with sha %s", sumHex(got), info.SHA256)
	}

	// Removed: gone from the list, 404 for Open.
	if err := os.Remove(filepath.Join(dir, "mytiny.csm")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cat.Open("mytiny"); !errors.Is(err, errNoModel) {
		t.Errorf("Open of a removed model = %v", err)
	}
}

// TestModelFileRealCatalog serves a real model file through the real catalog.
func TestModelFileRealCatalog(t *testing.T) {
	dir := t.TempDir()
	data := tinyModelBytes(t, "mytiny", 3)
	if err := modelfile.WriteBytes(filepath.Join(dir, "mytiny.csm"), data); err != nil {
		t.Fatal(err)
	}
	cat, list := testCatalog(t, dir)
	base := startServer(t, testSite(t), cat)
	found := false
	for _, m := range list {
		if m.Name != "mytiny" {
			continue
		}
		found = true
		resp, body := get(t, base+"/"+m.URL, nil)
		if resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Errorf("GET %s: %d, %d bytes", m.URL, resp.StatusCode, len(body))
		}
	}
	if !found {
		t.Fatalf("mytiny not in the list: %+v", list)
	}
}
