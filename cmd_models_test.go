package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// testModelsDir returns a -models directory holding "tiny": a tinynet with
// random weights and the CIFAR-10 labels.
func testModelsDir(t *testing.T) string {
	t.Helper()
	d, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	f, err := models.Convert(d, d.RandomStateDict(11), models.Meta{
		Name: "tiny", Dataset: labels.DatasetCIFAR10, Labels: labels.CIFAR10(),
		Preprocess: preprocess.CIFAR10(), Source: "random weights (test)",
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := modelfile.Write(models.PathFor(dir, "tiny"), f); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeTestImage writes a random w x h PNG.
func writeTestImage(t *testing.T, path string, w, h int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestModelsCommand(t *testing.T) {
	dir := testModelsDir(t)
	var out bytes.Buffer
	if err := modelsCmd([]string{"-json", "-models", dir}, &out); err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	found := map[string]map[string]any{}
	for _, m := range list {
		for _, k := range []string{"name", "arch", "dataset", "params", "macs", "bytes", "top1", "top5", "available"} {
			if _, ok := m[k]; !ok {
				t.Errorf("entry %v has no %q", m["name"], k)
			}
		}
		found[m["name"].(string)] = m
	}
	if m := found["tiny"]; m == nil || m["available"] != true || m["arch"] != "tinynet" {
		t.Errorf("tiny: %v", m)
	}
	if m := found["resnet50"]; m == nil || m["available"] != false || m["params"].(float64) != 25557032 {
		t.Errorf("resnet50: %v", m)
	}

	out.Reset()
	if err := modelsCmd([]string{"-models", dir}, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"NAME", "resnet50", "25,557,032", "4.09", "tiny", "tinynet", "fetch", "available"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if err := modelsCmd([]string{"-models", dir, "extra"}, &out); err == nil {
		t.Error("extra argument accepted")
	}
}
