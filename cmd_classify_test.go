package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassifyCommand(t *testing.T) {
	dir := testModelsDir(t)
	imgs := t.TempDir()
	a, b := filepath.Join(imgs, "a.png"), filepath.Join(imgs, "b.png")
	writeTestImage(t, a, 48, 40, 1)
	writeTestImage(t, b, 32, 32, 2)

	var out bytes.Buffer
	if err := classifyCmd([]string{"-models", dir, "-model", "tiny", "-top", "10", "-json", a, b}, &out); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	for _, want := range []string{a, b} {
		var r classifyResult
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.Model != "tiny" || r.Image != want || len(r.Top) != 10 || r.MS <= 0 {
			t.Errorf("result %+v", r)
		}
		sum := 0.0
		seen := map[int]bool{}
		for i, p := range r.Top {
			sum += p.Prob
			seen[p.Index] = true
			if i > 0 && p.Prob > r.Top[i-1].Prob {
				t.Errorf("not sorted: %v", r.Top)
			}
			if p.Label == "" {
				t.Errorf("no label for %d", p.Index)
			}
		}
		// All 10 classes: the probabilities are a softmax.
		if len(seen) != 10 || sum < 0.9999 || sum > 1.0001 {
			t.Errorf("top-10 covers %d classes, probabilities sum to %v", len(seen), sum)
		}
	}

	out.Reset()
	if err := classifyCmd([]string{"-models", dir, "-model", "tiny", a}, &out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 6 {
		t.Errorf("text output has %d lines, want 1 + 5:\n%s", lines, out.String())
	}

	bad := filepath.Join(imgs, "bad.jpg")
	os.WriteFile(bad, []byte("not an image"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-model", "nosuch", a}, "unknown model"},
		{[]string{"-model", "vgg16", a}, "not fetched"},
		{[]string{"-model", "tiny", "-top", "11", a}, "10 classes"},
		{[]string{"-model", "tiny", "-top", "0", a}, "10 classes"},
		{[]string{"-model", "tiny", bad}, "could not be classified"},
		{[]string{"-model", "tiny", filepath.Join(imgs, "missing.png")}, "could not be classified"},
		{[]string{"-model", "tiny"}, "at least one image"},
	} {
		out.Reset()
		err := classifyCmd(append([]string{"-models", dir}, c.args...), &out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}
