package main

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"convscope/internal/browsertest"
	"convscope/internal/workerjs"
)

// The relaxed-SIMD end-to-end test: the site has two builds of the engine
// worker, worker.wasm (f32x4.mul then f32x4.add) and worker-relaxed.wasm
// (f32x4.relaxed_madd, FMA; see build.go's wasmVariants), and
// static/worker.js loads the relaxed one where the browser validates a
// relaxed op. Headless Chromium has relaxed SIMD, so there it must load
// worker-relaxed.wasm, in the engine worker and in its helpers alike (a
// split run must give one worker's bits, and the builds differ in the last
// bits); worker.js?build=plain (what the app asks for with ?engine=plain)
// must load worker.wasm everywhere. Both builds must agree on the top-1.

// relaxedHarnessJS is window.R, served after workerjs.Client: start a
// worker from a given worker.js URL, send requests, return the final
// answers as JSON with each binary payload replaced by its length and
// FNV-1a hash.
const relaxedHarnessJS = `
window.R = (() => {
	let client = null;
	function hash(b) {
		let h = 0x811c9dc5;
		for (let i = 0; i < b.length; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
		return h;
	}
	const j = async (r) => {
		const m = await r.done;
		if (m.buf) m.buf = {len: m.buf.length, hash: hash(m.buf)};
		return JSON.stringify(m);
	};
	const request = (type, body, bytes) => client.request(type, body, bytes);
	return {
		start: (url) => {
			if (client) client.terminate();
			client = workerClient(url);
			return client.ready.then(() => "ready");
		},
		load: (model, workers) => j(request("load", {model: model, workers: workers})),
		classify: (b64) => j(request("classify", {top: 5}, base64Bytes(b64))),
		activations: (layer) => j(request("activations", {layer: layer})),
	};
})();
`

func TestRelaxedWorkerE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm and starts Chromium; skipped in -short mode")
	}
	photo, err := os.ReadFile(filepath.Join("..", "shared", "data", "samples", "dog.jpg"))
	if err != nil {
		t.Skipf("the sample photo ../shared/data/samples/dog.jpg is missing: %v", err)
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	for _, f := range []string{"worker.wasm", "worker-relaxed.wasm", "worker-relaxed.wasm.br", "worker-relaxed.wasm.gz"} {
		if _, err := os.Stat(filepath.Join(site, f)); err != nil {
			t.Fatalf("the build did not write %s: %v", f, err)
		}
	}
	dir := t.TempDir()
	mainModels, _, cat := e2eModels(t, dir)
	model := mainModels[0]
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	real := (&server{site: root, models: cat, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handler()
	// Every fetch of either build reaches the server (no-store): the counts
	// say which build each worker, helpers included, loaded.
	var plainFetches, relaxedFetches atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("GET /test/relaxed.html", securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, strings.ReplaceAll(splitHarnessPage, "split-harness.js", "relaxed-harness.js"))
	})))
	mux.Handle("GET /test/relaxed-harness.js", securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, workerjs.Client+relaxedHarnessJS)
	})))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/worker.wasm":
			plainFetches.Add(1)
		case "/worker-relaxed.wasm":
			relaxedFetches.Add(1)
		}
		w.Header().Set("Cache-Control", "no-store")
		real.ServeHTTP(w, r)
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	p := browser.NewPage(t)
	if err := p.Navigate(srv.URL + "/test/relaxed.html"); err != nil {
		t.Fatal(err)
	}
	call := harnessCaller(t, p, "R")
	b64 := base64.StdEncoding.EncodeToString(photo)

	// run classifies the photo on workers workers of the worker.js at url
	// and returns the top-5 and every layer's maps.
	run := func(url string, workers int) (splitReply, map[string]string) {
		t.Helper()
		call(nil, time.Minute, "start", url)
		var loaded, res splitReply
		call(&loaded, 2*time.Minute, "load", ref(model), workers)
		if loaded.Type != "loaded" {
			t.Fatalf("%s: load on %d workers: %+v", url, workers, loaded)
		}
		call(&res, 2*time.Minute, "classify", b64)
		if res.Type != "result" || res.Memory == nil || res.Memory.Workers != workers {
			t.Fatalf("%s: classify on %d workers: %+v (console: %v)", url, workers, res, p.Messages())
		}
		maps := map[string]string{}
		for _, l := range loaded.Layers {
			if l.Maps {
				var m splitReply
				call(&m, time.Minute, "activations", l.Name)
				if m.Type != "maps" || m.Buf == nil {
					t.Fatalf("%s: maps of %s on %d workers: %+v", url, l.Name, workers, m)
				}
				maps[l.Name] = m.key()
			}
		}
		return res, maps
	}
	// consoleSays waits for a console line (the engine worker's
	// "engine build ...") after the first before messages.
	consoleSays := func(before int, want string) bool {
		for start := time.Now(); time.Since(start) < 30*time.Second; time.Sleep(50 * time.Millisecond) {
			for _, m := range p.Messages()[before:] {
				if strings.Contains(m.String(), want) {
					return true
				}
			}
		}
		return false
	}

	tops := map[string]splitReply{}
	for _, c := range []struct {
		build, url, file string
		right, wrong     *atomic.Int32
	}{
		{"relaxed", "../worker.js", "worker-relaxed.wasm", &relaxedFetches, &plainFetches},
		{"plain", "../worker.js?build=plain", "worker.wasm", &plainFetches, &relaxedFetches},
	} {
		plainFetches.Store(0)
		relaxedFetches.Store(0)
		before := len(p.Messages())
		one, oneMaps := run(c.url, 1)
		two, twoMaps := run(c.url, 2)
		if !consoleSays(before, "engine build "+c.build+" ("+c.file+")") {
			t.Errorf("%s: no console line naming the engine build: %v", c.url, p.Messages()[before:])
		}
		// One engine worker per run, and the second run's helper.
		if c.wrong.Load() != 0 || c.right.Load() < 3 {
			t.Errorf("%s: fetched %s %d times and the other build %d times; want at least 3 and 0",
				c.url, c.file, c.right.Load(), c.wrong.Load())
		}
		if one.key() != two.key() {
			t.Errorf("%s build: top-5 of one and two workers differ:\n%+v\n%+v", c.build, one.Top, two.Top)
		}
		if len(oneMaps) == 0 {
			t.Fatal("no layer has maps")
		}
		for name, m := range oneMaps {
			if twoMaps[name] != m {
				t.Errorf("%s build: maps of %s differ between one and two workers:\n%s\n%s", c.build, name, m, twoMaps[name])
			}
		}
		tops[c.build] = one
		t.Logf("%s build (%s): top-1 %s %.9f; fetched %d times", c.build, c.file, one.Top[0].Label, one.Top[0].Prob, c.right.Load())
	}
	r, pl := tops["relaxed"], tops["plain"]
	if r.Top[0].Index != pl.Top[0].Index {
		t.Errorf("the builds disagree on the top-1: relaxed %+v, plain %+v", r.Top[0], pl.Top[0])
	}
	// Logged, not asserted: FMA rounds once where mul then add rounds twice,
	// so the probabilities may differ in their last bits.
	t.Logf("top-5 bit-identical across builds: %v", r.key() == pl.key())

	// The app itself: its page starts the engine worker, relaxed by default,
	// plain with ?engine=plain.
	for _, c := range []struct{ query, want string }{
		{"", "engine build relaxed (worker-relaxed.wasm)"},
		{"?engine=plain", "engine build plain (worker.wasm)"},
	} {
		before := len(p.Messages())
		if err := p.Navigate(srv.URL + "/" + c.query); err != nil {
			t.Fatal(err)
		}
		if !consoleSays(before, c.want) {
			t.Errorf("app page /%s: no console line %q: %v", c.query, c.want, p.Messages()[before:])
		}
	}
	p.CheckNoErrors()
}
