package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"convscope/internal/browsertest"
	"convscope/internal/workerjs"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/preprocess"
	"convscope/wasm/worker/session"
)

// The split end-to-end test runs the app's engine worker (worker.js +
// worker.wasm of the real build, the real server handler with its
// COOP/COEP headers) in a cross-origin isolated page of headless Chromium,
// once on one worker and once split over two (the engine worker and a
// helper, Load's Workers setting), and checks that both give the same
// answers bit for bit: top-5, every layer's maps, the occlusion heatmap, a
// slide. Then it cancels a warm-up and a classify midway and checks the
// next runs, still on two workers.

// splitHarnessPage is served at /test/split.html with the server's own
// headers (cross-origin isolated).
const splitHarnessPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>split harness</title>
<link rel="icon" href="data:,"><script src="split-harness.js"></script></head><body><p>split harness</p></body></html>`

// splitHarnessJS is window.S: start a worker, send requests, return the
// final answers as JSON strings with each binary payload replaced by its
// length and FNV-1a hash (equal hashes: equal maps). It is served after
// workerjs.Client, which talks the protocol.
const splitHarnessJS = `
window.S = (() => {
	let client = null;
	function hash(b) {
		let h = 0x811c9dc5;
		for (let i = 0; i < b.length; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
		return h;
	}
	function start() {
		if (client) client.terminate();
		client = workerClient("../worker.js");
		return client.ready.then(() => "ready");
	}
	const request = (type, body, bytes, onEvent) => client.request(type, body, bytes, onEvent);
	const bytes = base64Bytes;
	const cancel = (id) => client.cancel(id);
	// final is r's final answer, its payload summarised.
	const final = async (r) => {
		const m = await r.done;
		if (m.buf) m.buf = {len: m.buf.length, hash: hash(m.buf)};
		return m;
	};
	const j = async (r) => JSON.stringify(await final(r));
	return {
		start: start,
		isolated: () => String(self.crossOriginIsolated),
		cores: () => String(navigator.hardwareConcurrency),
		load: (model, workers) => j(request("load", {model: model, workers: workers})),
		classify: (b64) => j(request("classify", {top: 5}, bytes(b64))),
		again: () => j(request("classify", {top: 5, again: true})),
		activations: (layer) => j(request("activations", {layer: layer})),
		explain: (cls) => j(request("explain", {class: cls})),
		slide: (layer) => j(request("slide", {layer: layer, out: 0, in: 0})),
		// loadWarmCancel loads, and once the answer is in (the warm-up
		// starts), waits ms and classifies: the classify cancels the
		// warm-up midway.
		loadWarmCancel: async (model, workers, ms, b64) => {
			const l = await final(request("load", {model: model, workers: workers}));
			await new Promise((r) => setTimeout(r, ms));
			const c = await final(request("classify", {top: 5}, bytes(b64)));
			return JSON.stringify({load: l, classify: c});
		},
		// cancelAfter cancels a classify after n layer_done messages (one
		// per yield of the run) and classifies again behind it.
		cancelAfter: async (b64, n) => {
			let seen = 0;
			const r = request("classify", {top: 5}, bytes(b64), (m, id) => {
				if (m.type === "layer_done" && ++seen === n) cancel(id);
			});
			const next = request("classify", {top: 5, again: true});
			return JSON.stringify({cancelled: await final(r), next: await final(next)});
		},
	};
})();
`

// splitReply is one final answer of the split harness.
type splitReply struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Layers  []struct {
		Name string `json:"name"`
		Kind string `json:"kind"`
		Maps bool   `json:"maps"`
	} `json:"layers"`
	Top []struct {
		Index int     `json:"index"`
		Label string  `json:"label"`
		Prob  float64 `json:"prob"`
	} `json:"top"`
	Memory *struct {
		Wasm    int64 `json:"wasm"`
		Workers int   `json:"workers"`
		Helpers int64 `json:"helpers"`
	} `json:"memory"`
	Values []float64 `json:"values"` // heatmap
	Min    []float64 `json:"min"`
	Max    []float64 `json:"max"`
	Buf    *struct {
		Len  int    `json:"len"`
		Hash uint32 `json:"hash"`
	} `json:"buf"`
}

// key is everything of a reply that must not depend on the worker count.
func (r splitReply) key() string {
	r.Memory = nil
	b, _ := json.Marshal(r)
	return string(b)
}

// splitRun is what one worker count gives for the model and photo.
type splitRun struct {
	loaded, result splitReply
	maps           map[string]string
	explain, slide string
}

func TestSplitWorkersE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm and starts Chromium; skipped in -short mode")
	}
	photo, err := os.ReadFile(filepath.Join("..", "shared", "data", "samples", "dog.jpg"))
	if err != nil {
		t.Skipf("the sample photo ../shared/data/samples/dog.jpg is missing: %v", err)
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	mainModels, _, cat := e2eModels(t, dir)
	big := bigSplitModel(t, dir)
	if cat, err = newCatalog(dir); err != nil {
		t.Fatal(err)
	}
	model := mainModels[0]
	for _, m := range mainModels {
		if m.Name == "vgg_cifar" { // explain runs the occlusion: 50 split runs
			model = m
		}
	}
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	real := (&server{site: root, models: cat, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handler()
	mux := http.NewServeMux()
	page := func(ctype, body string) http.Handler {
		return securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			io.WriteString(w, body)
		}))
	}
	mux.Handle("GET /test/split.html", page("text/html; charset=utf-8", splitHarnessPage))
	mux.Handle("GET /test/split-harness.js", page("text/javascript; charset=utf-8", workerjs.Client+splitHarnessJS))
	// failWasm makes the next engine wasm request fail: set once the
	// engine worker is up, it is a helper's that fails.
	var failWasm atomic.Bool
	// crash, when set, serves worker.js with the test hook that kills a
	// helper in the middle of the classify's run (see helperCrashHook).
	var crash atomic.Value
	crash.Store("")
	workerJS, err := root.ReadFile("worker.js")
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Either build of the engine (worker.wasm, or worker-relaxed.wasm
		// where the browser has relaxed SIMD: see static/worker.js).
		if (r.URL.Path == "/worker.wasm" || r.URL.Path == "/worker-relaxed.wasm") && failWasm.CompareAndSwap(true, false) {
			http.Error(w, "helper start refused by the test", http.StatusServiceUnavailable)
			return
		}
		if mode := crash.Load().(string); r.URL.Path == "/worker.js" && mode != "" {
			securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
				w.Header().Set("Cache-Control", "no-store")
				io.WriteString(w, helperCrashHook(t, string(workerJS), mode))
			})).ServeHTTP(w, r)
			return
		}
		real.ServeHTTP(w, r)
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	p := browser.NewPage(t)
	if err := p.Navigate(srv.URL + "/test/split.html"); err != nil {
		t.Fatal(err)
	}
	call := harnessCaller(t, p, "S")
	var isolated bool
	var cores int
	call(&isolated, time.Minute, "isolated")
	call(&cores, time.Minute, "cores")
	if !isolated {
		t.Fatal("the page is not cross-origin isolated: the server's COOP/COEP headers")
	}
	b64 := base64.StdEncoding.EncodeToString(photo)

	run := func(workers int) splitRun {
		t.Helper()
		call(nil, time.Minute, "start")
		var r splitRun
		call(&r.loaded, 2*time.Minute, "load", ref(model), workers)
		if r.loaded.Type != "loaded" {
			t.Fatalf("load on %d workers: %+v", workers, r.loaded)
		}
		call(&r.result, 2*time.Minute, "classify", b64)
		if r.result.Type != "result" || r.result.Memory == nil {
			t.Fatalf("classify on %d workers: %+v", workers, r.result)
		}
		if got := r.result.Memory.Workers; got != workers {
			t.Fatalf("asked for %d workers, the model runs on %d (console: %v)", workers, got, p.Messages())
		}
		r.maps = map[string]string{}
		var firstConv string
		for _, l := range r.loaded.Layers {
			if l.Kind == "conv" && firstConv == "" {
				firstConv = l.Name
			}
			if !l.Maps {
				continue
			}
			var m splitReply
			call(&m, time.Minute, "activations", l.Name)
			if m.Type != "maps" || m.Buf == nil {
				t.Fatalf("maps of %s on %d workers: %+v", l.Name, workers, m)
			}
			r.maps[l.Name] = m.key()
		}
		var h, s splitReply
		call(&h, 5*time.Minute, "explain", r.result.Top[0].Index)
		call(&s, 2*time.Minute, "slide", firstConv)
		if h.Type != "heatmap" || s.Type != "slides" {
			t.Fatalf("explain / slide on %d workers: %+v / %+v", workers, h.Type+h.Message, s.Type+s.Message)
		}
		r.explain, r.slide = h.key(), s.key()
		return r
	}
	one := run(1)
	two := run(2)
	t.Logf("%s on dog.jpg: top-1 %s %.4f; one worker %d MB, two workers %d + %d MB (browser reports %d cores)",
		model.Name, one.result.Top[0].Label, one.result.Top[0].Prob, one.result.Memory.Wasm>>20, two.result.Memory.Wasm>>20, two.result.Memory.Helpers>>20, cores)
	if one.result.key() != two.result.key() {
		t.Errorf("top-5 differ:\none worker  %+v\ntwo workers %+v", one.result.Top, two.result.Top)
	}
	if len(one.maps) == 0 {
		t.Fatal("no layer has maps")
	}
	for name, m := range one.maps {
		if two.maps[name] != m {
			t.Errorf("maps of %s differ:\n%s\n%s", name, m, two.maps[name])
		}
	}
	if one.explain != two.explain || one.slide != two.slide {
		t.Errorf("explain or slide differ:\n%s\n%s\n%s\n%s", one.explain, two.explain, one.slide, two.slide)
	}
	if two.result.Memory.Helpers <= 0 {
		t.Errorf("the helper's memory is not reported: %+v", *two.result.Memory)
	}

	// A classify 200 ms after the load cancels the warm-up (1.5 s of runs)
	// midway; the next one on two workers still gives the same answer.
	call(nil, time.Minute, "start")
	var lw struct{ Load, Classify splitReply }
	call(&lw, 3*time.Minute, "loadWarmCancel", ref(model), 2, 200, b64)
	if lw.Classify.key() != one.result.key() || lw.Classify.Memory.Workers != 2 {
		t.Errorf("classify after a cancelled warm-up: %+v on %+v workers, want %+v", lw.Classify.Top, lw.Classify.Memory, one.result.Top)
	}
	// The default (no Workers) for a CIFAR-10 model at 32x32: one worker,
	// its work being too small to pay for a split (session.SplitPays),
	// with a note on the console saying so.
	call(nil, time.Minute, "start")
	var auto splitReply
	call(nil, 2*time.Minute, "load", ref(model), 0)
	call(&auto, 2*time.Minute, "classify", b64)
	if auto.Memory == nil || auto.Memory.Workers != 1 || auto.key() != one.result.key() {
		t.Errorf("default worker count of %s: %+v, want 1 worker and the same top-5", model.Name, auto.Memory)
	}
	said := false
	for _, m := range p.Messages() {
		said = said || strings.Contains(m.String(), "too little work to pay for splitting")
	}
	if !said {
		t.Errorf("no console note on why %s runs on one worker: %v", model.Name, p.Messages())
	}
	// One that has the work (bigSplitModel): one worker per core the
	// browser reports.
	call(nil, time.Minute, "start")
	var bigRes splitReply
	call(nil, 2*time.Minute, "load", ref(big), 0)
	call(&bigRes, 2*time.Minute, "classify", b64)
	want := max(min(cores, 4), 1)
	if bigRes.Type != "result" || bigRes.Memory == nil || bigRes.Memory.Workers != want {
		t.Errorf("default worker count of %s: %+v, want %d workers", big.Name, bigRes.Memory, want)
	}
	// A split classify cancelled at its first progress message; the next
	// one on the same workers still gives the same answer. On this model:
	// the worker reads a cancel when it yields (every 8 ms of run,
	// wasm/worker's yieldEvery), and posts a layer_done only then, and
	// vgg_cifar's whole split run now takes less than that, so its
	// classify could end before the cancel was read. The first layer_done
	// comes at the first yield, the cancel is read at the second, 16 ms
	// into a run of 653 M multiply-accumulates.
	var ca struct{ Cancelled, Next splitReply }
	call(&ca, 3*time.Minute, "cancelAfter", b64, 1)
	if ca.Cancelled.Code != "cancelled" {
		t.Errorf("cancelled classify: %+v", ca.Cancelled)
	}
	if ca.Next.key() != bigRes.key() || ca.Next.Memory == nil || ca.Next.Memory.Workers != want {
		t.Errorf("classify after a cancel: %+v on %+v workers, want %+v", ca.Next.Top, ca.Next.Memory, bigRes.Top)
	}
	p.CheckNoErrors()

	// A helper that cannot start (its worker.wasm refused): the model runs
	// on the engine worker alone, with the same answer and a note saying
	// why on the console.
	call(nil, time.Minute, "start")
	failWasm.Store(true)
	var solo splitReply
	call(nil, 2*time.Minute, "load", ref(model), 2)
	call(&solo, 2*time.Minute, "classify", b64)
	if failWasm.Load() {
		t.Fatal("no helper fetched the engine's wasm")
	}
	if solo.Memory == nil || solo.Memory.Workers != 1 || solo.key() != one.result.key() {
		t.Errorf("with a helper that cannot start: %+v on %+v, want the same top-5 on 1 worker", solo.Top, solo.Memory)
	}
	noted := false
	for _, m := range p.Messages() {
		noted = noted || strings.Contains(m.String(), "helper workers failed")
	}
	if !noted {
		t.Errorf("no console note on the failed helper: %v", p.Messages())
	}

	// A helper that dies in the middle of the classify's run: the engine
	// worker, waiting for it at a gather, is released by the barrier's
	// failed flag (set by the helper's worker.js, and by the engine
	// worker's error event handler) instead of waiting barrierTimeout
	// (30 s), and the classify is answered on one worker with the same
	// top-5. The console note says why; "gave up waiting" would mean the
	// timeout ended the wait.
	for _, c := range []struct{ mode, why string }{
		{"trap", "the helper stopped: Uncaught Error: test: the helper crashed"}, // an exception unwinds its WebAssembly
		{"oom", "its Go program exited"},                                         // Go's fatal "out of memory"
		{"idle", "test: the helper crashed while idle"},                          // after its run: the next one must not wait
	} {
		crash.Store(c.mode)
		call(nil, time.Minute, "start")
		var loaded, res splitReply
		call(&loaded, 2*time.Minute, "load", ref(model), 2)
		if loaded.Type != "loaded" || loaded.Memory == nil || loaded.Memory.Workers != 2 {
			t.Fatalf("%s: load on 2 workers: %+v", c.mode, loaded)
		}
		before, start := len(p.Messages()), time.Now()
		call(&res, 3*time.Minute, "classify", b64)
		if c.mode == "idle" {
			// That run went well on both workers; the helper died after
			// it, and the next run must see so before it starts.
			if res.Memory == nil || res.Memory.Workers != 2 || res.key() != one.result.key() {
				t.Errorf("idle: the run before the helper died: %+v on %+v", res.Top, res.Memory)
			}
			before, start = len(p.Messages()), time.Now()
			call(&res, 3*time.Minute, "again")
		}
		took := time.Since(start) // logged, not asserted: the note's words are the test
		crash.Store("")
		if res.Memory == nil || res.Memory.Workers != 1 || res.key() != one.result.key() {
			t.Errorf("%s: with a helper that died mid-run: %+v on %+v, want the same top-5 on 1 worker (console: %v)", c.mode, res.Top, res.Memory, p.Messages()[before:])
		}
		// The worker puts the note on the console after its answer.
		var note string
		for wait := time.Now(); note == "" && time.Since(wait) < time.Minute; time.Sleep(50 * time.Millisecond) {
			for _, m := range p.Messages()[before:] {
				if s := m.String(); strings.Contains(s, "helper workers failed") {
					note = s
				}
			}
		}
		t.Logf("%s: classify answered in %v (the fallback included); %s", c.mode, took.Round(time.Millisecond), note)
		if !strings.Contains(note, c.why) || strings.Contains(note, "gave up waiting") {
			t.Errorf("%s: the console note %q does not say %q, or says the engine worker waited for the timeout", c.mode, note, c.why)
		}
	}
}

// helperCrashHook returns worker.js (the site's, js) with a test hook that
// kills a helper worker in the middle of the first run whose input is not
// blank (the classify's; the warm-up's input is all zeros), so that the
// engine worker is left at a gather: mode "trap" throws out of the
// helper's WebAssembly at its second gather, instead of its arrival at the
// barrier (as a crash of the WebAssembly would), mode "oom" asks the
// helper's Go for a 4 GiB input, which it cannot have: Go's fatal "out of
// memory" ends its program; mode "idle" lets that run end and then, from
// a timer, throws and marks the helper's Go program as exited, so that it
// dies between runs and its next request finds it dead. Only this test
// serves it: production's worker.js has no hook.
func helperCrashHook(t *testing.T, js, mode string) string {
	const at = "const go = new Go();"
	if !strings.Contains(js, at) {
		t.Fatalf("worker.js no longer says %q: the test hook cannot wrap the Go instance", at)
	}
	hook := `function convscopeTestHook(go) {
	if (!String(self.name).startsWith("convscope-helper ")) return;
	const mode = ` + strconv.Quote(mode) + `;
	let armed = false, arrivals = 0, crashNow = false;
	const data = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data");
	Object.defineProperty(MessageEvent.prototype, "data", {configurable: true, get() {
		const d = data.get.call(this);
		if (d && d.cmd === "run" && !armed && d.input.some((b) => b !== 0)) {
			armed = true;
			if (mode === "oom") d.shape = [1, 1, 32767, 32769]; // 2^30-1 float32: 4 GiB
			if (mode === "idle") setTimeout(() => { go.exited = true; throw new Error("test: the helper crashed while idle"); }, 0);
		}
		return d;
	}});
	const add = Atomics.add;
	Atomics.add = function (a, i, v) {
		if (mode === "trap" && armed && i === 0 && ++arrivals === 2) { crashNow = true; return -1; }
		return add.call(Atomics, a, i, v);
	};
	const imports = go.importObject.gojs;
	const call = imports["syscall/js.valueCall"];
	imports["syscall/js.valueCall"] = (sp) => {
		call(sp);
		if (crashNow) { crashNow = false; throw new Error("test: the helper crashed"); }
	};
}
`
	return hook + strings.Replace(js, at, at+" convscopeTestHook(go);", 1)
}

// bigSplitModel writes, into the catalog directory dir, a model with the
// work of a split by default (session.SplitPays): the random-weights
// ResNet-20 at 128x128, 653 M multiply-accumulates; and returns its entry.
func bigSplitModel(t *testing.T, dir string) modelEntry {
	t.Helper()
	const name = "random_resnet20_128"
	def, err := models.ArchConfig("resnet20_cifar", models.Config{Height: 128, Width: 128, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	if def.MACs() < session.SplitMinMACs {
		t.Fatalf("ResNet-20 at 128x128 (%d MACs) no longer has the work of a split: pick a larger model", def.MACs())
	}
	spec := preprocess.CIFAR10()
	spec.Crop = 128
	f, err := models.Convert(def, def.RandomStateDict(13), models.Meta{
		Name: name, Dataset: "cifar10", Labels: labels.CIFAR10(), Preprocess: spec, Source: "random weights (split e2e test)",
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := catalogModel(t, dir, f)
	return m
}
