package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/profiler"

	"convscope/models"
	"convscope/models/builtin"
)

// TestAppBenchTable: the app bench's speed table shows, per worker count,
// the first classify after the idle warm-up and the median round trip of
// the next ones, with the worker's run_ms beside them, and says which
// photo the CIFAR-10 models classified.
func TestAppBenchTable(t *testing.T) {
	mem := &appMemory{Wasm: 20e6, GoSys: 16e6, Workers: 1}
	r := &appBenchReport{
		Browser: "Chromium 1", Engine: "worker-relaxed.wasm", Image: "/x/shared/data/samples/dog.jpg", CIFAR: "/x/static/samples/cifar10/dog.jpg",
		Rows: []appBenchRow{{Model: "vgg_cifar", Workers: 1, FileBytes: 1e6, Loaded: mem, Classified: mem, Peak: mem, RunMs: 30, AgainMs: 6, Maps: 23}},
		Speed: []appSpeedRow{
			{Model: "vgg_cifar", Workers: 1, FirstMs: 9.46, FirstRunMs: 7.25, MedianMs: 8.04, MedianRun: 6.5, Ms: []float64{8, 9}, RunMs: []float64{6, 7}},
			{Model: "vgg_cifar", Workers: 1, FirstMs: 12, FirstRunMs: 10, MedianMs: 12.06, MedianRun: 9.75, Ms: []float64{12, 12.1}, RunMs: []float64{9.7, 9.8}},
		},
	}
	var b strings.Builder
	if err := r.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "image dog.jpg (CIFAR-10 models: cifar10/dog.jpg") {
		t.Errorf("the table does not name the CIFAR-10 sample:\n%s", out)
	}
	_, speed, ok := strings.Cut(out, "Classify ms as the user waits")
	if !ok {
		t.Fatalf("no speed table:\n%s", out)
	}
	var rows []string
	for _, l := range strings.Split(speed, "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "model" || f[0] == "vgg_cifar") {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	want := []string{
		"model workers first ms median ms vs first row run ms runs ms",
		"vgg_cifar 1 9.5 8.0 1.00 7.2 / 6.5 8 9",
		"vgg_cifar 1 12.0 12.1 1.50 10.0 / 9.8 12 12",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("speed table rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseBenchFlagsPage: -page implies -browser -app, measures the
// built-in models unless -archs says otherwise, and refuses -image (each
// pick must be a new image).
func TestParseBenchFlagsPage(t *testing.T) {
	o, err := parseBenchFlags([]string{"-page"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.page || !o.app || !o.browser || o.native {
		t.Errorf("-page: page %v app %v browser %v native %v, want the browser's app page only", o.page, o.app, o.browser, o.native)
	}
	if want := builtin.Names(); len(want) > 0 && !slices.Equal(o.models, want) {
		t.Errorf("-page models %v, want the built-in ones %v", o.models, want)
	}
	if o, err := parseBenchFlags([]string{"-page", "-archs", "vgg_cifar,tinynet"}, io.Discard); err != nil || !slices.Equal(o.models, []string{"vgg_cifar", "tinynet"}) {
		t.Errorf("-page -archs vgg_cifar,tinynet: %v, %v", o, err)
	}
	if _, err := parseBenchFlags([]string{"-page", "-image", "x.jpg"}, io.Discard); err == nil {
		t.Error("-page -image: no error")
	}
}

// TestAppPageTable: one row per model, the medians, min and max of the
// picks beside the worker's figures, the first pick apart.
func TestAppPageTable(t *testing.T) {
	pick := func(ms float64) appPagePick {
		return appPagePick{DomMs: ms, PaintedMs: ms + 10, FullMs: ms + 20, WorkerMs: 9.5, RunMs: 6.25, LongTasks: []float64{60, 70}, Nodes: 900}
	}
	r := &appPageReport{Browser: "Chromium 1", Engine: "worker-relaxed.wasm", Viewport: "1280x900", Rows: []appPageRow{{
		Model: "vgg_cifar", BuiltIn: true, First: pick(300), Picks: []appPagePick{pick(150), pick(170), pick(160)},
		MedianMs: 160, MinMs: 150, MaxMs: 170, MedianPaint: 170, MedianFull: 180, MedianWork: 9.5, MedianRun: 6.25, MedianLong: 130,
	}, {Model: "tinynet", Picks: []appPagePick{pick(20)}, MedianMs: 20, MinMs: 20, MaxMs: 20}}}
	var b strings.Builder
	if err := r.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, l := range strings.Split(b.String(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "model" || f[0] == "vgg_cifar" || f[0] == "tinynet") {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	want := []string{
		"model picks top-5 ms min max painted ms full ms worker ms run ms long ms first ms DOM nodes",
		"vgg_cifar 3 160.0 150.0 170.0 170.0 180.0 9.50 6.25 130 300.0 900",
		"tinynet (random) 1 20.0 20.0 20.0 0.0 0.0 0.00 0.00 0 0.0 900",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("page table rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// TestBenchAppPage runs `bench -browser -app -page` on the smallest
// built-in model with 2 picks (and the first): every figure positive and
// in order (top-5 before the next frame before its paint, and not after the
// full render; the worker's run
// within the round trip), each pick a new image, and the top-5 the page
// showed at the measured moment the command line's top-5 of that image
// (same classes in order, probabilities within 1e-4: a stale #top5 would
// show the previous image's).
func TestBenchAppPage(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the app and starts Chromium")
	}
	if _, err := benchChromium(); err != nil {
		t.Skip(err)
	}
	const model = "resnet20_cifar"
	if !slices.Contains(builtin.Names(), model) {
		t.Skipf("no built-in %s (models/builtin)", model)
	}
	if imgs, err := appPageImages(".", "cifar10"); err != nil {
		t.Skipf("the CIFAR-10 test images: %v", err)
	} else if len(imgs) < 3 {
		t.Skipf("%d CIFAR-10 test images under ../shared/data: the picks need 3", len(imgs))
	}
	var out, log bytes.Buffer
	if err := benchCmd([]string{"-browser", "-app", "-page", "-json", "-archs", model, "-runs", "2"}, &out, &log); err != nil {
		t.Fatalf("bench: %v\n%s", err, log.String())
	}
	var rep appPageReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if len(rep.Rows) != 1 || rep.Rows[0].Model != model || !rep.Rows[0].BuiltIn {
		t.Fatalf("rows %+v, want one for the built-in %s", rep.Rows, model)
	}
	row := rep.Rows[0]
	if len(row.Picks) != 2 {
		t.Fatalf("%d picks, want 2", len(row.Picks))
	}
	b, err := fs.ReadFile(builtin.FS(), model+builtin.Ext)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := models.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, p := range append([]appPagePick{row.First}, row.Picks...) {
		if seen[p.Image] {
			t.Errorf("pick %d: %s again, want a new image each pick", i, p.Image)
		}
		seen[p.Image] = true
		if !(p.DomMs > 0 && p.DomMs <= p.FrameMs && p.FrameMs <= p.PaintedMs && p.DomMs <= p.FullMs) {
			t.Errorf("pick %d: top-5 %.1f ms, frame %.1f, painted %.1f, full %.1f: want 0 < top-5 <= frame <= painted and top-5 <= full", i, p.DomMs, p.FrameMs, p.PaintedMs, p.FullMs)
		}
		if !(p.RunMs > 0 && p.RunMs <= p.WorkerMs && p.WorkerMs < p.DomMs) {
			t.Errorf("pick %d: run %.2f ms, worker %.2f, top-5 %.1f (#timing %q): want 0 < run <= worker < top-5", i, p.RunMs, p.WorkerMs, p.DomMs, p.Timing)
		}
		if p.Nodes <= 0 {
			t.Errorf("pick %d: %d DOM nodes", i, p.Nodes)
		}
		want, err := classifyOne(cli, p.Image, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Top5) != 5 {
			t.Fatalf("pick %d (%s): %d rows in #top5, want 5", i, p.Image, len(p.Top5))
		}
		for k, c := range p.Top5 {
			w := want.Top[k]
			if c.Index != w.Index || c.Label != w.Label || math.Abs(c.Prob-w.Prob) > 1e-4 {
				t.Errorf("pick %d (%s): #top5 row %d is %d %s %.5f, the command line's %d %s %.5f", i, p.Image, k, c.Index, c.Label, c.Prob, w.Index, w.Label, w.Prob)
			}
		}
	}
	if !(row.MinMs > 0 && row.MinMs <= row.MedianMs && row.MedianMs <= row.MaxMs && row.MedianPaint >= row.MedianMs && row.MedianRun > 0 && row.MedianWork >= row.MedianRun) {
		t.Errorf("row figures out of order: %+v", row)
	}
	var table strings.Builder
	if err := rep.writeTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())
}

// TestAppPageTraceSummary: self time by event name on the marking thread
// between the marks, events clipped to them, children subtracted, other
// threads left out.
func TestAppPageTraceSummary(t *testing.T) {
	var raw []json.RawMessage
	for _, e := range []string{
		`{"name":"convscope-pick","ph":"R","pid":1,"tid":2,"ts":1000}`,
		`{"name":"convscope-done","ph":"R","pid":1,"tid":2,"ts":5000}`,
		`{"name":"RunTask","ph":"X","pid":1,"tid":2,"ts":500,"dur":4000}`,
		`{"name":"FunctionCall","ph":"X","pid":1,"tid":2,"ts":1500,"dur":1000}`,
		`{"name":"Layout","ph":"B","pid":1,"tid":2,"ts":3000}`,
		`{"name":"Layout","ph":"E","pid":1,"tid":2,"ts":3200}`,
		`{"name":"Paint","ph":"X","pid":1,"tid":2,"ts":4800,"dur":900}`,
		`{"name":"FunctionCall","ph":"X","pid":1,"tid":3,"ts":1000,"dur":3000}`,
	} {
		raw = append(raw, json.RawMessage(e))
	}
	got := strings.Fields(traceSummary(raw))
	want := strings.Fields(`span 4.0 ms, in top-level events 3.7 ms
		2.3 RunTask (1)
		1.0 FunctionCall (1)
		0.2 Layout (1)
		0.2 Paint (1)`)
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestAppPageProfileSummary: a sample's time is the gap to the next one,
// summed by function and by group (a wasm function's Go package, a
// script's file, V8's own nodes by name).
func TestAppPageProfileSummary(t *testing.T) {
	var p profiler.Profile
	if err := json.Unmarshal([]byte(`{"nodes":[
		{"id":1,"callFrame":{"functionName":"(root)","url":""}},
		{"id":2,"callFrame":{"functionName":"(program)","url":""}},
		{"id":3,"callFrame":{"functionName":"window.vuguRender","url":"http://x/vugu-render.js"}},
		{"id":4,"callFrame":{"functionName":"github.com_vugu_vugu_domrender.__JSRenderer_.render","url":"wasm://wasm/1234"}},
		{"id":5,"callFrame":{"functionName":"runtime.__gcControllerState_.revise","url":"http://x/app.wasm"}}],
		"startTime":0,"endTime":9000,"samples":[3,3,4,5,2,2],"timeDeltas":[0,1000,1000,1000,2000,500]}`), &p); err != nil {
		t.Fatal(err)
	}
	out := profileSummary(&p)
	for _, want := range []string{
		"profile 5.5 ms; by group:",
		"0.5  (program)",
		"2.0  vugu-render.js",
		"1.0  wasm github.com_vugu_vugu_domrender",
		"2.0  wasm runtime",
		"2.0  window.vuguRender  [vugu-render.js]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	for fn, pkg := range map[string]string{
		"github.com_vugu_vugu.__VGNode_.AddAttrInterface":     "github.com_vugu_vugu",
		"runtime.__gcControllerState_.revise":                 "runtime",
		"convscope_web.trim":                                  "convscope_web",
		"github.com/vugu/vugu/domrender.(*JSRenderer).render": "github.com/vugu/vugu/domrender",
		"wasm_export_getsp":                                   "wasm_export_getsp",
	} {
		if got := goPackage(fn); got != pkg {
			t.Errorf("goPackage(%q) = %q, want %q", fn, got, pkg)
		}
	}
}
