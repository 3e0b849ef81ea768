package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"convscope/train/records"
)

// webJSONKeys returns the JSON keys of the struct type name declared in the
// page's package (web/FILE), read from the source: the server does not
// import package web, and these tests check it still speaks the page's
// format without compiling the page.
func webJSONKeys(t *testing.T, file, name string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("web", file), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != name {
			return true
		}
		for _, field := range ts.Type.(*ast.StructType).Fields.List {
			if field.Tag == nil {
				continue
			}
			tag, _ := strconv.Unquote(field.Tag.Value)
			key, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			if key != "" && key != "-" {
				keys = append(keys, key)
			}
		}
		return false
	})
	if len(keys) == 0 {
		t.Fatalf("web/%s declares no %s with JSON keys", file, name)
	}
	return keys
}

// checkKeys reports keys of want missing from got, and with exact, keys of
// got that want does not have.
func checkKeys(t *testing.T, what string, got map[string]any, want []string, exact bool) {
	t.Helper()
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("%s has no %q: %v", what, k, got)
		}
	}
	if exact {
		for k := range got {
			if !slices.Contains(want, k) {
				t.Errorf("%s has %q, which the page does not declare", what, k)
			}
		}
	}
}

// TestAPITraining: GET /api/training serves the embedded records in the
// page's format (web.TrainingRun), revalidated like /api/models.
func TestAPITraining(t *testing.T) {
	base := startServer(t, testSite(t), newFakeCatalog(nil))
	resp, body := get(t, base+"/api/training", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	var raw struct {
		Runs []map[string]any `json:"runs"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	runKeys := webJSONKeys(t, "training.go", "TrainingRun")
	epochKeys := webJSONKeys(t, "training.go", "TrainingEpoch")
	for _, r := range raw.Runs {
		checkKeys(t, "run", r, runKeys, true)
		epochs, _ := r["epochs"].([]any)
		if len(epochs) == 0 {
			t.Errorf("run %v has no epochs", r["net"])
		}
		for _, e := range epochs {
			checkKeys(t, "epoch", e.(map[string]any), epochKeys, true)
		}
	}

	want, err := records.Runs()
	if err != nil {
		t.Fatal(err)
	}
	var got trainingList
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Runs, want) {
		t.Errorf("served %+v, embedded %+v", got.Runs, want)
	}
	// The residual-connection lesson plots these two against each other.
	var nets []string
	for _, r := range got.Runs {
		nets = append(nets, r.Net)
	}
	for _, net := range []string{"plain20_cifar", "resnet20_cifar"} {
		if !slices.Contains(nets, net) {
			t.Errorf("no run of %s in %v", net, nets)
		}
	}

	resp, head := do(t, http.MethodHead, base+"/api/training", nil)
	if resp.StatusCode != 200 || len(head) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %s", resp.StatusCode, len(head), resp.Header.Get("Content-Length"))
	}
}

// TestAPITrainingError: records that cannot be read are a 500 with a JSON
// error that is not cached, not an empty list.
func TestAPITrainingError(t *testing.T) {
	s := &server{models: newFakeCatalog(nil), log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		training: func() ([]records.Run, error) { return nil, errors.New("training record x.json: no epochs") }}
	rec := httptest.NewRecorder()
	s.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/training", nil))
	var e struct{ Error string }
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Cache-Control") != "no-store" ||
		json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.Contains(e.Error, "training records") {
		t.Errorf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// TestAPIModelsLessonFields: with the real catalog, /api/models carries
// every field web.ModelEntry declares, depth and the conv/fc split come from
// the definitions before any download and add up to torchvision's count,
// and every entry with accuracy figures says where they come from.
func TestAPIModelsLessonFields(t *testing.T) {
	cat, err := newCatalog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	base := startServer(t, testSite(t), cat)
	resp, body := get(t, base+"/api/models", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	var list []modelEntry
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	keys := webJSONKeys(t, "root.go", "ModelEntry")
	byName := map[string]modelEntry{}
	for i, m := range list {
		byName[m.Name] = m
		if m.BuiltIn {
			// Available, with accuracy: every declared field is set.
			checkKeys(t, m.Name, raw[i], keys, false)
		}
		if m.Depth == 0 || m.ConvParams+m.FCParams != m.Params {
			t.Errorf("%s: depth %d, conv %d + fc %d != params %d", m.Name, m.Depth, m.ConvParams, m.FCParams, m.Params)
		}
		if m.Top1 > 0 && m.Published == "" {
			t.Errorf("%s: top-1 %.2f with no published source", m.Name, m.Top1)
		}
	}
	for _, c := range []struct {
		name      string
		depth     int
		fc        int64
		published string
	}{
		{"alexnet", 8, 58_631_144, "torchvision's documentation"},
		{"vgg16", 16, 123_642_856, "torchvision's documentation"},
		{"googlenet", 22, 1_025_000, "torchvision's documentation"},
		{"resnet18", 18, 513_000, "torchvision's documentation"},
		{"resnet50", 50, 2_049_000, "torchvision's documentation"},
		{"resnet20_cifar", 20, 650, "measured by convscope eval on the CIFAR-10 test split"},
	} {
		m, ok := byName[c.name]
		if !ok {
			t.Errorf("no %s in /api/models", c.name)
			continue
		}
		if m.Depth != c.depth || m.FCParams != c.fc || !strings.HasPrefix(m.Published, c.published) {
			t.Errorf("%s: depth %d fc %d published %q, want %d, %d, %q...", c.name, m.Depth, m.FCParams, m.Published, c.depth, c.fc, c.published)
		}
	}
}

// TestExportTraining: an export holds api/training, the same body the
// server sends.
func TestExportTraining(t *testing.T) {
	site := testSite(t)
	cat := newFakeCatalog(nil)
	out := filepath.Join(t.TempDir(), "public")
	if _, err := exportSite(site, cat, out); err != nil {
		t.Fatal(err)
	}
	exported, err := os.ReadFile(filepath.Join(out, "api", "training"))
	if err != nil {
		t.Fatal(err)
	}
	_, served := get(t, startServer(t, site, cat)+"/api/training", nil)
	if !bytes.Equal(exported, served) {
		t.Errorf("export api/training differs from GET /api/training:\n%s\n%s", exported, served)
	}
	var got trainingList
	if err := json.Unmarshal(exported, &got); err != nil || len(got.Runs) == 0 {
		t.Errorf("api/training: %d runs, %v", len(got.Runs), err)
	}
}
