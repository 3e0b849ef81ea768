package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExport: the export holds the site, api/models with the same list as
// the server, and every available model at its content-addressed path; a
// second export replaces the first; a folder that is not an export is never
// replaced.
func TestExport(t *testing.T) {
	site := testSite(t)
	data := testModel()
	cat := newFakeCatalog(map[string][]byte{"resnet20_cifar": data})
	out := filepath.Join(t.TempDir(), "public")

	n, err := exportSite(site, cat, out)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("exported %d model files, want 1", n)
	}
	for _, rel := range []string{"index.html", "index.html.br", "app.js", "app.js.gz", "samples/dog.jpg", "_headers"} {
		if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
			t.Errorf("export lacks %s: %v", rel, err)
		}
	}
	for _, rel := range []string{"leak.txt", "up"} {
		if _, err := os.Lstat(filepath.Join(out, rel)); err == nil {
			t.Errorf("export contains the symlink %s", rel)
		}
	}
	body, err := os.ReadFile(filepath.Join(out, "api", "models"))
	if err != nil {
		t.Fatal(err)
	}
	var got []modelEntry
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := modelList(cat)
	if len(got) != len(want) {
		t.Fatalf("api/models has %d entries, the server lists %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].URL != want[i].URL || got[i].SHA256 != want[i].SHA256 {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
		if want[i].URL == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(want[i].URL)))
		if err != nil || !bytes.Equal(b, data) {
			t.Errorf("%s: %d bytes, %v", want[i].URL, len(b), err)
		}
	}
	hdr, _ := os.ReadFile(filepath.Join(out, "_headers"))
	if !strings.Contains(string(hdr), contentSecurityPolicy) || !strings.Contains(string(hdr), "immutable") ||
		!strings.Contains(string(hdr), "Cross-Origin-Opener-Policy: same-origin") || !strings.Contains(string(hdr), "Cross-Origin-Embedder-Policy: require-corp") {
		t.Errorf("_headers: %s", hdr)
	}

	// Export again over it: replaced, no leftovers beside it.
	os.WriteFile(filepath.Join(out, "stale.txt"), []byte("old"), 0o644)
	if _, err := exportSite(site, cat, out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "stale.txt")); err == nil {
		t.Error("a second export kept a file of the first")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("temporary folders left beside the export: %v", names)
	}

	// A folder with other content is refused and left alone.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "thesis.tex"), []byte("precious"), 0o644)
	if _, err := exportSite(site, cat, other); err == nil {
		t.Error("export replaced a folder that was not an export")
	}
	if b, err := os.ReadFile(filepath.Join(other, "thesis.tex")); err != nil || string(b) != "precious" {
		t.Error("a refused export touched the folder")
	}
}

// TestExportCorruptModel: a model whose bytes do not hash to the listed
// SHA-256 fails the export and leaves no output.
func TestExportCorruptModel(t *testing.T) {
	cat := newFakeCatalog(map[string][]byte{"m": testModel()})
	cat.infos[0].SHA256 = strings.Repeat("0", 64)
	out := filepath.Join(t.TempDir(), "public")
	if _, err := exportSite(testSite(t), cat, out); err == nil || !strings.Contains(err.Error(), "hashes to") {
		t.Fatalf("export of a corrupt model: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed export left its output folder")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("a failed export left %d entries", len(entries))
	}
}
