package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"convscope/engine"
	"convscope/internal/browsertest"
	"convscope/models"
	"convscope/models/builtin"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
	"convscope/models/twins"
)

// The "what int8 costs" lesson end to end (issue 8, lesson 11): the real
// page and server with the built-in models and their float32 twins, a
// sample photo uploaded, the lesson's two top-5s and per-layer errors
// compared with the same computation done here natively with the Go
// engine on the same two files and the same photo; a model without a twin
// says so; a tampered twin is a clear error and the page goes on working.

// tamperedTwins serves the catalog's twins, except that the twin of
// tamper comes with one byte changed (the list keeps the true hash).
type tamperedTwins struct {
	*modelsCatalog
	tamper string
}

func (c tamperedTwins) OpenTwin(name string) (modelFile, twinInfo, error) {
	f, t, err := c.modelsCatalog.OpenTwin(name)
	if err != nil || name != c.tamper {
		return f, t, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, t, err
	}
	b[len(b)-100] ^= 0x40
	return nopCloser{bytes.NewReader(b)}, t, nil
}

// int8Native is the lesson's computation done here: both models on the
// photo, their top-5 and each conv and fc layer's output error.
type int8Native struct {
	int8Top, f32Top []models.Prediction
	layers          []string
	rel, maxAbs     map[string]float64
	cosine          map[string]float64
}

func computeInt8Native(t *testing.T, name, photo string) int8Native {
	t.Helper()
	load := func(fsys fs.FS) *models.Model {
		b, err := fs.ReadFile(fsys, name+builtin.Ext)
		if err != nil {
			t.Fatal(err)
		}
		m, err := models.LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	q, tw := load(builtin.FS()), load(twins.FS())
	f, err := os.Open(photo)
	if err != nil {
		t.Fatal(err)
	}
	img, err := preprocess.Decode(f, preprocess.DefaultMaxPixels)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	x, err := q.Input(img)
	if err != nil {
		t.Fatal(err)
	}
	out := int8Native{rel: map[string]float64{}, maxAbs: map[string]float64{}, cosine: map[string]float64{}}
	var keep []string
	values := map[string]string{}
	for _, l := range q.Meta.Layers {
		if (l.Kind == modelfile.LayerConv || l.Kind == "fc") && values[l.Value] == "" {
			values[l.Value] = l.Name
			out.layers = append(out.layers, l.Name)
			keep = append(keep, l.Value)
		}
	}
	run := func(m *models.Model) *engine.Result {
		p, err := m.Program(engine.Options{Keep: keep})
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(map[string]*engine.Tensor{m.Graph().Inputs[0].Name: x})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	r8, r32 := run(q), run(tw)
	top := func(m *models.Model, r *engine.Result) []models.Prediction {
		return models.TopK(models.Softmax(r.Outputs[m.Graph().Outputs[0]].Data), m.Meta.Labels, 5)
	}
	out.int8Top, out.f32Top = top(q, r8), top(tw, r32)
	for v, name := range values {
		a, b := r8.Kept[v].Data, r32.Kept[v].Data
		var d2, n2, aa, ab, mx float64
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			d2 += d * d
			n2 += float64(b[i]) * float64(b[i])
			aa += float64(a[i]) * float64(a[i])
			ab += float64(a[i]) * float64(b[i])
			mx = math.Max(mx, math.Abs(d))
		}
		out.rel[name] = math.Sqrt(d2 / n2)
		out.maxAbs[name] = mx
		out.cosine[name] = ab / math.Sqrt(aa*n2)
	}
	return out
}

// int8Row is a row of the lesson's top-5 table.
type int8Row struct {
	Index int     `json:"index"`
	Prob  float64 `json:"prob"`
	Other float64 `json:"other"`
}

func TestInt8Lesson(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app and starts Chromium; skipped in -short mode")
	}
	const model = "alexnet_cifar"
	photo, _ := filepath.Abs(filepath.Join("..", "shared", "data", "samples", "dog.jpg"))
	if _, err := os.Stat(photo); err != nil {
		t.Skipf("no sample photo %s (the shared data folder)", photo)
	}
	if !strings.Contains(strings.Join(twins.Names(), ","), model) {
		t.Skipf("no float32 twin of %s in models/twins", model)
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	// A model of the folder without a twin, for the "no twin" message when
	// every built-in model has one.
	if err := modelfile.WriteBytes(models.PathFor(dir, "lone"), tinyModelBytes(t, "lone", 4)); err != nil {
		t.Fatal(err)
	}
	cat, err := newCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The twin of another built-in model is served tampered.
	tampered := ""
	for _, n := range twins.Names() {
		if n != model {
			tampered = n
			break
		}
	}
	serve := tamperedTwins{modelsCatalog: cat.(*modelsCatalog), tamper: tampered}
	list, err := modelList(serve)
	if err != nil {
		t.Fatal(err)
	}
	// The model without a twin: googlenet_cifar when it has none, else the
	// first built-in one without, else the folder's model.
	byName := map[string]modelEntry{}
	noTwin := "lone"
	for _, m := range list {
		byName[m.Name] = m
	}
	for _, m := range list {
		if m.BuiltIn && m.Available && m.Float32 == nil && (noTwin == "lone" || m.Name == "googlenet_cifar") {
			noTwin = m.Name
		}
	}
	if byName[model].Float32 == nil {
		t.Fatalf("api/models gives %s no float32 entry", model)
	}
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	srv := httptest.NewServer((&server{site: root, models: serve, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handler())
	defer srv.Close()

	p := browser.NewPage(t)
	a := lessonPage{appPage: appPage{t: t, p: p}}
	if err := p.Do(chromedp.EmulateViewport(1280, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	a.wait(`document.querySelector("html[data-wasm=running] #file-input") && document.querySelector("#model-table") && "ok"`, 2*time.Minute)
	use := func(name string) {
		m, err := models.LoadName(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		a.useModel(byName[name], len(m.Meta.Layers))
		a.wait(fmt.Sprintf(`document.querySelector("#lessons-title")?.textContent === "Lessons on %s" && "ok"`, name), time.Minute)
	}

	use(model)
	pageTop := a.classify(photo)
	want := computeInt8Native(t, model, photo)
	a.tab("int8")
	a.wait(`document.querySelector("#int8-data") && document.querySelector("#int8-top") && "ok"`, 2*time.Minute)
	if note := a.text("#int8-note"); !strings.Contains(note, "checked") {
		t.Errorf("note: %q", note)
	}

	// Probabilities: the browser's engine and this one agree to 1e-4 (as
	// the other browser tests require); the errors to 0.1 % of their value
	// (the two engines' float rounding differs by about 1e-6 of each
	// activation, far below the int8 differences measured).
	const probTol, relTol = 1e-4, 1e-3
	rows := func() []int8Row {
		var out []int8Row
		a.jsonEval(`JSON.stringify([...document.querySelectorAll("#int8-top tbody tr")].map(tr => ({index: Number(tr.dataset.index), prob: Number(tr.dataset.prob), other: Number(tr.dataset.other)})))`, &out)
		return out
	}
	checkTop := func(what string, got []int8Row, top, other []models.Prediction) {
		t.Helper()
		if len(got) != len(top) {
			t.Fatalf("%s: %d rows, want %d", what, len(got), len(top))
		}
		for i, r := range got {
			if r.Index != top[i].Index || math.Abs(r.Prob-top[i].Prob) > probTol {
				t.Errorf("%s rank %d: class %d %.6f, native %d (%s) %.6f", what, i+1, r.Index, r.Prob, top[i].Index, top[i].Label, top[i].Prob)
			}
			wantOther := -1.0
			for _, o := range other {
				if o.Index == r.Index {
					wantOther = o.Prob
				}
			}
			if math.Abs(r.Other-wantOther) > probTol {
				t.Errorf("%s rank %d: other weights' probability %.6f, native %.6f", what, i+1, r.Other, wantOther)
			}
		}
	}
	if a.attr("#int8-top", "data-mode") != "int8" {
		t.Errorf("default mode %q", a.attr("#int8-top", "data-mode"))
	}
	checkTop("int8", rows(), want.int8Top, want.f32Top)
	for i, p := range pageTop {
		if p.Index != want.int8Top[i].Index || math.Abs(p.Prob-want.int8Top[i].Prob) > probTol {
			t.Errorf("the page's result %d: %+v, the lesson's int8 top-5 %+v", i, p, want.int8Top[i])
		}
	}
	a.shot("lesson-int8")
	if err := p.Click("#int8-mode-float32"); err != nil {
		t.Fatal(err)
	}
	a.wait(`document.querySelector("#int8-top")?.dataset.mode === "float32" && document.querySelector("#int8-mode-float32").getAttribute("aria-pressed") === "true" && "ok"`, time.Minute)
	checkTop("float32", rows(), want.f32Top, want.int8Top)
	a.shot("lesson-int8-float32")

	var layers []struct {
		Label  string `json:"label"`
		Value  string `json:"value"`
		MaxAbs string `json:"maxabs"`
		Cosine string `json:"cosine"`
	}
	a.jsonEval(`JSON.stringify([...document.querySelectorAll("#int8-data tbody tr")].map(tr => ({label: tr.dataset.label, value: tr.dataset.value, maxabs: tr.dataset.maxabs, cosine: tr.dataset.cosine})))`, &layers)
	if len(layers) != len(want.layers) {
		t.Fatalf("%d layer rows, the model has %d conv and fc layers (%v)", len(layers), len(want.layers), want.layers)
	}
	worst, worstAt := 0.0, ""
	dev := 0.0 // the largest relative difference of a layer's error, page against native
	for i, l := range layers {
		name := want.layers[i]
		num := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s: %q is not a number", name, s)
			}
			return v
		}
		rel, mx, cos := num(l.Value), num(l.MaxAbs), num(l.Cosine)
		dev = math.Max(dev, math.Abs(rel-want.rel[name])/want.rel[name])
		if l.Label != name || math.Abs(rel-want.rel[name]) > relTol*want.rel[name]+1e-7 ||
			math.Abs(mx-want.maxAbs[name]) > relTol*want.maxAbs[name]+1e-6 || math.Abs(cos-want.cosine[name]) > 1e-6 {
			t.Errorf("layer %d: page %s rel %.6g max %.6g cos %.9f; native %s rel %.6g max %.6g cos %.9f", i, l.Label, rel, mx, cos, name, want.rel[name], want.maxAbs[name], want.cosine[name])
		}
		if rel > worst {
			worst, worstAt = rel, name
		}
	}
	a.figure("#int8-chart", 3)
	txt := a.text("#int8-depth")
	if !strings.Contains(txt, "the largest error is "+strconv.FormatFloat(100*worst, 'g', 2, 64)+" %, at "+worstAt) {
		t.Errorf("depth text %q does not name the largest error %.4f at %s", txt, worst, worstAt)
	}
	t.Logf("%s on %s: int8 top-1 %s %.4f, float32 top-1 %s %.4f; largest layer error %.4f%% at %s; page and native layer errors differ by at most %.2g of their value; %s", model, filepath.Base(photo),
		want.int8Top[0].Label, want.int8Top[0].Prob, want.f32Top[0].Label, want.f32Top[0].Prob, 100*worst, worstAt, dev, a.text("#int8-summary"))

	t.Run("no twin", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		use(noTwin)
		t.Logf("model without a twin: %s", noTwin)
		a.tab("int8")
		if txt := a.text("#int8-missing"); !strings.HasPrefix(txt, noTwin+" has no float32 twin") {
			t.Errorf("%s: %q", noTwin, txt)
		}
		if a.js(`document.querySelector("#int8-top") ? "table" : "none"`) != "none" {
			t.Error("a top-5 comparison is shown for a model without a twin")
		}
	})
	if tampered != "" {
		t.Run("tampered twin", func(t *testing.T) {
			a := lessonPage{appPage: appPage{t: t, p: p}}
			use(tampered)
			a.classify(photo)
			a.tab("int8")
			note := a.wait(`(() => { const n = document.querySelector("#int8-note")?.textContent || ""; return n.startsWith("Could not compare") && n; })()`, 2*time.Minute)
			if !strings.Contains(note, "does not have the expected SHA-256") {
				t.Errorf("tampered twin: %q", note)
			}
			// The page still works: the same image runs again.
			if top := a.classify(photo); len(top) != 5 {
				t.Errorf("after the tampered twin: top-5 %v", top)
			}
		})
	}
}
