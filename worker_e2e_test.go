package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"convscope/internal/browsertest"
	"convscope/internal/workerjs"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
	"convscope/wasm/worker/session"
	"convscope/web/protocol"
)

// The worker end-to-end tests drive the engine worker (static/worker.js +
// worker.wasm, built by the real build) from a small harness page in
// headless Chromium, against the real server handler on a free port. The
// harness page is served by the test only; it talks to the worker with the
// plain JS form of package web/protocol, as any page could.

// workerHarnessPage is served at /test/worker.html with the app's CSP.
const workerHarnessPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>worker harness</title>
<link rel="icon" href="data:,"><script src="worker-harness.js"></script></head><body><p id="status">harness</p></body></html>`

// workerHarnessJS is window.T: start a worker, send requests, collect the
// answers. Every function returns a JSON string (bulk bytes summarised).
// It is served after workerjs.Client, which talks the protocol.
const workerHarnessJS = `
window.T = (() => {
	let client = null;
	const log = []; // every message from the worker, for failure reports
	function note(m) {
		log.push({type: m.type, id: m.id, code: m.code, message: m.message, name: m.name, index: m.index});
		if (log.length > 200) log.shift();
	}
	function start() {
		if (client) client.terminate();
		client = workerClient("../worker.js", note);
		client.worker.addEventListener("error", (e) => log.push({type: "onerror", message: e.message}));
		return client.ready.then((m) => JSON.stringify(m));
	}
	// request is client.request whose done resolves with the final
	// answer and every message before it.
	function request(type, body, bytes, onEvent) {
		const events = [];
		const r = client.request(type, body, bytes, (m, id) => {
			events.push(m);
			if (onEvent) onEvent(m, id);
		});
		return {id: r.id, done: r.done.then((m) => ({final: m, events: events}))};
	}
	const bytes = base64Bytes;
	const cancel = (id) => client.cancel(id);
	function summary(r) {
		const f = Object.assign({}, r.final);
		if (f.buf) {
			const b = f.buf;
			let sum = 0, distinct = new Set();
			for (let i = 0; i < b.length; i++) { sum += b[i]; distinct.add(b[i]); }
			f.buf = {len: b.length, sum: sum, distinct: distinct.size};
		}
		const kinds = {};
		for (const e of r.events) kinds[e.type] = (kinds[e.type] || 0) + 1;
		const last = r.events.length ? r.events[r.events.length - 1] : null;
		return JSON.stringify({final: f, kinds: kinds, last: last});
	}
	return {
		start: start,
		log: () => JSON.stringify(log),
		clearCache: () => caches.delete("convscope-models-v1").then((x) => JSON.stringify(x)),
		load: async (model) => summary(await request("load", {model: model}).done),
		classify: async (b64, top) => summary(await request("classify", {top: top}, bytes(b64)).done),
		again: async (top) => summary(await request("classify", {top: top, again: true}).done),
		activations: async (layer) => summary(await request("activations", {layer: layer}).done),
		filters: async (layer) => summary(await request("filters", {layer: layer}).done),
		explain: async (cls) => summary(await request("explain", {class: cls}).done),
		slide: async (layer, out, inp) => summary(await request("slide", {layer: layer, out: out, in: inp}).done),
		// explainCancel sends an explain and cancels it after ms
		// milliseconds; a slide queued behind it must still run.
		explainCancel: async (cls, ms, layer) => {
			const r = request("explain", {class: cls});
			setTimeout(() => cancel(r.id), ms);
			const next = request("slide", {layer: layer, out: 0, in: 0});
			return JSON.stringify({cancelled: JSON.parse(summary(await r.done)), next: JSON.parse(summary(await next.done))});
		},
		// loadCancel sends a load and cancels it at its second progress
		// message (bytes are arriving); a classify queued behind it must run.
		loadCancel: async (model, b64) => {
			let seen = 0;
			const r = request("load", {model: model}, null, (m, id) => {
				if (m.type === "progress" && ++seen === 2) cancel(id);
			});
			const next = request("classify", {top: 5}, bytes(b64));
			return JSON.stringify({cancelled: JSON.parse(summary(await r.done)), next: JSON.parse(summary(await next.done))});
		},
		raw: async (json) => JSON.stringify(await client.send(json)),
		// cancelAfter sends a classify and cancels it after n layer_done
		// messages (one per yield of the run, every 8 ms); a second
		// classify queued behind it must still run.
		cancelAfter: async (b64, n) => {
			let seen = 0;
			const r = request("classify", {top: 5}, bytes(b64), (m, id) => {
				if (m.type === "layer_done" && ++seen === n) cancel(id);
			});
			const next = request("classify", {top: 5, again: true});
			return JSON.stringify({cancelled: JSON.parse(summary(await r.done)), next: JSON.parse(summary(await next.done))});
		},
		// firstTop5 measures page load (navigation start) to the first
		// top-5, through start, load and classify.
		firstTop5: async (model, b64) => {
			const t0 = performance.now();
			await start();
			const t1 = performance.now();
			const l = JSON.parse(summary(await request("load", {model: model}).done));
			const t2 = performance.now();
			const c = JSON.parse(summary(await request("classify", {top: 5}, bytes(b64)).done));
			const t3 = performance.now();
			return JSON.stringify({load: l, classify: c, ms: t3, page: t0, ready: t1 - t0, loaded: t2 - t1, classified: t3 - t2});
		},
	};
})();
`

// e2eServer wraps the real server handler with the harness page and knobs
// for failure cases on model files.
type e2eServer struct {
	real http.Handler

	mu       sync.Mutex
	offline  bool              // model files answer 503
	replace  map[string][]byte // model URL path -> bytes served instead (same headers)
	truncate map[string]bool   // model URL path -> announce the full length, send half
	slow     map[string]bool   // model URL path -> sent in small pieces over about a second
	gzipped  map[string]bool   // model URL path -> sent with Content-Encoding: gzip, as some static hosts do
	requests atomic.Int64      // requests other than the harness's own files
}

func (s *e2eServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/test/worker.html":
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, workerHarnessPage)
		return
	case "/test/worker-harness.js":
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, workerjs.Client+workerHarnessJS)
		return
	}
	s.requests.Add(1)
	if strings.HasPrefix(r.URL.Path, "/models/") {
		s.mu.Lock()
		offline, b, ok, trunc, slow, gz := s.offline, s.replace[r.URL.Path], s.replace[r.URL.Path] != nil, s.truncate[r.URL.Path], s.slow[r.URL.Path], s.gzipped[r.URL.Path]
		s.mu.Unlock()
		switch {
		case offline:
			http.Error(w, "offline", http.StatusServiceUnavailable)
			return
		case ok:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
			return
		case gz:
			rec := httptest.NewRecorder()
			s.real.ServeHTTP(rec, r)
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(rec.Body.Bytes())
			zw.Close()
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Length", strconv.Itoa(z.Len()))
			w.Write(z.Bytes())
			return
		case slow:
			rec := httptest.NewRecorder()
			s.real.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			piece := max(len(body)/50, 1)
			for len(body) > 0 {
				n := min(piece, len(body))
				if _, err := w.Write(body[:n]); err != nil {
					return // the browser gave up: what a cancelled load does
				}
				w.(http.Flusher).Flush()
				body = body[n:]
				time.Sleep(20 * time.Millisecond)
			}
			return
		case trunc:
			rec := httptest.NewRecorder()
			s.real.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			w.Write(body[:len(body)/2])
			// Returning with fewer bytes than announced makes net/http
			// close the connection: the browser sees a cut download.
			return
		}
	}
	s.real.ServeHTTP(w, r)
}

// modelRef is the protocol's ModelRef as the harness sends it.
type modelRef struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// harnessReply is what the harness returns for one request.
type harnessReply struct {
	Final struct {
		Type    string `json:"type"`
		ID      int    `json:"id"`
		Code    string `json:"code"`
		Message string `json:"message"`
		// loaded
		Name      string `json:"name"`
		FromCache bool   `json:"from_cache"`
		Layers    []struct {
			Name  string `json:"name"`
			Kind  string `json:"kind"`
			Shape []int  `json:"shape"`
			Maps  bool   `json:"maps"`
		} `json:"layers"`
		Ms float64 `json:"ms"`
		// result
		Top   []models.Prediction `json:"top"`
		RunMs float64             `json:"run_ms"`
		// maps
		Shape []int     `json:"shape"`
		Min   []float64 `json:"min"`
		Max   []float64 `json:"max"`
		// patches
		Count int `json:"count"`
		W     int `json:"w"`
		H     int `json:"h"`
		View  struct {
			W int `json:"w"`
			H int `json:"h"`
		} `json:"view"`
		Buf struct {
			Len      int `json:"len"`
			Sum      int `json:"sum"`
			Distinct int `json:"distinct"`
		} `json:"buf"`
	} `json:"final"`
	Kinds map[string]int `json:"kinds"`
	Last  *struct {
		Type   string `json:"type"`
		Index  int    `json:"index"`
		Total  int    `json:"total"`
		Loaded int64  `json:"loaded"`
	} `json:"last"`
}

type harness struct {
	t *testing.T
	p *browsertest.Page
}

// call evaluates T.fn(args...) and decodes its JSON answer into out.
func (h harness) call(out any, timeout time.Duration, fn string, args ...any) {
	h.t.Helper()
	js := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			h.t.Fatal(err)
		}
		js[i] = string(b)
	}
	expr := "T." + fn + "(" + strings.Join(js, ", ") + ")"
	ctx, cancel := timeoutCtx(h.p, timeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		lctx, lcancel := timeoutCtx(h.p, 10*time.Second)
		defer lcancel()
		log, _ := chromedp.Run(lctx, chromedp.Evaluate[string]("T.log()"))
		h.t.Fatalf("T.%s: %v\nworker messages: %s\nconsole: %v", fn, err, log, h.p.Messages())
	}
	if out != nil {
		if err := json.Unmarshal([]byte(s), out); err != nil {
			h.t.Fatalf("T.%s answered %.300s: %v", fn, s, err)
		}
	}
}

func (h harness) reply(timeout time.Duration, fn string, args ...any) harnessReply {
	h.t.Helper()
	var r harnessReply
	h.call(&r, timeout, fn, args...)
	return r
}

// e2eModels returns the models the test runs: the built-in ones when they
// are committed, else a random-weights ResNet-20 written into dir.
// slow is a random-weights ResNet-20 at 96x96 (about 9 times the work),
// for the cancel test.
func e2eModels(t *testing.T, dir string) (main []modelEntry, slow modelEntry, cat catalog) {
	t.Helper()
	write := func(name string, cfg models.Config, crop int) {
		def, err := models.ArchConfig("resnet20_cifar", cfg)
		if err != nil {
			t.Fatal(err)
		}
		spec := preprocess.CIFAR10()
		spec.Crop = crop
		f, err := models.Convert(def, def.RandomStateDict(11), models.Meta{
			Name: name, Dataset: "cifar10", Labels: labels.CIFAR10(), Preprocess: spec, Source: "random weights (worker e2e test)",
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := modelfile.Write(models.PathFor(dir, name), f); err != nil {
			t.Fatal(err)
		}
	}
	write("random_resnet20_96", models.Config{Height: 96, Width: 96, Classes: 10}, 96)
	cat, list := testCatalog(t, dir)
	for _, m := range list {
		switch {
		case m.Name == "random_resnet20_96":
			slow = m
		case m.BuiltIn && m.Available && m.URL != "":
			main = append(main, m)
		}
	}
	if len(main) == 0 {
		t.Logf("no built-in model committed yet: testing with a random-weights ResNet-20")
		write("random_resnet20_cifar", models.Config{}, 32)
		cat, list = testCatalog(t, dir)
		for _, m := range list {
			if m.Name == "random_resnet20_cifar" {
				main = append(main, m)
			}
		}
	}
	if len(main) == 0 || slow.URL == "" {
		t.Fatalf("test models missing from the catalog: %+v %+v", main, slow)
	}
	return main, slow, cat
}

func ref(m modelEntry) modelRef {
	return modelRef{Name: m.Name, URL: m.URL, SHA256: m.SHA256, Bytes: m.Bytes}
}

// cifarImages lists up to perClass test images per CIFAR-10 class.
func cifarImages(t *testing.T, perClass int) map[string][]string {
	dir := filepath.Join("..", "shared", "data", "cifar10", "test")
	out := map[string][]string{}
	for _, class := range labels.CIFAR10() {
		files, _ := filepath.Glob(filepath.Join(dir, class, "*.jpg"))
		if len(files) > perClass {
			files = files[:perClass]
		}
		out[class] = files
	}
	return out
}

func bombPNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestWorkerE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	mainModels, slow, cat := e2eModels(t, dir)

	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srvState := &e2eServer{
		real:     (&server{site: root, models: cat, log: log}).handler(),
		replace:  map[string][]byte{},
		truncate: map[string]bool{},
		slow:     map[string]bool{},
		gzipped:  map[string]bool{},
	}
	srv := httptest.NewServer(srvState)
	defer srv.Close()

	p := browser.NewPage(t)
	if err := p.Navigate(srv.URL + "/test/worker.html"); err != nil {
		t.Fatal(err)
	}
	h := harness{t: t, p: p}
	images := cifarImages(t, 3)
	var anyImage []byte
	for _, files := range images {
		if len(files) > 0 {
			anyImage, _ = os.ReadFile(files[0])
			break
		}
	}
	if anyImage == nil {
		t.Skip("no CIFAR-10 test images in ../shared/data/cifar10/test")
	}
	b64 := base64.StdEncoding.EncodeToString

	// Page load to first top-5: worker start, model download and compile,
	// classify.
	var first struct {
		Load       harnessReply `json:"load"`
		Classify   harnessReply `json:"classify"`
		Ms         float64      `json:"ms"`
		Page       float64      `json:"page"`       // navigation start to the harness call
		Ready      float64      `json:"ready"`      // worker start: fetch and compile worker.wasm
		Loaded     float64      `json:"loaded"`     // model fetch, verify, compile, cache
		Classified float64      `json:"classified"` // decode, preprocess, run, answer
	}
	h.call(&first, 3*time.Minute, "firstTop5", ref(mainModels[0]), b64(anyImage))
	if first.Classify.Final.Type != "result" {
		t.Fatalf("first classify: %+v / %+v", first.Load.Final, first.Classify.Final)
	}
	t.Logf("page load to first top-5 (%s): %.0f ms: page %.0f, worker ready %.0f, model loaded %.0f (worker's own %.0f), classified %.0f (run %.1f)",
		mainModels[0].Name, first.Ms, first.Page, first.Ready, first.Loaded, first.Load.Final.Ms, first.Classified, first.Classify.Final.Ms)

	t.Run("agreement", func(t *testing.T) {
		h := harness{t: t, p: p}
		for _, m := range mainModels {
			loaded := h.reply(time.Minute, "load", ref(m))
			if loaded.Final.Type != "loaded" {
				t.Fatalf("%s: %+v", m.Name, loaded.Final)
			}
			cli, err := models.LoadName(dir, m.Name)
			if err != nil {
				t.Fatal(err)
			}
			random := strings.HasPrefix(m.Name, "random_")
			compared := 0
			var runMs []float64
			for class, files := range images {
				for _, path := range files {
					want, err := classifyOne(cli, path, 5)
					if err != nil {
						t.Fatal(err)
					}
					if !random && want.Top[0].Label != class {
						continue // only images the command line gets right
					}
					img, _ := os.ReadFile(path)
					got := h.reply(time.Minute, "classify", b64(img), 5)
					if got.Final.Type != "result" || len(got.Final.Top) != 5 {
						t.Fatalf("%s %s: %+v", m.Name, path, got.Final)
					}
					if got.Final.Top[0].Index != want.Top[0].Index {
						t.Errorf("%s %s: browser top-1 %s, command line %s", m.Name, path, got.Final.Top[0].Label, want.Top[0].Label)
					}
					worst := 0.0
					for i, p := range got.Final.Top {
						if p.Index != want.Top[i].Index {
							t.Errorf("%s %s: class %d is %d in the browser, %d on the command line", m.Name, path, i, p.Index, want.Top[i].Index)
							continue
						}
						worst = max(worst, math.Abs(p.Prob-want.Top[i].Prob))
					}
					if worst > 1e-4 {
						t.Errorf("%s %s: probabilities differ by %g (> 1e-4)", m.Name, path, worst)
					}
					// One layer_done per yield of the run (every
					// 8 ms at most), none when it is shorter.
					if n := got.Kinds["layer_done"]; n > maxLayerDone(got.Final.Ms) || n > 0 && (got.Last == nil || got.Last.Index >= got.Last.Total) ||
						got.Final.View.W != cli.Meta.Preprocess.Crop || got.Final.Buf.Len != 4*got.Final.View.W*got.Final.View.H {
						t.Errorf("%s: %d layer_done in %.1f ms (last %+v), view %+v, %d bytes", m.Name, got.Kinds["layer_done"], got.Final.Ms, got.Last, got.Final.View, got.Final.Buf.Len)
					}
					runMs = append(runMs, got.Final.RunMs)
					compared++
					if compared == 4 {
						break
					}
				}
				if compared == 4 {
					break
				}
			}
			if compared == 0 {
				t.Errorf("%s: no test image that the command line classifies correctly", m.Name)
			}
			t.Logf("%s: %d images agree (top-5 classes equal, probabilities within 1e-4); inference ms in the worker: %v", m.Name, compared, runMs)
		}
	})

	t.Run("bad images", func(t *testing.T) {
		h := harness{t: t, p: p}
		if r := h.reply(time.Minute, "load", ref(mainModels[0])); r.Final.Type != "loaded" {
			t.Fatal(r.Final)
		}
		cases := []struct {
			name string
			data []byte
		}{
			{"not an image", []byte("this is a text file, not a picture")},
			{"corrupt PNG", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xff}, 64)...)},
			{"truncated JPEG", anyImage[:len(anyImage)/2]},
			{"30000x30000 PNG", bombPNGHeader(30000, 30000)},
		}
		for _, c := range cases {
			r := h.reply(time.Minute, "classify", b64(c.data), 5)
			if r.Final.Type != "error" || r.Final.Code != "image" {
				t.Errorf("%s: %+v, want an image error", c.name, r.Final)
				continue
			}
			t.Logf("%s: %s", c.name, r.Final.Message)
			if r := h.reply(time.Minute, "classify", b64(anyImage), 5); r.Final.Type != "result" {
				t.Errorf("classify after %s: %+v", c.name, r.Final)
			}
		}
		var raw struct {
			Type, Code string
		}
		h.call(&raw, time.Minute, "raw", `{"type":"classify","id":9999}`)
		if raw.Type != "error" || raw.Code != "request" {
			t.Errorf("classify without bytes: %+v", raw)
		}
	})

	t.Run("privacy", func(t *testing.T) {
		h := harness{t: t, p: p}
		before := srvState.requests.Load()
		for i := 0; i < 3; i++ {
			if r := h.reply(time.Minute, "classify", b64(anyImage), 5); r.Final.Type != "result" {
				t.Fatal(r.Final)
			}
		}
		if n := srvState.requests.Load() - before; n != 0 {
			t.Errorf("%d requests reached the server while classifying, want none", n)
		}
	})

	t.Run("maps and filters", func(t *testing.T) {
		h := harness{t: t, p: p}
		loaded := h.reply(time.Minute, "load", ref(mainModels[0]))
		if r := h.reply(time.Minute, "classify", b64(anyImage), 5); r.Final.Type != "result" {
			t.Fatal(r.Final)
		}
		shown := 0
		for _, l := range loaded.Final.Layers {
			if !l.Maps {
				continue
			}
			r := h.reply(time.Minute, "activations", l.Name)
			if r.Final.Type != "maps" {
				t.Errorf("%s: %+v", l.Name, r.Final)
				continue
			}
			want := []int{1, 1, l.Shape[1]}
			if len(l.Shape) == 4 {
				want = l.Shape[1:]
			}
			if fmt.Sprint(r.Final.Shape) != fmt.Sprint(want) || r.Final.Buf.Len != want[0]*want[1]*want[2] || len(r.Final.Min) != want[0] {
				t.Errorf("%s: shape %v (%d bytes, %d minima), want %v", l.Name, r.Final.Shape, r.Final.Buf.Len, len(r.Final.Min), want)
			}
			if l.Kind == "conv" && r.Final.Buf.Distinct < 3 {
				t.Errorf("%s: conv maps with %d distinct values", l.Name, r.Final.Buf.Distinct)
			}
			shown++
		}
		if shown == 0 {
			t.Error("no layer has maps")
		}
		f := h.reply(time.Minute, "filters", "")
		if f.Final.Type != "patches" || f.Final.Count < 1 || f.Final.Buf.Len != f.Final.Count*f.Final.W*f.Final.H*4 {
			t.Errorf("filters: %+v", f.Final)
		}
		if r := h.reply(time.Minute, "activations", "no.such.layer"); r.Final.Code != "layer" {
			t.Errorf("unknown layer: %+v", r.Final)
		}
		t.Logf("%d layers' maps, %d filters of %dx%d", shown, f.Final.Count, f.Final.W, f.Final.H)
	})

	t.Run("explain and slide", func(t *testing.T) {
		testExplainSlide(t, harness{t: t, p: p}, mainModels, srv.URL, anyImage)
	})

	t.Run("cancel", func(t *testing.T) {
		h := harness{t: t, p: p}
		if r := h.reply(time.Minute, "load", ref(slow)); r.Final.Type != "loaded" {
			t.Fatal(r.Final)
		}
		var r struct {
			Cancelled harnessReply `json:"cancelled"`
			Next      harnessReply `json:"next"`
		}
		start := time.Now()
		// After the first layer_done, posted at the run's first yield
		// (8 ms in): the cancel is read at the next one, 16 ms into a
		// run of 360 M multiply-accumulates.
		h.call(&r, 2*time.Minute, "cancelAfter", b64(anyImage), 1)
		c := r.Cancelled
		if c.Final.Type != "error" || c.Final.Code != "cancelled" {
			t.Fatalf("cancelled run ended with %+v", c.Final)
		}
		if c.Last == nil || c.Last.Index+1 >= c.Last.Total {
			t.Errorf("the cancelled run went to its end: last %+v", c.Last)
		} else {
			t.Logf("cancelled after %d of %d nodes", c.Last.Index+1, c.Last.Total)
		}
		if r.Next.Final.Type != "result" {
			t.Errorf("classify after the cancel: %+v", r.Next.Final)
		}
		t.Logf("cancel and a full run: %v", time.Since(start).Round(time.Millisecond))
	})

	t.Run("downloads", func(t *testing.T) {
		h := harness{t: t, p: p}
		m := mainModels[0]
		path := "/" + m.URL
		genuine, err := io.ReadAll(mustGet(t, srv.URL+path))
		if err != nil {
			t.Fatal(err)
		}
		h.call(nil, time.Minute, "clearCache")
		h.call(nil, time.Minute, "start")
		tampered := bytes.Clone(genuine)
		tampered[len(tampered)/2] ^= 0x40
		set := func(f func()) {
			srvState.mu.Lock()
			f()
			srvState.mu.Unlock()
		}
		set(func() { srvState.replace[path] = tampered })
		if r := h.reply(time.Minute, "load", ref(m)); r.Final.Code != "hash" {
			t.Errorf("tampered file: %+v, want a hash error", r.Final)
		} else {
			t.Logf("tampered: %s", r.Final.Message)
		}
		set(func() { delete(srvState.replace, path); srvState.truncate[path] = true })
		if r := h.reply(time.Minute, "load", ref(m)); r.Final.Code != "download" {
			t.Errorf("truncated download: %+v, want a download error", r.Final)
		} else {
			t.Logf("truncated: %s", r.Final.Message)
		}
		set(func() { delete(srvState.truncate, path); srvState.slow[path] = true })
		var lc struct {
			Cancelled harnessReply `json:"cancelled"`
			Next      harnessReply `json:"next"`
		}
		h.call(&lc, time.Minute, "loadCancel", ref(m), b64(anyImage))
		if lc.Cancelled.Final.Code != "cancelled" || lc.Cancelled.Last == nil || lc.Cancelled.Last.Loaded >= int64(len(genuine)) {
			t.Errorf("cancelled download: %+v, last progress %+v", lc.Cancelled.Final, lc.Cancelled.Last)
		} else {
			t.Logf("download cancelled after %d of %d bytes", lc.Cancelled.Last.Loaded, len(genuine))
		}
		if lc.Next.Final.Code != "no_model" {
			t.Errorf("classify after the cancelled first load: %+v, want no_model", lc.Next.Final)
		}
		set(func() { delete(srvState.slow, path); srvState.gzipped[path] = true })
		if r := h.reply(time.Minute, "load", ref(m)); r.Final.Type != "loaded" {
			t.Errorf("gzip-encoded download: %+v", r.Final)
		}
		h.call(nil, time.Minute, "clearCache")
		set(func() { delete(srvState.gzipped, path) })
		missing := ref(m)
		missing.URL = "models/" + m.Name + ".0000000000000000.csm"
		if r := h.reply(time.Minute, "load", missing); r.Final.Code != "download" {
			t.Errorf("404: %+v, want a download error", r.Final)
		} else {
			t.Logf("404: %s", r.Final.Message)
		}
		r := h.reply(time.Minute, "load", ref(m))
		if r.Final.Type != "loaded" || r.Final.FromCache || r.Kinds["progress"] < 1 || r.Last == nil || r.Last.Loaded != int64(len(genuine)) {
			t.Fatalf("genuine download after the failures: %+v, %v progress, last %+v", r.Final, r.Kinds["progress"], r.Last)
		}
		if c := h.reply(time.Minute, "classify", b64(anyImage), 5); c.Final.Type != "result" {
			t.Errorf("classify after the failed downloads: %+v", c.Final)
		}

		// Offline: a new worker gets the model from the Cache API while
		// the server refuses model files; a model it never kept fails.
		set(func() { srvState.offline = true })
		defer set(func() { srvState.offline = false })
		h.call(nil, time.Minute, "start")
		r = h.reply(time.Minute, "load", ref(m))
		if r.Final.Type != "loaded" || !r.Final.FromCache {
			t.Errorf("offline load: %+v", r.Final)
		} else {
			t.Logf("offline load from the Cache API: %.1f ms", r.Final.Ms)
		}
		if c := h.reply(time.Minute, "classify", b64(anyImage), 5); c.Final.Type != "result" {
			t.Errorf("offline classify: %+v", c.Final)
		}
		h.call(nil, time.Minute, "clearCache")
		if r := h.reply(time.Minute, "load", ref(slow)); r.Final.Code != "download" {
			t.Errorf("offline load of a model never kept: %+v", r.Final)
		}
	})

	p.CheckNoErrors()
}

// typed calls T.fn and decodes the final answer into out (a protocol
// message); it returns the reply's type and error code too.
func typed(h harness, out any, timeout time.Duration, fn string, args ...any) harnessReply {
	h.t.Helper()
	var raw json.RawMessage
	h.call(&raw, timeout, fn, args...)
	var r harnessReply
	wrap := struct {
		Final any `json:"final"`
	}{out}
	if err := json.Unmarshal(raw, &r); err != nil {
		h.t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &wrap); err != nil {
		h.t.Fatalf("T.%s answered %.300s: %v", fn, raw, err)
	}
	return r
}

func closeGrid(a, b []float32, tol float64) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		if math.Abs(float64(a[i])-float64(b[i])) > tol*(1+math.Abs(float64(b[i]))) {
			return i, false
		}
	}
	return 0, true
}

// testExplainSlide checks the lessons' data from the real worker against
// the same session code run natively: the layer geometry and edges, the
// per-layer stats, a class activation map (a model with global average
// pooling), occlusion sensitivity (a model with a fully connected head, and
// its cancel) and conv kernels sliding over the real input.
func testExplainSlide(t *testing.T, h harness, list []modelEntry, site string, img []byte) {
	b64 := base64.StdEncoding.EncodeToString(img)
	methods := map[string]bool{}
	for _, m := range list {
		file, err := io.ReadAll(mustGet(t, site+"/"+m.URL))
		if err != nil {
			t.Fatal(err)
		}
		var native session.Session
		nl, err := native.Load(file, m.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		nr, err := native.Classify(context.Background(), img, false, 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		class := nr.Top[0].Index
		nh, err := native.Explain(context.Background(), class, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if methods[nh.Method] {
			continue // one model per method
		}
		methods[nh.Method] = true

		var bl protocol.Loaded
		if r := typed(h, &bl, time.Minute, "load", ref(m)); r.Final.Type != "loaded" {
			t.Fatalf("%s: %+v", m.Name, r.Final)
		}
		if len(bl.Layers) != len(nl.Layers) {
			t.Fatalf("%s: %d layers in the browser, %d natively", m.Name, len(bl.Layers), len(nl.Layers))
		}
		for i, l := range bl.Layers {
			n := nl.Layers[i]
			if fmt.Sprint(l.Kernel, l.Stride, l.Pads, l.Dilation, l.Group, l.InShape, l.Inputs) != fmt.Sprint(n.Kernel, n.Stride, n.Pads, n.Dilation, n.Group, n.InShape, n.Inputs) {
				t.Errorf("%s %s: browser %+v, native %+v", m.Name, l.Name, l, n)
			}
			if len(l.Inputs) == 0 {
				t.Errorf("%s %s: no inputs", m.Name, l.Name)
			}
		}
		var br protocol.Result
		if r := typed(h, &br, time.Minute, "classify", b64, 5); r.Final.Type != "result" {
			t.Fatalf("%s: %+v", m.Name, r.Final)
		}
		if br.Top[0].Index != class || len(br.Stats) != len(nr.Stats) {
			t.Fatalf("%s: top-1 %d (native %d), %d stats (native %d)", m.Name, br.Top[0].Index, class, len(br.Stats), len(nr.Stats))
		}
		for i, st := range br.Stats {
			n := nr.Stats[i]
			if st.Name != n.Name || st.Bytes != n.Bytes || math.Abs(st.Zeros-n.Zeros) > 0.01 || math.Abs(float64(st.Max-n.Max)) > 1e-3*(1+math.Abs(float64(n.Max))) {
				t.Errorf("%s stats %d: browser %+v, native %+v", m.Name, i, st, n)
			}
		}

		var bh protocol.Heatmap
		start := time.Now()
		if r := typed(h, &bh, 5*time.Minute, "explain", class); r.Final.Type != "heatmap" {
			t.Fatalf("%s explain: %+v", m.Name, r.Final)
		}
		tol := 1e-3 // CAM: the browser's maps differ from the native ones by float rounding
		if nh.Method == "occlusion" {
			tol = 1e-4 // differences of probabilities
		}
		if bh.Method != nh.Method || bh.Layer != nh.Layer || bh.W != nh.W || bh.H != nh.H || bh.Patch != nh.Patch || bh.Stride != nh.Stride || bh.Class != class {
			t.Errorf("%s: browser heatmap %s %s %dx%d patch %d stride %d; native %s %s %dx%d patch %d stride %d", m.Name,
				bh.Method, bh.Layer, bh.W, bh.H, bh.Patch, bh.Stride, nh.Method, nh.Layer, nh.W, nh.H, nh.Patch, nh.Stride)
		} else if i, ok := closeGrid(bh.Values, nh.Values, tol); !ok {
			t.Errorf("%s: heatmap value %d: browser %v, native %v", m.Name, i, bh.Values[i], nh.Values[i])
		}
		t.Logf("%s: %s heatmap %dx%d for %s in %.1f ms in the worker (%v round trip; native %.1f ms)", m.Name, bh.Method, bh.W, bh.H, nr.Top[0].Label, bh.Ms, time.Since(start).Round(time.Millisecond), nh.Ms)

		// Slides: the first conv (on the image) and the last one.
		var convs []protocol.LayerInfo
		for _, l := range nl.Layers {
			if l.Kind == "conv" {
				convs = append(convs, l)
			}
		}
		for _, l := range []protocol.LayerInfo{convs[0], convs[len(convs)-1]} {
			out, in := l.Shape[1]-1, l.InShape[1]/l.Group-1
			want, err := native.Slide(l.Name, out, in)
			if err != nil {
				t.Fatal(err)
			}
			var got protocol.Slides
			if r := typed(h, &got, time.Minute, "slide", l.Name, out, in); r.Final.Type != "slides" {
				t.Fatalf("%s slide %s: %+v", m.Name, l.Name, r.Final)
			}
			for _, g := range []struct {
				name      string
				got, want protocol.Grid
			}{{"input", got.Input, want.Input}, {"kernel", got.Kernel, want.Kernel}, {"partial", got.Partial, want.Partial}, {"output", got.Output, want.Output}} {
				if g.got.W != g.want.W || g.got.H != g.want.H {
					t.Errorf("%s %s %s: %dx%d, native %dx%d", m.Name, l.Name, g.name, g.got.W, g.got.H, g.want.W, g.want.H)
				} else if i, ok := closeGrid(g.got.Values, g.want.Values, 1e-4); !ok {
					t.Errorf("%s %s %s value %d: browser %v, native %v", m.Name, l.Name, g.name, i, g.got.Values[i], g.want.Values[i])
				}
			}
		}
		var bad harnessReply
		h.call(&bad, time.Minute, "slide", nl.Layers[len(nl.Layers)-1].Name, 0, 0)
		if bad.Final.Code != protocol.CodeLayer {
			t.Errorf("%s: slide of %s: %+v, want a layer error", m.Name, nl.Layers[len(nl.Layers)-1].Name, bad.Final)
		}

		if nh.Method == "occlusion" {
			var c struct {
				Cancelled harnessReply `json:"cancelled"`
				Next      harnessReply `json:"next"`
			}
			// Cancelled a quarter of the way through the explain above
			// (bh.Ms): a fixed 200 ms came too late once alexnet_cifar's
			// 65 occlusion runs took 185 ms.
			after := max(10, int(bh.Ms/4))
			start := time.Now()
			h.call(&c, 5*time.Minute, "explainCancel", class, after, convs[0].Name)
			if c.Cancelled.Final.Code != protocol.CodeCancelled || c.Next.Final.Type != "slides" {
				t.Errorf("%s: explain cancelled after %d ms: %+v, then %+v", m.Name, after, c.Cancelled.Final, c.Next.Final)
			} else {
				t.Logf("%s: explain cancelled after %d ms, the next request answered after %v", m.Name, after, time.Since(start).Round(time.Millisecond))
			}
		}
	}
	for _, want := range []string{"cam", "occlusion"} {
		if !methods[want] {
			t.Logf("no model among %d for method %s", len(list), want)
		}
	}
}

func timeoutCtx(p *browsertest.Page, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(p.Context(), d)
}

// harnessCaller returns call(out, timeout, fn, args...), which awaits the
// page's obj.fn(args...) (args as JSON) and decodes the JSON string it
// resolves to into out (nil: ignored); a failure ends the test with the
// page's console.
func harnessCaller(t *testing.T, p *browsertest.Page, obj string) func(out any, timeout time.Duration, fn string, args ...any) {
	return func(out any, timeout time.Duration, fn string, args ...any) {
		t.Helper()
		js := make([]string, len(args))
		for i, a := range args {
			b, _ := json.Marshal(a)
			js[i] = string(b)
		}
		ctx, cancel := timeoutCtx(p, timeout)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](obj+"."+fn+"("+strings.Join(js, ", ")+")", chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s.%s: %v\nconsole: %v", obj, fn, err, p.Messages())
		}
		if out != nil {
			if err := json.Unmarshal([]byte(s), out); err != nil {
				t.Fatalf("%s.%s answered %.300s: %v", obj, fn, s, err)
			}
		}
	}
}

func mustGet(t *testing.T, url string) io.Reader {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return bytes.NewReader(b)
}

// TestWorkerFullSize runs an ImageNet-size network (random weights, so it
// needs no download) in the worker: the browser agrees with the command
// line on a 224x224 run, and a run is cancelled in its middle. Opt-in
// (CONVSCOPE_FULL=1; CONVSCOPE_FULL_ARCH picks the architecture, resnet18 by
// default, vgg16 for the longest run) because it costs a minute of CPU.
func TestWorkerFullSize(t *testing.T) {
	if os.Getenv("CONVSCOPE_FULL") != "1" {
		t.Skip("set CONVSCOPE_FULL=1 to run an ImageNet-size model in the browser worker")
	}
	arch := os.Getenv("CONVSCOPE_FULL_ARCH")
	if arch == "" {
		arch = "resnet18"
	}
	samples, _ := filepath.Glob(filepath.Join("..", "shared", "data", "samples", "*.jpg"))
	if len(samples) == 0 {
		t.Skip("no sample photos in ../shared/data/samples")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	def, err := models.Arch(arch)
	if err != nil {
		t.Fatal(err)
	}
	f, err := models.Convert(def, def.RandomStateDict(5), models.Meta{
		Name: "random_" + arch, Dataset: "imagenet", Labels: labels.ImageNet(), Preprocess: preprocess.ImageNet(), Source: "random weights (worker test)",
	})
	if err != nil {
		t.Fatal(err)
	}
	m, cat := catalogModel(t, dir, f)
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	srv := httptest.NewServer(&e2eServer{real: (&server{site: root, models: cat, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handler()})
	defer srv.Close()
	p := browser.NewPage(t)
	if err := p.Navigate(srv.URL + "/test/worker.html"); err != nil {
		t.Fatal(err)
	}
	h := harness{t: t, p: p}
	h.call(nil, time.Minute, "start")
	loaded := h.reply(5*time.Minute, "load", ref(m))
	if loaded.Final.Type != "loaded" {
		t.Fatalf("load: %+v", loaded.Final)
	}
	t.Logf("%s: %d bytes downloaded, verified and compiled in %.0f ms", m.Name, m.Bytes, loaded.Final.Ms)

	cli, err := models.LoadName(dir, m.Name)
	if err != nil {
		t.Fatal(err)
	}
	want, err := classifyOne(cli, samples[0], 5)
	if err != nil {
		t.Fatal(err)
	}
	img, err := os.ReadFile(samples[0])
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(img)
	for run := 0; run < 2; run++ {
		got := h.reply(5*time.Minute, "classify", b64, 5)
		if got.Final.Type != "result" {
			t.Fatalf("classify: %+v", got.Final)
		}
		for i, p := range got.Final.Top {
			if p.Index != want.Top[i].Index || math.Abs(p.Prob-want.Top[i].Prob) > 1e-4 {
				t.Errorf("class %d: browser %+v, command line %+v", i, p, want.Top[i])
			}
		}
		t.Logf("run %d: %.0f ms in the worker (command line %.0f ms); %d layer_done messages", run, got.Final.RunMs, want.MS, got.Kinds["layer_done"])
		// An ImageNet-size run lasts several yields: the page's bar moves.
		if n := got.Kinds["layer_done"]; n == 0 && got.Final.Ms >= 2*8 || n > maxLayerDone(got.Final.Ms) {
			t.Errorf("run %d: %d layer_done messages in %.1f ms, want one per 8 ms yield", run, n, got.Final.Ms)
		}
	}
	var c struct {
		Cancelled harnessReply `json:"cancelled"`
		Next      harnessReply `json:"next"`
	}
	start := time.Now()
	h.call(&c, 5*time.Minute, "cancelAfter", b64, 3)
	if c.Cancelled.Final.Code != "cancelled" || c.Cancelled.Last == nil || c.Cancelled.Last.Index+1 >= c.Cancelled.Last.Total {
		t.Errorf("cancel: %+v, last %+v", c.Cancelled.Final, c.Cancelled.Last)
	} else {
		t.Logf("cancelled after %d of %d nodes; the next run then took %.0f ms (%v in all)", c.Cancelled.Last.Index+1, c.Cancelled.Last.Total, c.Next.Final.RunMs, time.Since(start).Round(time.Millisecond))
	}
	if c.Next.Final.Type != "result" {
		t.Errorf("classify after the cancel: %+v", c.Next.Final)
	}
	p.CheckNoErrors()
}

// maxLayerDone is the most layer_done messages a classify whose Result
// says ms (preprocessing and run) may have sent: the worker posts one at
// each yield, and yields at least 8 ms (wasm/worker's yieldEvery) apart;
// the first no sooner than the run's first node. One more for the clocks'
// rounding.
func maxLayerDone(ms float64) int { return int(ms/8) + 2 }

// testCatalog opens the catalog of the models directory dir and lists its
// models as the server does.
func testCatalog(t *testing.T, dir string) (catalog, []modelEntry) {
	t.Helper()
	cat, err := newCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	list, err := modelList(cat)
	if err != nil {
		t.Fatal(err)
	}
	return cat, list
}

// catalogModel writes model file f into the catalog directory dir, under
// its own name, and returns its entry in a catalog of dir, and the catalog.
func catalogModel(t *testing.T, dir string, f *modelfile.File) (modelEntry, catalog) {
	t.Helper()
	name := f.Meta.Name
	if err := modelfile.Write(models.PathFor(dir, name), f); err != nil {
		t.Fatal(err)
	}
	cat, list := testCatalog(t, dir)
	for _, m := range list {
		if m.Name == name {
			return m, cat
		}
	}
	t.Fatalf("%s is not in the catalog", name)
	return modelEntry{}, nil
}
