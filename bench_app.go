package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/chromedp/chromedp"

	"convscope/internal/chromium"
	"convscope/internal/workerjs"
	"convscope/models"
	"convscope/models/builtin"
	"convscope/models/labels"
)

// `bench -browser -app` measures the memory of the app's own engine worker
// (static/worker.js + worker.wasm from the real build, served by the real
// server handler) rather than the bench's bare engine: the worker keeps a
// run's feature maps for display, answers Explain and Slide, and warms up
// after a load, all of which the bench's gowasm does not do. Issue 7's
// memory target is about this worker.

// appBenchPage is the harness page; its script is appBenchJS. Both are
// served with the app's security headers, COOP/COEP included: the page is
// cross-origin isolated as the app's is, so the worker can split the model
// over helper workers.
const appBenchPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>app memory</title>
<link rel="icon" href="data:,"><script src="app.js"></script></head><body><p>app memory bench</p></body></html>`

// appBenchJS (served after workerjs.Client, which talks the protocol) is
// window.A.run(model, explain, workers, image): start the worker,
// load the model on workers workers (Load's Workers: 0 = one per core),
// classify the image at the URL image, ask for every layer's maps, explain
// the top class (when explain), slide the first and the last conv's first
// kernel, classify again five times, and return the worker's memory after
// each stage and the median of those five runs as a JSON string. The worker
// reports its WebAssembly memory's size, which never shrinks: each figure
// is the peak up to that stage.
const appBenchJS = `
window.A = (() => {
	let client = null;
	// start starts a worker, which request then talks to unless told
	// another (speed runs several side by side).
	function start() {
		const started = client = workerClient("../worker.js" + engineQuery);
		return started.ready.then(() => started);
	}
	// request resolves with the final answer of a request, or rejects with
	// its error.
	function request(type, body, bytes, to) {
		return (to || client).request(type, body, bytes).done.then((m) =>
			m.type === "error" ? Promise.reject(new Error(type + ": " + m.message)) : m);
	}
	// classify posts a Classify of img (a copy: its bytes are transferred,
	// as the app posts the file a click on a sample fetched), or again when
	// img is null, and resolves with the Result and the round trip: the ms
	// from posting the request to the Result in the page, what a user waits
	// for (the worker's decoding, resizing, run, statistics and messages).
	async function classify(img, to) {
		const t0 = performance.now();
		const res = await request("classify", img ? {top: 5} : {top: 5, again: true}, img ? img.slice() : null, to);
		return [res, performance.now() - t0];
	}
	const fetchImage = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
	async function run(model, explain, workers, image) {
		const out = {};
		await start();
		const img = await fetchImage(image);
		const loaded = await request("load", {model: model, workers: workers});
		out.loaded = loaded.memory;
		const [res] = await classify(img);
		out.classified = res.memory;
		out.run_ms = res.run_ms;
		out.top1 = res.top[0].label;
		out.maps = 0;
		for (const l of loaded.layers) {
			if (l.maps) { await request("activations", {layer: l.name}); out.maps++; }
		}
		if (explain) {
			const h = await request("explain", {class: res.top[0].index});
			out.explain = h.method;
		}
		const convs = loaded.layers.filter((l) => l.kind === "conv");
		for (const l of [convs[0], convs[convs.length - 1]]) {
			await request("slide", {layer: l.name, out: 0, in: 0});
		}
		out.slides = 2;
		// The speed once everything ran (the code tiered up): the median
		// of five classifies of the same image.
		const ms = [];
		let again;
		for (let i = 0; i < 5; i++) {
			[again] = await classify(null);
			ms.push(again.run_ms);
		}
		ms.sort((a, b) => a - b);
		out.peak = again.memory;
		out.again_ms = ms[2];
		client.terminate();
		return JSON.stringify(out);
	}
	// speed times classifies as a user meets them. It starts one worker
	// per count of counts and loads the model on that many workers, then
	// waits idleMs (a user picks a model, then a picture: the worker warms
	// up meanwhile, see wasm/worker's warmUp); then it classifies the
	// image on each worker in turn, rounds+1 times, so that all meet the
	// same load, posting the image every time as a click on a sample does.
	// It returns per worker the first classify's round trip and run_ms,
	// and those of the rounds after it; no run is left out.
	async function speed(model, counts, rounds, image, idleMs) {
		const img = await fetchImage(image);
		const ws = [];
		for (const n of counts) {
			const w = await start();
			await request("load", {model: model, workers: n}, null, w);
			await new Promise((r) => setTimeout(r, idleMs));
			ws.push(w);
		}
		const out = counts.map((n) => ({asked: n, workers: 0, first_ms: 0, first_run_ms: 0, ms: [], run_ms: []}));
		for (let r = 0; r <= rounds; r++) {
			for (let i = 0; i < ws.length; i++) {
				const [res, ms] = await classify(img, ws[i]);
				out[i].workers = res.memory.workers;
				if (r === 0) {
					out[i].first_ms = ms;
					out[i].first_run_ms = res.run_ms;
				} else {
					out[i].ms.push(ms);
					out[i].run_ms.push(res.run_ms);
				}
			}
		}
		ws.forEach((w) => w.terminate());
		return JSON.stringify(out);
	}
	return {run: run, speed: speed};
})();
`

// appMemory is the worker's protocol.Memory as the harness returns it.
type appMemory struct {
	Wasm    int64 `json:"wasm"`
	GoSys   int64 `json:"go_sys"`
	Workers int   `json:"workers"` // the engine worker and its helpers
	Helpers int64 `json:"helpers"` // the helpers' WebAssembly memories, summed
}

// appBenchRow is one architecture's figures.
type appBenchRow struct {
	Model      string     `json:"model"`
	Asked      int        `json:"asked_workers"` // Load's Workers (0: the app's default)
	Workers    int        `json:"workers"`       // what the worker ran the model on
	FileBytes  int64      `json:"file_bytes"`
	Loaded     *appMemory `json:"loaded"`     // after Load (and before the warm-up run)
	Classified *appMemory `json:"classified"` // after the first Classify (warm-up included)
	Peak       *appMemory `json:"peak"`       // after maps, explain, slides and a second Classify
	RunMs      float64    `json:"run_ms"`     // the first classify's run
	AgainMs    float64    `json:"again_ms"`   // the median run of five more classifies (after maps, explain, slides)
	Top1       string     `json:"top1"`
	Maps       int        `json:"maps"`    // layers whose maps were asked for
	Explain    string     `json:"explain"` // "cam", "occlusion", or "" when skipped
}

type appBenchReport struct {
	Browser string        `json:"browser"`
	Engine  string        `json:"engine"`                // the engine wasm the workers fetched
	Image   string        `json:"image"`                 // the photo for ImageNet models (-image: for every model)
	CIFAR   string        `json:"cifar_image,omitempty"` // the photo for CIFAR-10 models, unless -image
	LoadAvg []string      `json:"loadavg,omitempty"`
	Rows    []appBenchRow `json:"rows"`
	Speed   []appSpeedRow `json:"speed"`
}

// appSpeedRow is one worker count's classify times, measured taking turns
// with the other counts' workers in one page. Ms are round trips (page to
// worker and back, what a user waits for), RunMs the worker's run_ms.
type appSpeedRow struct {
	Model      string    `json:"model"`
	Asked      int       `json:"asked_workers"`
	Workers    int       `json:"workers"`
	FirstMs    float64   `json:"first_ms"`     // the first classify after the load and appIdle
	FirstRunMs float64   `json:"first_run_ms"` // its run_ms
	MedianMs   float64   `json:"median_ms"`    // of Ms
	MedianRun  float64   `json:"median_run_ms"`
	Ms         []float64 `json:"ms"`
	RunMs      []float64 `json:"run_ms"`
}

// appIdle is how long appBenchSpeed leaves a worker idle after its load
// before the first classify: a user picks a model, then a picture, and the
// worker warms up meanwhile for its budget (1.5 s, wasm/worker/session's
// warmUpBudget). Until session 13 the bench classified at once, cancelling
// the warm-up, and left 3 rounds out instead.
const appIdle = 2 * time.Second

// appBenchPageTimeout bounds one architecture: download, load, warm-up,
// two runs, the maps, occlusion (65 runs of the network) and two slides.
const appBenchPageTimeout = 45 * time.Minute

// benchApp runs the app worker's memory measurement for o.models and
// prints the table (or JSON).
func benchApp(o *benchOptions, stdout, logw io.Writer) error {
	// The photo: by default the dog of the app's gallery for the model's
	// dataset (web/samples.go), as a user clicks it: a 768x576 photo for
	// ImageNet models, a 32x32 CIFAR-10 test image for the CIFAR-10 ones
	// (it used to be the photo for every model, resized to 32x32 on every
	// classify).
	img, cifarImg := o.image, ""
	if img == "" {
		img = filepath.Join(o.root, "..", "shared", "data", "samples", "dog.jpg")
		cifarImg = filepath.Join(o.root, "static", "samples", "cifar10", "dog.jpg")
	}
	photo, err := os.ReadFile(img)
	if err != nil {
		return fmt.Errorf("-image: %w (the photo the worker classifies)", err)
	}
	cifarPhoto := photo
	if cifarImg != "" {
		if cifarPhoto, err = os.ReadFile(cifarImg); err != nil {
			return fmt.Errorf("the CIFAR-10 sample: %w", err)
		}
	}
	as, err := startAppSite(o, logw)
	if err != nil {
		return err
	}
	defer as.close()
	modelsDir, cat, mux := as.modelsDir, as.cat, as.mux
	serve := func(path, ctype string, body []byte) {
		mux.Handle("GET "+path, securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write(body)
		})))
	}
	serve("/bench/app.html", "text/html; charset=utf-8", []byte(appBenchPage))
	// -engine plain: worker.js?build=plain, as the app's ?engine=plain asks
	// (static/worker.js); else the build worker.js picks, relaxed SIMD in
	// Chromium.
	query := ""
	if o.engine == "plain" {
		query = "?build=plain"
	}
	serve("/bench/app.js", "text/javascript; charset=utf-8", []byte(workerjs.Client+"const engineQuery = "+strconv.Quote(query)+";\n"+appBenchJS))
	serve("/bench/image", "application/octet-stream", photo)
	serve("/bench/image-cifar10", "application/octet-stream", cifarPhoto)
	base, err := as.serve()
	if err != nil {
		return err
	}
	bctx, err := as.startBrowser()
	if err != nil {
		return err
	}
	rep := &appBenchReport{Browser: as.browser, Image: img, CIFAR: cifarImg}
	if la := loadAvg(); la != "" {
		rep.LoadAvg = append(rep.LoadAvg, la)
	}
	var runErr error
	for _, name := range o.models {
		fmt.Fprintf(logw, "bench: %s: writing a random-weights model file (seed %d)\n", name, benchSeed)
		file := "random_" + name
		if err := writeRandomModel(name, file, modelsDir); err != nil {
			runErr = err
			break
		}
		list, err := modelList(cat)
		if err != nil {
			runErr = err
			break
		}
		var entry *modelEntry
		for i := range list {
			if list[i].Name == file && list[i].URL != "" {
				entry = &list[i]
			}
		}
		if entry == nil {
			runErr = fmt.Errorf("%s: the catalog does not list the model file it was given", name)
			break
		}
		image := "image"
		if ds, err := models.ArchDataset(name); err == nil && ds == "cifar10" {
			image = "image-cifar10"
		}
		for _, n := range o.threads {
			fmt.Fprintf(logw, "bench: %s: app worker in Chromium, %d workers asked\n", name, n)
			row, err := appBenchOne(bctx, base, entry, o.explain, n, image)
			if err != nil {
				runErr = fmt.Errorf("%s: %w", name, err)
				break
			}
			row.Model = name
			rep.Rows = append(rep.Rows, *row)
		}
		if runErr == nil && len(o.threads) > 1 {
			fmt.Fprintf(logw, "bench: %s: classify speed, %v workers taking turns\n", name, o.threads)
			speed, err := appBenchSpeed(bctx, base, entry, o.threads, o.runs, image)
			if err != nil {
				runErr = fmt.Errorf("%s: speed: %w", name, err)
			}
			for _, r := range speed {
				r.Model = name
				rep.Speed = append(rep.Speed, r)
			}
		}
		os.Remove(models.PathFor(modelsDir, file))
		if runErr != nil {
			break
		}
	}
	if la := loadAvg(); la != "" {
		rep.LoadAvg = append(rep.LoadAvg, la)
	}
	rep.Engine = as.engine()
	if len(rep.Rows) > 0 {
		if werr := printReport(stdout, o.json, rep); runErr == nil {
			runErr = werr
		}
	}
	return runErr
}

// appSite is the real app (the build's site, the real server handler) on
// a loopback port, with the bench's own pages beside it, and the headless
// Chromium that opens them: what -app and -page share.
type appSite struct {
	dir, modelsDir string // a temporary folder, and the models folder in it
	cat            catalog
	mux            *http.ServeMux // the bench's pages; everything else is the app's
	app            http.Handler
	exe, browser   string // Chromium's path and version
	srv            *http.Server
	closers        []func()

	fetchedMu sync.Mutex
	fetched   map[string]bool // the engine wasm files fetched
}

// startAppSite builds the app and prepares its server (not yet listening:
// the caller adds its pages to mux, then calls serve).
func startAppSite(o *benchOptions, logw io.Writer) (*appSite, error) {
	exe, err := benchChromium()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "convscope-bench-app-")
	if err != nil {
		return nil, err
	}
	as := &appSite{dir: dir, exe: exe, browser: exe, mux: http.NewServeMux(), fetched: map[string]bool{}}
	as.closers = append(as.closers, func() { os.RemoveAll(dir) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fmt.Fprintln(logw, "bench: building the app (worker.wasm) and starting Chromium")
	b := newBuilder(o.root, log)
	if err := b.build(); err != nil {
		as.close()
		return nil, fmt.Errorf("building the app: %w", err)
	}
	site, err := os.OpenRoot(b.siteDir())
	if err != nil {
		as.close()
		return nil, err
	}
	as.closers = append(as.closers, func() { site.Close() })
	as.modelsDir = filepath.Join(dir, "models")
	if as.cat, err = newCatalog(as.modelsDir); err != nil {
		as.close()
		return nil, err
	}
	as.app = (&server{site: site, models: as.cat, log: log}).handler()
	return as, nil
}

// serve starts the server and returns its base URL.
func (as *appSite) serve() (string, error) {
	// The wasm files the workers fetched name the build they ran.
	as.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := strings.TrimPrefix(r.URL.Path, "/"); p == "worker.wasm" || p == "worker-relaxed.wasm" {
			as.fetchedMu.Lock()
			as.fetched[p] = true
			as.fetchedMu.Unlock()
		}
		as.app.ServeHTTP(w, r)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	as.srv = &http.Server{Handler: as.mux, ReadHeaderTimeout: 10 * time.Second}
	go as.srv.Serve(ln)
	as.closers = append(as.closers, func() { as.srv.Close() })
	return "http://" + ln.Addr().String(), nil
}

// startBrowser starts headless Chromium with extra options and returns its
// context (closed by close).
func (as *appSite) startBrowser(extra ...chromedp.ExecAllocatorOption) (context.Context, error) {
	opts := append(chromium.Options(as.exe, filepath.Join(as.dir, "chromium-profile")),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
	)
	opts = append(opts, extra...)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(allocCtx)
	as.closers = append(as.closers, allocCancel, bcancel)
	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Errorf("starting Chromium (%s): %w", as.exe, err)
	}
	if out, err := exec.Command(as.exe, "--version").Output(); err == nil {
		as.browser = strings.TrimSpace(string(out))
	}
	return bctx, nil
}

// engine names the wasm builds the workers fetched.
func (as *appSite) engine() string {
	as.fetchedMu.Lock()
	defer as.fetchedMu.Unlock()
	return strings.Join(slices.Sorted(maps.Keys(as.fetched)), " + ") // both: a helper ran the other build, a bug
}

// close stops the browser and the server and removes the folder, last
// started first.
func (as *appSite) close() {
	for i := len(as.closers) - 1; i >= 0; i-- {
		as.closers[i]()
	}
	as.closers = nil
}

// writeRandomModel writes arch with the bench's random weights as the
// model file name in dir.
func writeRandomModel(arch, name, dir string) error {
	def, err := models.Arch(arch)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeBenchModelFile(def, def.RandomStateDict(benchSeed), arch, name, models.PathFor(dir, name))
}

// appBenchEval opens the harness page in a fresh tab (a fresh worker, so a
// fresh WebAssembly memory) and returns what the expression call(ref)
// makes of model m's reference (JSON) resolves to.
func appBenchEval(bctx context.Context, base string, m *modelEntry, call func(ref string) string) (string, error) {
	tab, cancel := chromedp.NewContext(bctx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(tab, appBenchPageTimeout)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/bench/app.html")); err != nil {
		return "", fmt.Errorf("opening the harness page: %w", err)
	}
	ref, err := json.Marshal(map[string]any{"name": m.Name, "url": m.URL, "sha256": m.SHA256, "bytes": m.Bytes})
	if err != nil {
		return "", err
	}
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](call(string(ref)), chromedp.EvalAwaitPromise))
	if err != nil {
		return "", fmt.Errorf("the harness: %w", err)
	}
	return s, nil
}

// appBenchOne runs the harness on one model in a fresh tab, asking for
// workers workers, on the photo at the harness's URL image.
func appBenchOne(bctx context.Context, base string, m *modelEntry, explain bool, workers int, image string) (*appBenchRow, error) {
	s, err := appBenchEval(bctx, base, m, func(ref string) string {
		return fmt.Sprintf("A.run(%s, %v, %d, %q)", ref, explain, workers, image)
	})
	if err != nil {
		return nil, err
	}
	row := &appBenchRow{FileBytes: m.Bytes, Asked: workers}
	if err := json.Unmarshal([]byte(s), row); err != nil {
		return nil, fmt.Errorf("the harness answered %.200s: %w", s, err)
	}
	if row.Loaded == nil || row.Peak == nil || row.Peak.Wasm == 0 {
		return nil, fmt.Errorf("the worker reported no WebAssembly memory (%.200s): is build/site/worker.js current?", s)
	}
	row.Workers = max(row.Peak.Workers, 1)
	return row, nil
}

// appBenchSpeed times classifies of the photo at the harness's URL image
// with the model on each worker count of counts, the counts taking turns
// run by run in one page: a first one after appIdle, then runs more.
func appBenchSpeed(bctx context.Context, base string, m *modelEntry, counts []int, runs int, image string) ([]appSpeedRow, error) {
	cs, _ := json.Marshal(counts)
	s, err := appBenchEval(bctx, base, m, func(ref string) string {
		return fmt.Sprintf("A.speed(%s, %s, %d, %q, %d)", ref, cs, runs, image, appIdle.Milliseconds())
	})
	if err != nil {
		return nil, err
	}
	var rows []appSpeedRow
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("the harness answered %.200s: %w", s, err)
	}
	for i := range rows {
		rows[i].MedianMs = median(rows[i].Ms)
		rows[i].MedianRun = median(rows[i].RunMs)
	}
	return rows, nil
}

func (r *appBenchReport) writeTable(w io.Writer) error {
	engine := r.Engine
	if engine == "" {
		engine = "worker.wasm" // a report saved before the relaxed build
	}
	image := filepath.Base(r.Image)
	if r.CIFAR != "" {
		image = fmt.Sprintf("%s (CIFAR-10 models: %s, the app's CIFAR-10 sample)", image, filepath.Join(filepath.Base(filepath.Dir(r.CIFAR)), filepath.Base(r.CIFAR)))
	}
	fmt.Fprintf(w, "App worker memory (static/worker.js + %s) in %s, random weights (seed %d), image %s\n", engine, r.Browser, benchSeed, image)
	fmt.Fprintln(w, "WebAssembly memory in MB (1e6 bytes); it never shrinks, so each column is the peak up to that stage.")
	fmt.Fprintln(w, "peak: after every layer's maps, explain, two slides and a second classify; Go Sys: runtime.MemStats.Sys then.")
	fmt.Fprintln(w, "workers: the engine worker and its helpers (the model split over them); loaded, classified, peak: the engine")
	fmt.Fprintln(w, "worker; helpers: theirs summed at the peak; sum: peak + helpers. run ms: the first classify's run / the median of")
	fmt.Fprintln(w, "five classifies at the end.")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tworkers\tfile MB\tloaded MB\tclassified MB\tpeak MB\thelpers MB\tsum MB\tGo Sys MB\trun ms\tmaps\texplain\t")
	mb := func(m *appMemory) string {
		if m == nil {
			return "-"
		}
		return fmt.Sprintf("%.0f", float64(m.Wasm)/1e6)
	}
	for _, row := range r.Rows {
		explain := row.Explain
		if explain == "" {
			explain = "skipped"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f / %.0f\t%d\t%s\t\n", row.Model, row.Workers, float64(row.FileBytes)/1e6,
			mb(row.Loaded), mb(row.Classified), mb(row.Peak), float64(row.Peak.Helpers)/1e6, float64(row.Peak.Wasm+row.Peak.Helpers)/1e6,
			float64(row.Peak.GoSys)/1e6, row.RunMs, row.AgainMs, row.Maps, explain)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Speed) > 0 {
		fmt.Fprintf(w, "\nClassify ms as the user waits: from the page posting a Classify of the image (its bytes, as a click on a sample posts\n")
		fmt.Fprintf(w, "them) to the Result in the page (this bench's page, JavaScript: not the app's own decoding and drawing of the Result).\n")
		fmt.Fprintf(w, "Each worker is left idle %v after its load (a user picks a model, then a picture;\n", appIdle)
		fmt.Fprintln(w, "the worker warms up meanwhile); first: the first classify then; median: of the next ones, the worker counts taking")
		fmt.Fprintln(w, "turns run by run in one page, none left out. run: the worker's run_ms (engine, layer statistics and a progress message")
		fmt.Fprintln(w, "per 8 ms yield; not decoding, resizing, the Result or the messages' way), first / median.")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "model\tworkers\tfirst ms\tmedian ms\tvs first row\trun ms\truns ms\t")
		var first float64
		for i, row := range r.Speed {
			if i == 0 || row.Model != r.Speed[i-1].Model {
				first = row.MedianMs
			}
			runs := make([]string, len(row.Ms))
			for j, v := range row.Ms {
				runs[j] = fmt.Sprintf("%.0f", v)
			}
			fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.2f\t%.1f / %.1f\t%s\t\n", row.Model, row.Workers, row.FirstMs, row.MedianMs, row.MedianMs/first, row.FirstRunMs, row.MedianRun, strings.Join(runs, " "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(r.LoadAvg) > 0 {
		_, err := fmt.Fprintf(w, "load average: %s\n", strings.Join(r.LoadAvg, " -> "))
		return err
	}
	return nil
}

// `bench -browser -app -page` times the real app page (index.html +
// app.wasm, the Vugu UI, served by the real server handler) as a user
// meets it: it clicks a model's Use button, then sets the file input to an
// image again and again, and measures in the page from the input's change
// event to the moment #top5 shows the new run, and to the next frame. The
// -app speed table stops at the worker's Result in the bench's own page;
// issue 7's "built-in CIFAR-10 models < 10 ms in the browser" is what the
// user waits for, which includes the page's renders (session 14 measured
// 190-310 ms on the page against a 17-24 ms classify). The page mode uses
// only DOM ids the page has had since session 14 (#file-input, #result's
// data-runs, #top5, #timing, the model table's Use buttons, #layers-title,
// #download, #run), so a binary built from today's source can time an
// older revision's page (run it in that revision's worktree: it builds the
// site from the current directory).

// appPageJS installs window.__pb on the app page: arm(want) before a pick,
// then wait() resolves with the pick's figures as JSON. The top-5 is shown
// once #top5's data-run is want (pages after feceed3 write the Result's
// top-5 at once and render the whole page after the next paint) or
// #result's data-runs is want (older pages set it in the one render that
// fills #top5); the full render is done once data-runs is want. A
// MutationObserver watching only those two attributes sees each render at
// the end of its task (a render is one task: the Go code renders before it
// yields to the event loop); Vugu re-sets data-runs on every render, so
// the value is what tells the Result's render from the "Reading" and
// "Running" ones. A check in every animation frame is the fallback should
// the page ever replace the elements instead. frame is the next animation
// frame's callback after the top-5 is shown (before its style, layout and
// paint), painted a user-blocking task posted from it (after them). Long tasks
// (PerformanceObserver 'longtask', 50 ms or more) overlapping the pick are
// listed. The marks convscope-pick and convscope-done bound the pick in a
// trace (bench_app_profile.go).
const appPageJS = `
window.__pb = (() => {
	const S = {want: "", t0: 0, dom: 0, full: 0, frame: 0, painted: 0, top5: [], timing: "", long: [], resolve: null, promise: null};
	addEventListener("change", (e) => {
		if (S.want && !S.t0 && e.target && e.target.id === "file-input") { S.t0 = performance.now(); performance.mark("convscope-pick"); setTimeout(poll, 4); }
	}, true);
	try {
		new PerformanceObserver((l) => { for (const e of l.getEntries()) S.long.push([e.startTime, e.duration]); }).observe({type: "longtask", buffered: true});
	} catch (e) {}
	function finish() {
		if (S.painted && S.full) { performance.mark("convscope-done"); setTimeout(S.resolve, 200); }
	}
	function check() {
		if (!S.t0 || (S.dom && S.full)) return;
		const r = document.getElementById("result"), t5 = document.getElementById("top5");
		const full = !!r && r.dataset.runs === S.want;
		if (!S.dom && (full || (t5 && t5.dataset.run === S.want))) {
			S.dom = performance.now();
			S.top5 = [...document.querySelectorAll("#top5 li")].map((li) => [Number(li.dataset.index), Number(li.dataset.prob), (li.querySelector(".label") || li).textContent]);
			S.timing = (document.getElementById("timing") || {}).textContent || "";
			requestAnimationFrame(() => {
				S.frame = performance.now();
				const painted = () => { S.painted = performance.now(); finish(); };
				// A user-blocking task runs right after this frame's
				// rendering, before tasks the page queued meanwhile (the full
				// render after the paint, feceed3's page: a message posted
				// here would wait for it).
				if (window.scheduler && scheduler.postTask) {
					scheduler.postTask(painted, {priority: "user-blocking"});
				} else {
					const ch = new MessageChannel();
					ch.port1.onmessage = painted;
					ch.port2.postMessage(0);
				}
			});
		}
		if (!S.full && full) { S.full = performance.now(); finish(); }
	}
	new MutationObserver(check).observe(document.documentElement, {subtree: true, attributes: true, attributeFilter: ["data-runs", "data-run"]});
	// A fallback for a render the observer could miss (an element created
	// with the value already set): a timer, and only while a pick waits.
	// It was an animation-frame loop from the page's load on, which made
	// the page render a frame 60 times a second for the whole bench, as a
	// user's idle page does not (~1 ms a frame traced under load, and a
	// pick's answer landing inside one: session 18).
	function poll() { check(); if (S.t0 && !(S.dom && S.full)) setTimeout(poll, 4); }
	return {
		runs: () => (document.getElementById("result") || {dataset: {}}).dataset.runs || "0",
		arm(want) {
			Object.assign(S, {want: want, t0: 0, dom: 0, full: 0, frame: 0, painted: 0, top5: [], timing: ""});
			S.promise = new Promise((r) => { S.resolve = r; });
			return "ok";
		},
		async wait(ms) {
			const timeout = new Promise((_, no) => setTimeout(() => no(new Error(
				"no Result in " + ms + " ms: change event " + (S.t0 ? "seen" : "not seen") + ", data-runs " + this.runs() + ", want " + S.want)), ms));
			await Promise.race([S.promise, timeout]);
			const end = Math.max(S.painted, S.full);
			const long = S.long.filter(([s, d]) => s + d > S.t0 && s < end).map(([s, d]) => d);
			S.want = "";
			return JSON.stringify({dom_ms: S.dom - S.t0, frame_ms: S.frame - S.t0, painted_ms: S.painted - S.t0, full_ms: S.full - S.t0,
				top5: S.top5, timing: S.timing, long_tasks_ms: long, dom_nodes: document.getElementsByTagName("*").length});
		},
	};
})();
"ok"`

// appPageIdle is the pause between two picks: the page and the worker
// settle (the viewer's frames, the worker's idle work) as they do between
// a user's picks.
const appPageIdle = time.Second

// appPagePick is one pick's figures, in ms from the file input's change
// event.
type appPagePick struct {
	Image     string         `json:"image"`
	DomMs     float64        `json:"dom_ms"`     // #top5 shows the run (the render that put it there done)
	FrameMs   float64        `json:"frame_ms"`   // the next animation frame starts
	PaintedMs float64        `json:"painted_ms"` // that frame's style, layout and paint done
	FullMs    float64        `json:"full_ms"`    // the whole page rendered (#result's data-runs set; = DomMs before feceed3)
	WorkerMs  float64        `json:"worker_ms"`  // the Result's ms (#timing): preprocessing and inference in the worker
	RunMs     float64        `json:"run_ms"`     // the Result's run_ms (#timing's "inference")
	Timing    string         `json:"timing"`
	Top5      []appPageClass `json:"top5"`
	LongTasks []float64      `json:"long_tasks_ms"` // the page's long tasks (>= 50 ms) overlapping the pick
	Nodes     int            `json:"dom_nodes"`     // the page's elements after the pick
}

// appPageClass is one row of #top5: its data-index, data-prob and label.
type appPageClass struct {
	Index int
	Prob  float64
	Label string
}

func (c *appPageClass) UnmarshalJSON(b []byte) error {
	var row [3]any
	if err := json.Unmarshal(b, &row); err != nil {
		return err
	}
	i, _ := row[0].(float64)
	p, _ := row[1].(float64)
	l, _ := row[2].(string)
	*c = appPageClass{Index: int(i), Prob: p, Label: l}
	return nil
}

func (c appPageClass) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{c.Index, c.Prob, c.Label})
}

// appPageRow is one model's picks and their medians.
type appPageRow struct {
	Model       string        `json:"model"`
	BuiltIn     bool          `json:"builtin"` // else random weights, written by the bench
	First       appPagePick   `json:"first"`   // the first pick after the model was chosen, not in the figures below
	Picks       []appPagePick `json:"picks"`
	MedianMs    float64       `json:"median_ms"` // of DomMs
	MinMs       float64       `json:"min_ms"`
	MaxMs       float64       `json:"max_ms"`
	MedianPaint float64       `json:"median_painted_ms"`
	MedianFull  float64       `json:"median_full_ms"`
	MedianWork  float64       `json:"median_worker_ms"`
	MedianRun   float64       `json:"median_run_ms"`
	MedianLong  float64       `json:"median_long_ms"` // the long tasks' durations summed per pick
}

type appPageReport struct {
	Browser  string       `json:"browser"`
	Engine   string       `json:"engine"`
	Viewport string       `json:"viewport"`
	LoadAvg  []string     `json:"loadavg,omitempty"`
	Rows     []appPageRow `json:"rows"`
}

// appPageViewport is the window the page is laid out in (the browser
// tests' size): its layout and paint costs depend on it.
const appPageW, appPageH = 1280, 900

// appPageImages are the images the picks cycle through: CIFAR-10 test
// images of every class in turn for CIFAR-10 models, the sample photos for
// ImageNet ones, so that each pick is a new image.
func appPageImages(root, dataset string) ([]string, error) {
	data := filepath.Join(root, "..", "shared", "data")
	var out []string
	if dataset == "cifar10" {
		for i := 0; i < 3; i++ {
			for _, class := range labels.CIFAR10() {
				p := filepath.Join(data, "cifar10", "test", class, fmt.Sprintf("%04d.jpg", i))
				if _, err := os.Stat(p); err == nil {
					out = append(out, p)
				}
			}
		}
	} else {
		out, _ = filepath.Glob(filepath.Join(data, "samples", "*.jpg"))
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("fewer than two %s images under %s (the picks need images that differ)", dataset, data)
	}
	return out, nil
}

// benchAppPage runs the page mode for o.models and prints the table (or
// JSON).
func benchAppPage(o *benchOptions, stdout, logw io.Writer) error {
	images := map[string][]string{}
	for _, name := range o.models {
		ds, err := models.ArchDataset(name)
		if err != nil {
			return err
		}
		if images[ds] == nil {
			if images[ds], err = appPageImages(o.root, ds); err != nil {
				return err
			}
		}
	}
	as, err := startAppSite(o, logw)
	if err != nil {
		return err
	}
	defer as.close()
	builtins := builtin.Names()
	var builtIn []bool
	for _, name := range o.models {
		isBuiltIn := slices.Contains(builtins, name)
		builtIn = append(builtIn, isBuiltIn)
		if !isBuiltIn {
			fmt.Fprintf(logw, "bench: %s: no built-in model of that name: writing a random-weights model file random_%s (seed %d)\n", name, name, benchSeed)
			if err := writeRandomModel(name, "random_"+name, as.modelsDir); err != nil {
				return err
			}
		}
	}
	base, err := as.serve()
	if err != nil {
		return err
	}
	bctx, err := as.startBrowser(chromedp.WindowSize(appPageW, appPageH))
	if err != nil {
		return err
	}
	rep := &appPageReport{Browser: as.browser, Viewport: fmt.Sprintf("%dx%d", appPageW, appPageH)}
	if la := loadAvg(); la != "" {
		rep.LoadAvg = append(rep.LoadAvg, la)
	}
	tab, cancel := chromedp.NewContext(bctx)
	defer cancel()
	runErr := func() error {
		ctx, cancelT := context.WithTimeout(tab, appBenchPageTimeout)
		defer cancelT()
		u := base + "/"
		if o.engine == "plain" {
			u += "?engine=plain"
		}
		fmt.Fprintf(logw, "bench: opening the app page %s\n", u)
		if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
			return fmt.Errorf("opening the app page: %w", err)
		}
		if err := appPageWait(ctx, `document.querySelector("html[data-wasm=running] #file-input") && document.querySelector("#model-table") && "ok"`, 2*time.Minute); err != nil {
			return fmt.Errorf("the app page did not start: %w", err)
		}
		if _, err := appPageEval(ctx, appPageJS); err != nil {
			return fmt.Errorf("instrumenting the page: %w", err)
		}
		for i, name := range o.models {
			file := name
			if !builtIn[i] {
				file = "random_" + name
			}
			ds, _ := models.ArchDataset(name)
			fmt.Fprintf(logw, "bench: %s: Use, then %d picks of %s images\n", file, o.runs+1, ds)
			row, err := appPageModel(ctx, file, images[ds], o.runs, logw)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			row.BuiltIn = builtIn[i]
			rep.Rows = append(rep.Rows, *row)
		}
		return nil
	}()
	if la := loadAvg(); la != "" {
		rep.LoadAvg = append(rep.LoadAvg, la)
	}
	// The service worker fetches both engine builds to cache them, so the
	// fetches do not tell which one the engine worker runs: static/worker.js
	// picks the relaxed one where WebAssembly.validate accepts it
	// (Chromium does), the plain one with the page's ?engine=plain.
	rep.Engine = "worker-relaxed.wasm"
	if o.engine == "plain" {
		rep.Engine = "worker.wasm (?engine=plain)"
	}
	if len(rep.Rows) > 0 {
		if werr := printReport(stdout, o.json, rep); runErr == nil {
			runErr = werr
		}
	}
	return runErr
}

func appPageEval(ctx context.Context, expr string) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
}

func appPageWait(ctx context.Context, expr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[any](expr, chromedp.WithPollingTimeout(timeout)))
	return err
}

// appPageModel chooses the model by its Use button, leaves the worker
// appIdle to warm up, then picks images: one first, runs more.
func appPageModel(ctx context.Context, name string, images []string, runs int, logw io.Writer) (*appPageRow, error) {
	use := `#model-table tr[data-model="` + name + `"] button.use-model`
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	err := chromedp.Do(cctx, chromedp.Click(chromedp.CSS(use), chromedp.NodeVisible))
	cancel()
	if err != nil {
		return nil, fmt.Errorf("clicking its Use button (%s): %w", use, err)
	}
	ready := fmt.Sprintf(`document.querySelector("#layers-title")?.textContent === %s && document.querySelector("#layer-table") && !document.querySelector("#download") && !document.querySelector("#run") && "ok"`, strconv.Quote("Layers of "+name))
	if err := appPageWait(ctx, ready, 3*time.Minute); err != nil {
		return nil, fmt.Errorf("waiting for its layer table: %w", err)
	}
	time.Sleep(appIdle)
	row := &appPageRow{Model: name}
	for k := 0; k <= runs; k++ {
		img := images[k%len(images)]
		p, err := appPagePickOne(ctx, img, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("pick %d (%s): %w", k, img, err)
		}
		if k == 0 {
			row.First = *p
		} else {
			row.Picks = append(row.Picks, *p)
		}
		time.Sleep(appPageIdle)
	}
	if dir := os.Getenv(benchTraceEnv); dir != "" {
		if err := appPageTrace(ctx, name, images, runs+1, dir, logw); err != nil {
			return nil, fmt.Errorf("tracing: %w", err)
		}
	}
	if os.Getenv(benchProfileEnv) != "" {
		if err := appPageProfile(ctx, name, images, runs+1, logw); err != nil {
			return nil, fmt.Errorf("profiling: %w", err)
		}
	}
	var dom, paint, full, work, run, long []float64
	for _, p := range row.Picks {
		dom = append(dom, p.DomMs)
		paint = append(paint, p.PaintedMs)
		full = append(full, p.FullMs)
		work = append(work, p.WorkerMs)
		run = append(run, p.RunMs)
		var l float64
		for _, d := range p.LongTasks {
			l += d
		}
		long = append(long, l)
	}
	row.MedianMs, row.MinMs, row.MaxMs = median(dom), slices.Min(dom), slices.Max(dom)
	row.MedianPaint, row.MedianFull, row.MedianWork, row.MedianRun, row.MedianLong = median(paint), median(full), median(work), median(run), median(long)
	return row, nil
}

// timingRE reads the Result's ms and run_ms from #timing ("m in 23 ms
// (inference 17.2 ms, 10 layers)."; web.TimingText).
var timingRE = regexp.MustCompile(` in ([0-9.]+) ms \(inference ([0-9.]+) ms`)

// appPagePickOne sets the file input to img and returns the pick's
// figures once #top5 shows its run.
// start and stop, when not nil, run right before the file input is set
// and right after the pick (a profiler's).
func appPagePickOne(ctx context.Context, img string, start, stop func() error) (*appPagePick, error) {
	runs, err := appPageEval(ctx, `__pb.runs()`)
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(runs)
	if err != nil {
		return nil, fmt.Errorf("#result's data-runs is %q", runs)
	}
	if _, err := appPageEval(ctx, fmt.Sprintf(`__pb.arm("%d")`, n+1)); err != nil {
		return nil, err
	}
	if start != nil {
		if err := start(); err != nil {
			return nil, err
		}
	}
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = chromedp.Do(cctx, chromedp.SetUploadFiles("#file-input", []string{img}))
	cancel()
	if err != nil {
		return nil, fmt.Errorf("setting the file input: %w", err)
	}
	cctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	s, err := appPageEval(cctx, `__pb.wait(110000)`)
	cancel()
	if err != nil {
		return nil, err
	}
	if stop != nil {
		if err := stop(); err != nil {
			return nil, err
		}
	}
	p := &appPagePick{Image: img}
	if err := json.Unmarshal([]byte(s), p); err != nil {
		return nil, fmt.Errorf("the page answered %.200s: %w", s, err)
	}
	if m := timingRE.FindStringSubmatch(p.Timing); m != nil {
		p.WorkerMs, _ = strconv.ParseFloat(m[1], 64)
		p.RunMs, _ = strconv.ParseFloat(m[2], 64)
	}
	return p, nil
}

func (r *appPageReport) writeTable(w io.Writer) error {
	fmt.Fprintf(w, "The real app page (index.html + app.wasm, %s) in %s, window %s, as a user picks images.\n", r.Engine, r.Browser, r.Viewport)
	fmt.Fprintln(w, "Each model chosen by its Use button, left idle 2 s, then one first pick (not counted) and the picks counted: the file")
	fmt.Fprintln(w, "input set to a new image each time (CIFAR-10 test images of every class, or the sample photos), 1 s apart.")
	fmt.Fprintln(w, "ms from the input's change event: top-5: #top5 shows the new run (its data-run, or #result's data-runs on pages")
	fmt.Fprintln(w, "before feceed3); painted: the next frame's layout and paint done; full: the whole page rendered (data-runs set).")
	fmt.Fprintln(w, "worker: the Result's ms (preprocessing and inference in the worker), run: its run_ms (inference), both from #timing.")
	fmt.Fprintln(w, "long: the page's long tasks (>= 50 ms) summed per pick. Medians.")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tpicks\ttop-5 ms\tmin\tmax\tpainted ms\tfull ms\tworker ms\trun ms\tlong ms\tfirst ms\tDOM nodes\t")
	for _, row := range r.Rows {
		name := row.Model
		if !row.BuiltIn {
			name += " (random)"
		}
		nodes := 0
		if n := len(row.Picks); n > 0 {
			nodes = row.Picks[n-1].Nodes
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%.0f\t%.1f\t%d\t\n", name, len(row.Picks), row.MedianMs, row.MinMs, row.MaxMs,
			row.MedianPaint, row.MedianFull, row.MedianWork, row.MedianRun, row.MedianLong, row.First.DomMs, nodes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.LoadAvg) > 0 {
		_, err := fmt.Fprintf(w, "load average: %s\n", strings.Join(r.LoadAvg, " -> "))
		return err
	}
	return nil
}
