package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"convscope/internal/chromium"
	"convscope/internal/wasmrelax"
)

// benchBrowser is headless Chromium and the loopback server of
// `bench -browser`: /bench.html and its scripts from tools/bench/web,
// /ort/ from onnxruntime-web's dist in tools/bench/node_modules (nothing
// from a CDN), /files/ the exported models, gobench.wasm and wasm_exec.js.
type benchBrowser struct {
	srv     *http.Server
	base    string
	ctx     context.Context
	cancel  func()
	version string
	log     io.Writer // progress and the sharded engine's gather times
}

// benchChromium returns the Chromium binary ($CHROMIUM or Debian's).
func benchChromium() (string, error) {
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("chromium not found at %s: -browser needs it (Debian: apt-get install chromium, as scripts/setup.sh does; or set $CHROMIUM)", p)
	}
	return p, nil
}

// startBenchBrowser builds the wasm engine into dir, serves the bench page
// and starts Chromium.
// engine is the build: "relaxed" (-tags convscope_relaxed, the one the app
// loads in Chromium: worker-relaxed.wasm) or "plain".
func startBenchBrowser(root, toolsDir, dir, engine string) (*benchBrowser, error) {
	exe, err := benchChromium()
	if err != nil {
		return nil, err
	}
	b := newBuilder(root, slog.New(slog.NewTextHandler(io.Discard, nil)))
	args := []string{"build", "-trimpath"}
	if engine == "relaxed" {
		args = append(args, "-tags", "convscope_relaxed")
	}
	args = append(args, "-o", filepath.Join(dir, "gobench.wasm"), "./tools/bench/gowasm")
	if _, err := b.run(b.goCmd(wasmEnv, args...)); err != nil {
		return nil, fmt.Errorf("building the wasm engine: %w", err)
	}
	// The relaxed build has relaxed-SIMD ops whose encoding Go gets wrong
	// (engine/internal/relaxed): fix them. The plain build has none, and
	// the report names the build either way.
	relaxedOps, err := wasmrelax.FixFile(filepath.Join(dir, "gobench.wasm"))
	if err != nil {
		return nil, err
	}
	switch {
	case engine == "relaxed" && relaxedOps == 0:
		return nil, errors.New("the relaxed-SIMD engine build has no relaxed op: is -tags convscope_relaxed still what selects the relaxed kernels (engine/internal/relaxed)?")
	case engine == "plain" && relaxedOps > 0:
		return nil, errors.New("-engine plain, but the engine was built with relaxed-SIMD ops: drop -tags=convscope_relaxed from GOFLAGS")
	}
	goroot, err := b.run(b.goCmd(nil, "env", "GOROOT"))
	if err != nil {
		return nil, err
	}
	wasmExec, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return nil, fmt.Errorf("wasm_exec.js of the Go toolchain: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wasm_exec.js"), wasmExec, 0o644); err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(filepath.Join(toolsDir, "web"))))
	mux.Handle("/ort/", http.StripPrefix("/ort/", http.FileServer(http.Dir(filepath.Join(toolsDir, "node_modules", "onnxruntime-web", "dist")))))
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(dir))))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	br := &benchBrowser{srv: &http.Server{Handler: crossOriginIsolated(mux), ReadHeaderTimeout: 10 * time.Second}, base: "http://" + ln.Addr().String()}
	go br.srv.Serve(ln)

	opts := append(chromium.Options(exe, filepath.Join(dir, "chromium-profile")),
		// A hidden tab must not be throttled while it computes.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	br.ctx, br.cancel = ctx, func() { cancel(); allocCancel() }
	// The first action starts the browser and binds it to the context it
	// runs in: that must be ctx itself, not a child with a timeout.
	if err := chromedp.Do(ctx); err != nil {
		br.close()
		return nil, fmt.Errorf("starting Chromium (%s): %w", exe, err)
	}
	vctx, vcancel := context.WithTimeout(ctx, time.Minute)
	defer vcancel()
	ua, err := chromedp.Run(vctx, chromedp.Evaluate[string]("navigator.userAgent"))
	if err != nil {
		br.close()
		return nil, fmt.Errorf("starting Chromium (%s): %w", exe, err)
	}
	// The user agent carries a reduced version (156.0.0.0); the binary
	// knows its full one.
	br.version = ua
	if out, err := exec.Command(exe, "--version").Output(); err == nil {
		br.version = strings.TrimSpace(string(out))
	}
	// Which engine build the page runs (a relaxed one that Chromium could
	// not validate would have failed to start).
	if relaxedOps > 0 {
		br.version += fmt.Sprintf(" [engine: relaxed-SIMD build, %d relaxed ops]", relaxedOps)
	} else {
		br.version += " [engine: plain SIMD128 build]"
	}
	return br, nil
}

// crossOriginIsolated serves every response with the headers that make
// the page and its workers cross-origin isolated, which SharedArrayBuffer
// needs (the sharded engine's exchange buffers). Everything the page loads
// is from this server, so require-corp blocks nothing.
func crossOriginIsolated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.ServeHTTP(w, r)
	})
}

func (br *benchBrowser) close() {
	br.cancel()
	br.srv.Close()
}

// browserResult is what bench.js leaves in window.benchResult.
type browserResult struct {
	Go struct {
		TimesMS  []float64       `json:"times_ms"`
		Output   []float32       `json:"output"`
		Peak     int64           `json:"peak_bytes"`
		Profiles [][]nodeProfile `json:"profiles"`
	} `json:"go"`
	Ort struct {
		Version string    `json:"version"`
		TimesMS []float64 `json:"times_ms"`
		Output  []float32 `json:"output"`
		Peak    int64     `json:"peak_bytes"`
		Threads int       `json:"threads"`
	} `json:"ort"`
	// Shards is the engine split over Count workers (one per core), or
	// Skip says why the page could not run it (not cross-origin isolated,
	// one core).
	Shards struct {
		Count   int       `json:"count"`
		TimesMS []float64 `json:"times_ms"`
		Output  []float32 `json:"output"`
		Peak    int64     `json:"peak_bytes"`
		Gathers int       `json:"gathers_per_run"` // barriers: each gathers every split output waiting to be read
		// GatherMS is each worker's time per run in gathers: copying
		// its part in and the whole out, and waiting for the others.
		GatherMS []float64 `json:"gather_ms"`
		// WaitMS is the part of GatherMS spent at the barrier.
		WaitMS   []float64       `json:"wait_ms"`
		Profiles [][]nodeProfile `json:"profiles"`
		Skip     string          `json:"skip"`
	} `json:"shards"`
	Cores    int  `json:"cores"`
	Isolated bool `json:"isolated"`
}

// benchPageTimeout bounds one model's page: loading plus (runs+1) runs on
// each side. The scalar engine takes tens of seconds per VGG16 run in wasm.
const benchPageTimeout = 30 * time.Minute

// bench opens the bench page for one model in a fresh tab (so each model
// starts with fresh wasm memories) and adds its row.
func (br *benchBrowser) bench(bm *benchModel, runs int, rep *benchReport) error {
	tab, cancel := chromedp.NewContext(br.ctx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(tab, benchPageTimeout)
	defer cancelT()
	u := fmt.Sprintf("%s/bench.html?model=%s&runs=%d", br.base, url.QueryEscape(bm.name), runs)
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		return fmt.Errorf("%s: opening the bench page: %w", bm.name, err)
	}
	const expr = `window.benchError ? "ERR:" + window.benchError : (window.benchResult || "")`
	v, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(benchPageTimeout), chromedp.WithPollingInterval(500*time.Millisecond)))
	if err != nil {
		return fmt.Errorf("%s: waiting for the bench page: %w", bm.name, err)
	}
	if msg, ok := strings.CutPrefix(v, "ERR:"); ok {
		return fmt.Errorf("%s: bench page: %s", bm.name, msg)
	}
	var res browserResult
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	if err := dec.Decode(&res); err != nil {
		return fmt.Errorf("%s: bench page result: %w", bm.name, err)
	}
	if len(res.Go.TimesMS) != runs || len(res.Ort.TimesMS) != runs {
		return errors.New(bm.name + ": bench page returned the wrong number of runs")
	}
	if res.Ort.Version != "" {
		rep.RefVersion = res.Ort.Version
	}
	row := newBenchRow(bm.name, "browser", bm.def.Input, 1, res.Go.TimesMS, res.Ort.TimesMS)
	row.OursPeak, row.RefPeak = res.Go.Peak, res.Ort.Peak
	if row.LogitDiff = relDiff(res.Go.Output, res.Ort.Output); math.IsInf(row.LogitDiff, 1) {
		return fmt.Errorf("%s: the wasm engine gave %d logits, onnxruntime-web %d", bm.name, len(res.Go.Output), len(res.Ort.Output))
	}
	rep.Rows = append(rep.Rows, row)
	return br.addShardRow(bm, runs, &res, rep)
}

// addShardRow adds the "all cores" row: the engine split over one worker
// per core against the same onnxruntime-web runs (1 thread). The shards
// must end with exactly the one-worker engine's logits.
func (br *benchBrowser) addShardRow(bm *benchModel, runs int, res *browserResult, rep *benchReport) error {
	sh := &res.Shards
	if sh.Skip != "" {
		rep.Notes = append(rep.Notes, bm.name+": no all-cores row: "+sh.Skip)
		return nil
	}
	if len(sh.TimesMS) != runs {
		return errors.New(bm.name + ": the sharded engine returned the wrong number of runs")
	}
	if len(sh.Output) != len(res.Go.Output) {
		return fmt.Errorf("%s: the sharded engine gave %d logits, one worker %d", bm.name, len(sh.Output), len(res.Go.Output))
	}
	for i, v := range res.Go.Output {
		if math.Float32bits(sh.Output[i]) != math.Float32bits(v) {
			return fmt.Errorf("%s: the sharded engine's logit %d is %v, one worker's %v: they must be bit-identical", bm.name, i, sh.Output[i], v)
		}
	}
	row := newBenchRow(bm.name, "browser", bm.def.Input, sh.Count, sh.TimesMS, res.Ort.TimesMS)
	row.RefThreads, row.Gathers = 1, sh.Gathers
	fmt.Fprintf(br.log, "bench: %s: %d workers, %.0f ms a run (one worker %.0f ms); ms a run in %d gathers (copies and waits), per worker: %.1f, of which waiting: %.1f\n",
		bm.name, sh.Count, median(sh.TimesMS), median(res.Go.TimesMS), sh.Gathers, sh.GatherMS, sh.WaitMS)
	if os.Getenv(benchProfileEnv) != "" && len(res.Go.Profiles) == 1 {
		printShardProfile(br.log, bm.name, res.Go.Profiles[0], sh.Profiles)
	}
	row.OursPeak, row.RefPeak = sh.Peak, res.Ort.Peak
	row.LogitDiff = relDiff(sh.Output, res.Ort.Output)
	rep.Rows = append(rep.Rows, row)
	if !slices.Contains(rep.Notes, shardNote) {
		rep.Notes = append(rep.Notes, shardNote)
	}
	return nil
}

// shardNote explains the browser rows with more than one thread.
const shardNote = "browser rows with threads > 1: ours is the engine split over that many Web Workers " +
	"(every conv and fc layer by output channels, or by bands of output rows for convs with few weights, the parts exchanged " +
	"through SharedArrayBuffers; logits bit-identical " +
	"to one worker's), onnxruntime-web still 1 thread; ours peak MB is the sum of the workers' wasm memories and the shared buffers"
