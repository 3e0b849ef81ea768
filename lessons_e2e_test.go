package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"convscope/internal/browsertest"
	"convscope/models"
	"convscope/models/modelfile"
)

// The lessons end-to-end test (issue 8) loads the real page with the
// built-in CIFAR-10 models, classifies a sample image and opens every
// lesson. Each lesson's numbers are checked against the same formulas
// applied here to the model file's own layer table (not to what the page
// computed), and every figure must be an image of non-zero size that is
// not blank.

// lessonFigure is what the page reports about one <img> figure.
type lessonFigure struct {
	Err     string  `json:"err"`
	NW      int     `json:"nw"` // natural size
	NH      int     `json:"nh"`
	W       float64 `json:"w"` // shown size, CSS pixels
	H       float64 `json:"h"`
	Colours int     `json:"colours"`
	Src     string  `json:"src"`
}

// lessonPage is the app in one tab, with the lesson helpers.
type lessonPage struct {
	appPage
}

// openLessonPage opens the app at url in a new page of browser,
// 1280 x 1000, and waits until the wasm runs and the model table is there.
func openLessonPage(t *testing.T, browser *browsertest.Browser, url string) lessonPage {
	t.Helper()
	p := browser.NewPage(t)
	a := lessonPage{appPage: appPage{t: t, p: p}}
	if err := p.Do(chromedp.EmulateViewport(1280, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(url + "/"); err != nil {
		t.Fatal(err)
	}
	a.wait(`document.querySelector("html[data-wasm=running] #file-input") && document.querySelector("#model-table") && "ok"`, 2*time.Minute)
	return a
}

// checkWidthTable checks the stacked-3x3 lesson's width table against the
// model's conv layers: for each map size, the width of its last conv.
func checkWidthTable(t *testing.T, a lessonPage, model string, layers []modelfile.Layer) {
	t.Helper()
	var want []string
	for _, l := range layers {
		if l.Kind != "conv" {
			continue
		}
		key := fmt.Sprintf("%dx%d", l.Shape[2], l.Shape[3])
		if len(want) == 0 || !strings.HasPrefix(want[len(want)-1], key+" ") {
			want = append(want, key+" ")
		}
		want[len(want)-1] = fmt.Sprintf("%s %d", key, l.Shape[1])
	}
	rows := a.js(`JSON.stringify([...document.querySelectorAll("#width-table tbody tr")].map(tr => tr.children[1].textContent.split(" ")[0] + " " + tr.children[2].textContent.split(" → ").pop()))`)
	if got, _ := json.Marshal(want); string(got) != rows {
		t.Errorf("%s width table %s, want %s", model, rows, got)
	}
}

// js runs an expression that returns a string.
func (a lessonPage) js(expr string) string {
	a.t.Helper()
	var s string
	a.eval(expr, &s)
	return s
}

// tab opens a lesson and waits for its panel.
func (a lessonPage) tab(id string) {
	a.t.Helper()
	if err := a.p.Click("#tab-" + id); err != nil {
		a.t.Fatal(err)
	}
	a.wait(fmt.Sprintf(`document.querySelector("#lesson-%s") && document.querySelector("#tab-%s").getAttribute("aria-selected") === "true" && "ok"`, id, id), time.Minute)
}

// tabbed opens a lesson and returns the page, for chaining.
func (a lessonPage) tabbed(id string) lessonPage {
	a.t.Helper()
	a.tab(id)
	return a
}

// set changes a control's value and fires the event its handler listens to.
func (a lessonPage) set(sel, value, event string) {
	a.t.Helper()
	a.js(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event(%q, {bubbles: true})); return "ok"; })()`, sel, value, event))
}

// text is an element's text ("" when absent).
func (a lessonPage) text(sel string) string {
	return a.js(fmt.Sprintf(`document.querySelector(%q)?.textContent || ""`, sel))
}

// attr is an element's attribute ("" when absent).
func (a lessonPage) attr(sel, name string) string {
	return a.js(fmt.Sprintf(`document.querySelector(%q)?.getAttribute(%q) || ""`, sel, name))
}

func (a lessonPage) int(sel, name string) int64 {
	a.t.Helper()
	v := a.attr(sel, name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		a.t.Fatalf("%s[%s] = %q, not an integer", sel, name, v)
	}
	return n
}

// figure waits for an <img> figure to load and checks that it shows
// something: a non-zero size on the page and more than min colours when
// drawn on a canvas.
func (a lessonPage) figure(sel string, minColours int) lessonFigure {
	a.t.Helper()
	a.wait(fmt.Sprintf(`(() => { const i = document.querySelector(%q); return i && i.getAttribute("src") && i.complete && i.naturalWidth > 0 && "ok"; })()`, sel), 2*time.Minute)
	s := a.js(fmt.Sprintf(`(async () => {
		const img = document.querySelector(%q);
		try { await img.decode(); } catch (e) { return JSON.stringify({err: "decode: " + e}); }
		const r = img.getBoundingClientRect();
		const w = Math.min(img.naturalWidth, 1200), h = Math.min(img.naturalHeight, 1200);
		const c = document.createElement("canvas"); c.width = w; c.height = h;
		const g = c.getContext("2d"); g.drawImage(img, 0, 0, w, h);
		const d = g.getImageData(0, 0, w, h).data;
		const seen = new Set();
		for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i+1] << 8) | d[i+2]);
		return JSON.stringify({nw: img.naturalWidth, nh: img.naturalHeight, w: r.width, h: r.height, colours: seen.size, src: img.src});
	})()`, sel))
	var f lessonFigure
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		a.t.Fatalf("%s: %v (%s)", sel, err, s)
	}
	if f.Err != "" || f.NW == 0 || f.NH == 0 || f.W < 1 || f.H < 1 {
		a.t.Errorf("%s: figure not shown: %+v", sel, f)
	}
	if f.Colours < minColours {
		a.t.Errorf("%s: %d colours, want at least %d (blank figure?)", sel, f.Colours, minColours)
	}
	return f
}

// rows reads the table of numbers behind a chart: data-label ->
// data-value of each row. (The chart itself is a blob: image the page's
// CSP does not let a script read back, and should not.)
func (a lessonPage) rows(sel string) map[string]string {
	a.t.Helper()
	s := a.js(fmt.Sprintf(`JSON.stringify(Object.fromEntries([...document.querySelectorAll(%q)].map(tr => [tr.dataset.label, tr.dataset.value])))`, sel+" tbody tr"))
	out := map[string]string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		a.t.Fatalf("%s: %v", sel, err)
	}
	return out
}

// checkRows compares a chart's table with the values it should have.
func checkRows(t *testing.T, what string, got map[string]string, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		g, err := strconv.ParseFloat(got[k], 64)
		if err != nil || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("%s: %s = %q, want %v", what, k, got[k], w)
		}
	}
}

// shot saves a screenshot of the lessons panel to the test's out dir.
func (a lessonPage) shot(name string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.p.Context(), time.Minute)
	defer cancel()
	time.Sleep(300 * time.Millisecond) // let the figures reach the screen
	data, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#lessons")))
	if err != nil {
		a.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	out, err := browsertest.OutDir(a.t)
	if err != nil {
		a.t.Error(err)
		return
	}
	path := filepath.Join(out, name+".png")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		a.t.Error(err)
		return
	}
	a.t.Logf("screenshot: %s", path)
}

// group formats like the page's Group: 1,234,567.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// metaLayer finds a layer of a model file's table.
func metaLayer(t *testing.T, m *modelfile.Meta, name string) modelfile.Layer {
	t.Helper()
	for _, l := range m.Layers {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("%s has no layer %s", m.Name, name)
	return modelfile.Layer{}
}

// prevShape is the output shape of the layer before name in table order:
// the input of the layers these checks use (the first conv of a block
// reads the layer before it).
func prevShape(t *testing.T, m *modelfile.Meta, name string) []int {
	t.Helper()
	for i, l := range m.Layers {
		if l.Name == name && i > 0 {
			return m.Layers[i-1].Shape
		}
		if l.Name == name && len(m.Inputs) > 0 {
			return m.Inputs[0].Shape // the first layer reads the image
		}
	}
	t.Fatalf("%s: no layer before %s", m.Name, name)
	return nil
}

func TestLessons(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	cat, list := testCatalog(t, dir)
	byName := map[string]modelEntry{}
	for _, m := range list {
		byName[m.Name] = m
	}
	for _, n := range []string{"resnet20_cifar", "googlenet_cifar", "alexnet_cifar"} {
		if m, ok := byName[n]; !ok || !m.Available {
			t.Skipf("built-in model %s missing from models/builtin", n)
		}
	}
	meta := func(name string) *modelfile.Meta {
		m, err := models.LoadName(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		return &m.Meta
	}
	srv := httptest.NewServer(siteHandler(t, site, cat))
	defer srv.Close()
	a := openLessonPage(t, browser, srv.URL)
	p := a.p

	// classify runs the first sample image on the current model.
	classify := func() {
		before := a.runs()
		if err := p.Click("button.sample"); err != nil {
			t.Fatal(err)
		}
		a.wait(fmt.Sprintf(`Number(document.querySelector("#result").dataset.runs) > %d && !document.querySelector("#run") && "ok"`, before), 2*time.Minute)
	}
	use := func(name string) {
		a.useModel(byName[name], len(meta(name).Layers))
		a.wait(fmt.Sprintf(`document.querySelector("#lessons-title")?.textContent === "Lessons on %s" && "ok"`, name), time.Minute)
	}

	use("resnet20_cifar")
	classify()
	res := meta("resnet20_cifar")

	t.Run("controls are labelled", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		var bad []string
		// Every tab the page has, read from the page so that a new lesson
		// is checked too.
		var tabs []string
		a.jsonEval(`JSON.stringify([...document.querySelectorAll("#lessons [role=tab]")].map(e => e.dataset.lesson))`, &tabs)
		if len(tabs) < 10 || !slices.Contains(tabs, "int8") {
			t.Fatalf("lesson tabs %v: want the 10 tabs (web.LessonTabs), int8 among them", tabs)
		}
		for _, tab := range tabs {
			a.tab(tab)
			s := a.js(`JSON.stringify([...document.querySelectorAll("#lessons input, #lessons select, #lessons button")].filter(e =>
				!(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !(e.tagName === "BUTTON" && e.textContent.trim())).map(e => e.id || e.outerHTML.slice(0, 80)))`)
			if s != "[]" {
				bad = append(bad, tab+": "+s)
			}
		}
		if len(bad) > 0 {
			t.Errorf("controls without a label: %v", bad)
		}
	})

	t.Run("cost", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("cost")
		var total int64
		for _, l := range res.Layers {
			total += l.Params
		}
		if txt := a.text("#cost-text"); !strings.Contains(txt, group(total)+" parameters in all") {
			t.Errorf("cost text %q does not give the %s parameters of the layer table", txt, group(total))
		}
		a.figure("#cost-chart", 3)
		want := map[string]float64{}
		for _, l := range res.Layers {
			if l.Params > 0 {
				want[l.Name] = float64(l.Params)
			}
		}
		checkRows(t, "parameters per layer", a.rows("#cost-data"), want)
		a.shot("lesson-cost")
		for _, m := range []string{"macs", "bytes", "ms"} {
			before := a.attr("#cost-chart", "src")
			a.set("#cost-measure", m, "change")
			a.wait(fmt.Sprintf(`document.querySelector("#cost-chart")?.getAttribute("src") !== %q && "ok"`, before), time.Minute)
			a.figure("#cost-chart", 3)
			rows := a.rows("#cost-data")
			if m == "macs" {
				want := map[string]float64{}
				for _, l := range res.Layers {
					if l.MACs > 0 {
						want[l.Name] = float64(l.MACs)
					}
				}
				checkRows(t, "MACs per layer", rows, want)
			}
			if m == "bytes" {
				// Every layer's output in float32: 4 bytes per value.
				want := map[string]float64{}
				for _, l := range res.Layers {
					n := 4
					for _, d := range l.Shape {
						n *= d
					}
					want[l.Name] = float64(n)
				}
				checkRows(t, "activation bytes per layer", rows, want)
			}
			if m == "ms" && len(rows) == 0 {
				t.Error("no measured times")
			}
			t.Logf("%s: %s", m, a.text("#cost-text"))
		}
		a.set("#cost-measure", "params", "change")
	})

	t.Run("conv", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("conv")
		name := a.js(`document.querySelector("#conv-layer").value`)
		l := metaLayer(t, res, name)
		in := prevShape(t, res, name)
		inUnits := int64(in[1] * in[2] * in[3])
		outUnits := int64(l.Shape[1] * l.Shape[2] * l.Shape[3])
		// ResNet convs have no bias (batch norm follows); the fc layer is
		// priced on the same terms.
		if got := a.int("#conv-text", "data-conv"); got != l.Params {
			t.Errorf("%s: page says %d conv parameters, the model file %d", name, got, l.Params)
		}
		if got, want := a.int("#conv-text", "data-fc"), inUnits*outUnits; got != want {
			t.Errorf("%s: fc equivalent %d, want %d x %d = %d", name, got, inUnits, outUnits, want)
		}
		a.figure("#slide-anim", 8)
		// By default the input channel is the one that varies most on
		// this image; the note and the control agree on it.
		in0 := a.js(`document.querySelector("#conv-in").value`)
		if txt := a.text("#slide-note"); !strings.HasPrefix(txt, "Kernel 0<-"+in0+" of "+name) {
			t.Errorf("slide note: %q (input channel control: %s)", txt, in0)
		}
		a.figure("#slide-kernel", 2)
		if txt := a.text("#kernel-text"); strings.Count(txt, " / ") != 2 {
			t.Errorf("kernel weights of a 3x3 kernel: %q", txt)
		}
		a.figure("#slide-out", 8)
		a.shot("lesson-conv")
		a.set("#conv-out", "3", "change")
		a.set("#conv-in", "5", "change")
		a.wait(`document.querySelector("#slide-note")?.textContent.startsWith("Kernel 3<-5") && "ok"`, time.Minute)
		a.figure("#slide-anim", 8)
	})

	t.Run("relu", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("relu")
		a.figure("#relu-chart", 4)
		weights := 0
		for _, l := range res.Layers {
			if l.Kind == "conv" || l.Kind == "fc" {
				weights++
			}
		}
		if txt, want := a.text("#relu-text"), fmt.Sprintf("through the %d conv and fc layers of resnet20_cifar, even at the best slope, it would be multiplied by %.2g.", weights, math.Pow(0.25, float64(weights))); !strings.Contains(txt, want) {
			t.Errorf("relu text %q lacks %q", txt, want)
		}
		a.figure("#zeros-chart", 3)
		zs := a.rows("#zeros-data")
		n := 0
		for _, l := range res.Layers {
			if l.Kind == "relu" {
				n++
				z, err := strconv.ParseFloat(zs[l.Name], 64)
				if err != nil || z < 0 || z > 1 {
					t.Errorf("ReLU %s: zero fraction %q", l.Name, zs[l.Name])
				}
			}
		}
		if len(zs) != n {
			t.Errorf("zeros table has %d rows for %d ReLUs", len(zs), n)
		}
		if txt := a.text("#zeros-text"); !strings.Contains(txt, fmt.Sprintf("%d ReLU layers", n)) {
			t.Errorf("zeros text %q does not count the %d ReLUs", txt, n)
		}
		a.shot("lesson-relu")
	})

	t.Run("dropout", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("dropout")
		name := a.js(`document.querySelector("#drop-layer").value`)
		l := metaLayer(t, res, name)
		units := l.Shape[1] * l.Shape[2] * l.Shape[3]
		// 2^units has floor(units*log10(2))+1 digits.
		if txt := a.text("#subnet-text"); !strings.Contains(strings.ReplaceAll(txt, ",", ""), fmt.Sprintf("one of 2^%d (about 10^%d)", units, int(math.Floor(float64(units)*math.Log10(2))))) {
			t.Errorf("sub-network count for %s (%d units): %q", name, units, txt)
		}
		a.figure("#drop-inference", 4)
		a.figure("#drop-training", 4)
		a.shot("lesson-dropout")
		perMap := int64(l.Shape[2] * l.Shape[3])
		a.set("#drop-p", "0", "input")
		a.wait(`document.querySelector("#drop-p-value")?.textContent === "0.0" && "ok"`, time.Minute)
		if got := a.int("#drop-note", "data-kept"); got != perMap {
			t.Errorf("p = 0 keeps %d of %d units", got, perMap)
		}
		a.set("#drop-p", "0.9", "input")
		a.wait(`document.querySelector("#drop-p-value")?.textContent === "0.9" && "ok"`, time.Minute)
		kept := a.int("#drop-note", "data-kept")
		if kept > perMap/2 {
			t.Errorf("p = 0.9 keeps %d of %d units", kept, perMap)
		}
		before := a.attr("#drop-training", "src")
		if err := p.Click("#resample"); err != nil {
			t.Fatal(err)
		}
		a.wait(fmt.Sprintf(`document.querySelector("#drop-training")?.getAttribute("src") !== %q && "ok"`, before), time.Minute)
		a.figure("#drop-training", 2)
		a.set("#drop-p", "0.5", "input")
	})

	t.Run("stacked", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("stacked")
		name := a.js(`document.querySelector("#field-layer").value`)
		// The default layer is the third conv; in ResNet-20 the first three
		// are 3x3 stride-1 convs (weights = 9 * in * out), so the field is
		// 3*(3-1)+1 = 7 pixels wide.
		var convs []modelfile.Layer
		for _, l := range res.Layers {
			if l.Kind == "conv" {
				convs = append(convs, l)
			}
		}
		if name != convs[2].Name {
			t.Errorf("default field layer %s, want the third conv %s", name, convs[2].Name)
		}
		for _, l := range convs[:3] {
			in := prevShape(t, res, l.Name)
			if l.Params != int64(9*in[1]*l.Shape[1]) || l.Shape[2] != in[2] {
				t.Fatalf("%s is not a 3x3 stride-1 conv: %d params", l.Name, l.Params)
			}
		}
		if got := a.attr("#field-caption", "data-size"); got != "7x7" {
			t.Errorf("field of %s: %s, want 7x7", name, got)
		}
		a.figure("#field-image", 8)
		a.shot("lesson-stacked")
		C := a.int("#stacked-text", "data-c")
		if C != int64(metaLayer(t, res, name).Shape[1]) {
			t.Errorf("C = %d, but %s has %d channels", C, name, metaLayer(t, res, name).Shape[1])
		}
		if got, want := a.int("#stacked-text", "data-stacked"), 3*9*C*C; got != want {
			t.Errorf("stacked weights %d, want 3*9*C^2 = %d", got, want)
		}
		if got, want := a.int("#stacked-text", "data-single"), 49*C*C; got != want {
			t.Errorf("single 7x7 weights %d, want 49*C^2 = %d", got, want)
		}
		// A corner unit's field hangs over the border: the caption says so.
		a.set("#field-y", "0", "input")
		a.set("#field-x", "0", "input")
		a.wait(`document.querySelector("#field-caption")?.textContent.includes("Unit (0, 0)") && "ok"`, time.Minute)
		if txt := a.text("#field-caption"); !strings.Contains(txt, "4x4 inside the image") || !strings.Contains(txt, "rows 0-3") {
			t.Errorf("corner field caption: %q", txt)
		}
		// Stages: one row per map size of the conv layers, the last
		// conv's channels of each.
		var want []string
		for _, l := range convs {
			key := fmt.Sprintf("%dx%d", l.Shape[2], l.Shape[3])
			if len(want) == 0 || !strings.HasPrefix(want[len(want)-1], key+" ") {
				want = append(want, key+" ")
			}
			want[len(want)-1] = fmt.Sprintf("%s %d", key, l.Shape[1])
		}
		rows := a.js(`JSON.stringify([...document.querySelectorAll("#width-table tbody tr")].map(tr => tr.children[1].textContent.split(" ")[0] + " " + tr.children[2].textContent.split(" → ").pop()))`)
		if got, _ := json.Marshal(want); string(got) != rows {
			t.Errorf("width table %s, want %s", rows, got)
		}
	})

	t.Run("heads", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("heads")
		checkHeads(t, a, res)
		a.figure("#heads-chart", 3)
		want := map[string]float64{}
		for _, m := range list {
			if m.Params > 0 && m.ConvParams+m.FCParams > 0 {
				want[m.Name] = float64(m.FCParams)
			}
		}
		checkRows(t, "fc parameters per model", a.rows("#heads-data"), want)
		a.shot("lesson-heads")
	})

	t.Run("residual", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("residual")
		block := a.js(`document.querySelector("#residual-block").value`)
		for i := 0; i < 3; i++ {
			a.figure(fmt.Sprintf("#residual-%d", i), 4)
		}
		caps := a.js(`JSON.stringify([...document.querySelectorAll("#lesson-residual figcaption")].map(f => f.textContent))`)
		if !strings.Contains(caps, "Sum: "+block+".add") || !strings.Contains(caps, "Residual branch: "+block+".conv2") {
			t.Errorf("block %s captions: %s", block, caps)
		}
		a.figure("#training-chart", 4)
		epochs := a.rows("#training-data")
		// The note's final accuracies are the records' last epochs.
		resp, err := http.Get(srv.URL + "/api/training")
		if err != nil {
			t.Fatal(err)
		}
		var tr struct {
			Runs []struct {
				Net    string `json:"net"`
				Epochs []struct {
					TestAcc float64 `json:"test_acc"`
				} `json:"epochs"`
			} `json:"runs"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tr)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		note := a.text("#training-note")
		for _, r := range tr.Runs {
			if (r.Net == "resnet20_cifar" || r.Net == "plain20_cifar") && len(r.Epochs) > len(epochs) {
				t.Errorf("%s has %d epochs, the table %d", r.Net, len(r.Epochs), len(epochs))
			}
			if (r.Net == "resnet20_cifar" || r.Net == "plain20_cifar") && len(r.Epochs) > 0 {
				if s := fmt.Sprintf("%.1f %% after %d", r.Epochs[len(r.Epochs)-1].TestAcc, len(r.Epochs)); !strings.Contains(note, s) {
					t.Errorf("training note %q lacks %s's %q", note, r.Net, s)
				}
			}
		}
		a.shot("lesson-residual")
	})

	t.Run("explain", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("explain")
		top := a.js(`JSON.stringify([...document.querySelectorAll(".explain-class")].map(b => b.dataset.index))`)
		var idx []string
		json.Unmarshal([]byte(top), &idx)
		if len(idx) != 5 {
			t.Fatalf("explain offers %s, want the 5 classes of the top-5", top)
		}
		for i, c := range idx {
			before := a.attr("#explain-image", "src")
			if err := p.Click(fmt.Sprintf(`.explain-class[data-index="%s"]`, c)); err != nil {
				t.Fatal(err)
			}
			if i > 0 {
				a.wait(fmt.Sprintf(`document.querySelector("#explain-image")?.getAttribute("src") !== %q && "ok"`, before), 2*time.Minute)
			}
			a.figure("#explain-image", 16)
			// ResNet-20 ends in global average pooling and one fc layer:
			// its class activation map is exact.
			if m := a.attr("#explain-image", "data-method"); m != "cam" {
				t.Errorf("class %s: method %q, want cam", c, m)
			}
			if i == 0 {
				a.shot("lesson-explain")
			}
		}
	})

	t.Run("inception elsewhere", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		a.tab("inception")
		if txt := a.text("#inception-missing"); !strings.Contains(txt, "googlenet_cifar") {
			t.Errorf("inception on ResNet-20: %q", txt)
		}
	})

	t.Run("googlenet", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		// The inception lesson on ResNet-20 points to GoogLeNet: its
		// button loads it.
		a.tab("inception")
		if err := p.Click("#lesson-inception .use-other"); err != nil {
			t.Fatal(err)
		}
		a.wait(fmt.Sprintf(`document.querySelector("#lessons-title")?.textContent === "Lessons on googlenet_cifar" && document.querySelectorAll("#layer-table tbody tr").length === %d && !document.querySelector("#download") && !document.querySelector("#run") && "ok"`, len(meta("googlenet_cifar").Layers)), 2*time.Minute)
		classify()
		g := meta("googlenet_cifar")
		a.tab("inception")
		block := a.js(`document.querySelector("#inception-block").value`)
		// The largest kernel of the module, from the weights: params =
		// k*k*in*out for the convs of the model (no bias).
		var largest, reduce modelfile.Layer
		area := 0
		for i, l := range g.Layers {
			if l.Block != block || l.Kind != "conv" {
				continue
			}
			in := g.Layers[i-1].Shape[1] // the conv before it (its bn and relu keep the shape)
			if strings.HasSuffix(l.Name, ".0.conv") || strings.HasSuffix(l.Name, "branch1.conv") {
				continue // a 1x1 reading the module input: skip, its input is not the row before
			}
			if strings.Contains(l.Name, "branch4") {
				continue // the pooling branch's 1x1
			}
			if k := int(l.Params) / (in * l.Shape[1]); k > area {
				area, largest = k, l
				reduce = metaLayer(t, g, strings.TrimSuffix(l.Name, ".1.conv")+".0.conv")
			}
		}
		var in []int
		for i, l := range g.Layers {
			if l.Block == block {
				in = g.Layers[i-1].Shape // the module's input: the row before its first layer
				break
			}
		}
		H, W := int64(in[2]), int64(in[3])
		wantWith := reduce.MACs + largest.MACs
		wantWithout := H * W * int64(area) * int64(in[1]) * int64(largest.Shape[1])
		t.Logf("%s: %d channels in at %dx%d, %s (%d kernel area) after %s (%d channels): %d MACs, direct %d",
			block, in[1], H, W, largest.Name, area, reduce.Name, reduce.Shape[1], wantWith, wantWithout)
		if got := a.int("#bottleneck-text", "data-with"); got != wantWith {
			t.Errorf("with the bottleneck: %d MACs, the model file's layers give %d", got, wantWith)
		}
		if got := a.int("#bottleneck-text", "data-without"); got != wantWithout {
			t.Errorf("without the bottleneck: %d MACs, want H*W*k*k*in*out = %d", got, wantWithout)
		}
		for i := 0; i < 4; i++ {
			a.figure(fmt.Sprintf("#branch-%d", i), 8)
		}
		a.shot("lesson-inception")
		a.tab("heads")
		checkHeads(t, a, g)
		a.tab("residual")
		if txt := a.text("#residual-missing"); !strings.Contains(txt, "resnet20_cifar") {
			t.Errorf("residual on GoogLeNet: %q", txt)
		}
	})

	t.Run("vgg", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		use("vgg_cifar")
		classify()
		m := meta("vgg_cifar")
		a.tab("stacked")
		// VGG's stages: the width of each map size, from the table.
		checkWidthTable(t, a, "vgg_cifar", m.Layers)
		a.figure("#field-image", 8)
		C := a.int("#stacked-text", "data-c")
		if got := a.int("#stacked-text", "data-stacked"); got != 27*C*C {
			t.Errorf("vgg_cifar: stacked weights %d for C = %d", got, C)
		}
		a.shot("lesson-stacked-vgg")
		checkHeads(t, a.tabbed("heads"), m)
	})

	t.Run("alexnet", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		use("alexnet_cifar")
		classify()
		m := meta("alexnet_cifar")
		a.tab("heads")
		checkHeads(t, a, m)
		a.tab("dropout")
		for _, l := range m.Layers {
			if l.Kind == "dropout" && !strings.Contains(a.text("#dropout-layers"), l.Name) {
				t.Errorf("dropout layer %s not named: %q", l.Name, a.text("#dropout-layers"))
			}
		}
		a.tab("explain")
		a.figure("#explain-image", 16)
		t.Logf("alexnet_cifar heatmap: %s", a.text("#explain-note"))
		a.tab("cost")
		a.figure("#cost-chart", 2)
		a.shot("lesson-cost-alexnet")
	})

	t.Run("phone", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		if err := p.Do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))); err != nil {
			t.Fatal(err)
		}
		defer p.Do(chromedp.EmulateViewport(1280, 1000))
		a.tab("stacked")
		a.figure("#field-image", 8)
		// The panel fits the phone's width: nothing sticks out of it and
		// nothing inside needs sideways scrolling.
		if s := a.js(`(() => { const e = document.querySelector("#lessons"); const r = e.getBoundingClientRect(); return JSON.stringify([Math.round(r.right), innerWidth, e.scrollWidth, e.clientWidth]); })()`); !lessonsFit(s) {
			t.Errorf("lessons panel on a 390 px phone: [right, viewport, scrollWidth, clientWidth] = %s", s)
		}
		a.shot("lesson-phone")
	})

	p.CheckNoErrors()
}

// checkHeads compares the fc share the page gives with the model file's
// table: the fc layers' parameters over all parameters.
func checkHeads(t *testing.T, a lessonPage, m *modelfile.Meta) {
	t.Helper()
	var fc, total int64
	for _, l := range m.Layers {
		if l.Kind == "fc" {
			fc += l.Params
		}
		total += l.Params
	}
	if got := a.int("#heads-text", "data-fc"); got != fc {
		t.Errorf("%s: fc parameters %d, the model file's fc layers hold %d", m.Name, got, fc)
	}
	if got := a.int("#heads-text", "data-total"); got != total {
		t.Errorf("%s: total parameters %d, the model file's layers hold %d", m.Name, got, total)
	}
	if txt, want := a.text("#heads-text"), fmt.Sprintf("%.1f %%", 100*float64(fc)/float64(total)); !strings.Contains(txt, want) {
		t.Errorf("%s: heads text %q lacks the share %s", m.Name, txt, want)
	}
}

// lessonsFit reads [right, viewport width, scrollWidth, clientWidth].
func lessonsFit(s string) bool {
	var v [4]int
	if json.Unmarshal([]byte(s), &v) != nil {
		return false
	}
	return v[0] <= v[1] && v[2] <= v[3]
}
