package main

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"convscope/models"
	"convscope/models/modelfile"
	"convscope/models/twins"
)

// tinyTwinBytes is the float32 twin of tinyModelBytes(t, name, seed).
func tinyTwinBytes(t testing.TB, name string, seed uint64) []byte {
	t.Helper()
	m, err := models.LoadBytes(tinyModelBytes(t, name, seed))
	if err != nil {
		t.Fatal(err)
	}
	d, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	f, err := models.ConvertFloat32(d, d.RandomStateDict(seed), models.Meta{
		Name: name, Dataset: m.Meta.Dataset, Labels: m.Meta.Labels, Preprocess: m.Meta.Preprocess, Source: m.Meta.Source,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTwinsServed: api/models gives a float32 entry to exactly the models
// that have a twin (the built-in ones of package twins, and a folder model
// with float32/NAME.csm), each served content-addressed like a model; a
// folder model without one, an old version and an unknown name are 404s;
// a twin written later shows up; an export writes the twins at their URLs.
func TestTwinsServed(t *testing.T) {
	dir := t.TempDir()
	if err := modelfile.WriteBytes(models.PathFor(dir, "tiny"), tinyModelBytes(t, "tiny", 3)); err != nil {
		t.Fatal(err)
	}
	if err := modelfile.WriteBytes(models.PathFor(dir, "lone"), tinyModelBytes(t, "lone", 4)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, models.TwinDir), 0o755); err != nil {
		t.Fatal(err)
	}
	twin := tinyTwinBytes(t, "tiny", 3)
	if err := modelfile.WriteBytes(models.TwinPath(dir, "tiny"), twin); err != nil {
		t.Fatal(err)
	}
	cat, err := newCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	base := startServer(t, testSite(t), cat)
	list := func() map[string]modelEntry {
		t.Helper()
		resp, body := get(t, base+"/api/models", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("api/models: %d", resp.StatusCode)
		}
		var l []modelEntry
		if err := json.Unmarshal(body, &l); err != nil {
			t.Fatal(err)
		}
		out := map[string]modelEntry{}
		for _, m := range l {
			out[m.Name] = m
		}
		return out
	}
	ms := list()
	var withTwin []string
	for name, m := range ms {
		if m.Float32 != nil {
			withTwin = append(withTwin, name)
		}
	}
	slices.Sort(withTwin)
	want := append(twins.Names(), "tiny")
	slices.Sort(want)
	if !slices.Equal(withTwin, want) {
		t.Fatalf("models with a float32 entry: %v, want %v", withTwin, want)
	}
	if _, ok := ms["float32"]; ok {
		t.Error("the float32 folder is listed as a model")
	}
	for _, name := range withTwin {
		tw := ms[name].Float32
		if !strings.HasPrefix(tw.URL, "models/float32/"+name+".") {
			t.Errorf("%s: twin URL %q", name, tw.URL)
		}
		resp, body := get(t, base+"/"+tw.URL, nil)
		if resp.StatusCode != 200 || sumHex(body) != tw.SHA256 || int64(len(body)) != tw.Bytes {
			t.Fatalf("%s: GET %s: %d, %d bytes hashing to %.16s (list: %d, %.16s)", name, tw.URL, resp.StatusCode, len(body), sumHex(body), tw.Bytes, tw.SHA256)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || resp.Header.Get("ETag") != `"`+tw.SHA256+`"` {
			t.Errorf("%s: Cache-Control %q, ETag %q", name, cc, resp.Header.Get("ETag"))
		}
		if resp, _ := get(t, base+"/"+tw.URL, map[string]string{"If-None-Match": `"` + tw.SHA256 + `"`}); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidation answered %d", name, resp.StatusCode)
		}
		twm, err := models.LoadBytes(body)
		if err != nil || twm.Meta.TwinOf != name {
			t.Errorf("%s: served twin: %v, twin of %q", name, err, twm.Meta.TwinOf)
		}
	}
	for _, path := range []string{
		"/models/float32/lone." + strings.Repeat("0", 16) + ".csm",
		"/models/float32/tiny." + strings.Repeat("0", 16) + ".csm",
		"/models/float32/nosuch." + strings.Repeat("0", 16) + ".csm",
		"/models/float32/tiny.csm",
	} {
		if resp, _ := get(t, base+path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}

	// A twin added to the folder later is listed without a restart.
	if err := modelfile.WriteBytes(models.TwinPath(dir, "lone"), tinyTwinBytes(t, "lone", 4)); err != nil {
		t.Fatal(err)
	}
	if ms := list(); ms["lone"].Float32 == nil {
		t.Error("the twin written later is not listed")
	}

	out := filepath.Join(t.TempDir(), "public")
	n, err := exportSite(testSite(t), cat, out)
	if err != nil {
		t.Fatal(err)
	}
	twinFiles := 0
	for _, m := range list() {
		if m.Float32 == nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(m.Float32.URL)))
		if err != nil || sumHex(b) != m.Float32.SHA256 {
			t.Errorf("export of %s's twin: %v", m.Name, err)
		}
		twinFiles++
	}
	files, _ := fs.Glob(os.DirFS(out), "models/*.csm")
	if n != len(files)+twinFiles {
		t.Errorf("export counts %d files, wrote %d models and %d twins", n, len(files), twinFiles)
	}
}
