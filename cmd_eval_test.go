package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalCommand checks eval's counts against classify run image by
// image: top-1 is the share of images whose first class is their folder.
func TestEvalCommand(t *testing.T) {
	dir := testModelsDir(t)
	root := t.TempDir()
	var paths []string
	for ci, class := range []string{"cat", "dog", "ship"} {
		for i := range 4 {
			p := filepath.Join(root, class, fmt.Sprintf("%d.png", i))
			writeTestImage(t, p, 32+i, 32, uint64(10*ci+i))
			paths = append(paths, p)
		}
	}
	os.WriteFile(filepath.Join(root, "README"), []byte("not a class"), 0o644)

	var out bytes.Buffer
	if err := classifyCmd(append([]string{"-models", dir, "-model", "tiny", "-top", "5", "-json"}, paths...), &out); err != nil {
		t.Fatal(err)
	}
	var want1, want5 int
	dec := json.NewDecoder(&out)
	for range paths {
		var r classifyResult
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		class := filepath.Base(filepath.Dir(r.Image))
		for i, p := range r.Top {
			if p.Label == class {
				want5++
				if i == 0 {
					want1++
				}
			}
		}
	}

	for _, workers := range []string{"1", "3"} {
		out.Reset()
		if err := evalCmd([]string{"-models", dir, "-model", "tiny", "-json", "-workers", workers, root}, &out); err != nil {
			t.Fatal(err)
		}
		var r evalResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		n := float64(len(paths))
		if r.Model != "tiny" || r.Dir != root || r.Images != len(paths) ||
			math.Abs(r.Top1-100*float64(want1)/n) > 1e-9 || math.Abs(r.Top5-100*float64(want5)/n) > 1e-9 {
			t.Errorf("workers %s: %+v, want top-1 %d/12, top-5 %d/12", workers, r, want1, want5)
		}
	}

	out.Reset()
	if err := evalCmd([]string{"-models", dir, "-model", "tiny", "-limit", "2", root}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "6 images") {
		t.Errorf("-limit 2: %s", out.String())
	}

	os.MkdirAll(filepath.Join(root, "zebra"), 0o755)
	if err := evalCmd([]string{"-models", dir, "-model", "tiny", root}, &out); err == nil || !strings.Contains(err.Error(), `"zebra" is not a label`) {
		t.Errorf("unknown class: %v", err)
	}
	os.Remove(filepath.Join(root, "zebra"))
	os.WriteFile(filepath.Join(root, "cat", "broken.png"), []byte("png?"), 0o644)
	if err := evalCmd([]string{"-models", dir, "-model", "tiny", root}, &out); err == nil || !strings.Contains(err.Error(), "broken.png") {
		t.Errorf("broken image: %v", err)
	}
	if err := evalCmd([]string{"-models", dir, "-model", "tiny", filepath.Join(root, "none")}, &out); err == nil {
		t.Error("missing directory accepted")
	}
}
