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
	exe, err := benchChromium()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "convscope-bench-app-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	fmt.Fprintln(logw, "bench: building the app (worker.wasm) and starting Chromium")
	b := newBuilder(o.root, log)
	if err := b.build(); err != nil {
		return fmt.Errorf("building the app: %w", err)
	}
	site, err := os.OpenRoot(b.siteDir())
	if err != nil {
		return err
	}
	defer site.Close()
	modelsDir := filepath.Join(dir, "models")
	cat, err := newCatalog(modelsDir)
	if err != nil {
		return err
	}
	app := (&server{site: site, models: cat, log: log}).handler()
	mux := http.NewServeMux()
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
	// The wasm files the workers fetched name the build they ran.
	var fetchedMu sync.Mutex
	fetched := map[string]bool{}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := strings.TrimPrefix(r.URL.Path, "/"); p == "worker.wasm" || p == "worker-relaxed.wasm" {
			fetchedMu.Lock()
			fetched[p] = true
			fetchedMu.Unlock()
		}
		app.ServeHTTP(w, r)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	opts := append(chromium.Options(exe, filepath.Join(dir, "chromium-profile")),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer allocCancel()
	bctx, bcancel := chromedp.NewContext(allocCtx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil {
		return fmt.Errorf("starting Chromium (%s): %w", exe, err)
	}
	rep := &appBenchReport{Browser: exe, Image: img, CIFAR: cifarImg}
	if out, err := exec.Command(exe, "--version").Output(); err == nil {
		rep.Browser = strings.TrimSpace(string(out))
	}
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
	fetchedMu.Lock()
	rep.Engine = strings.Join(slices.Sorted(maps.Keys(fetched)), " + ") // both: a helper ran the other build, a bug
	fetchedMu.Unlock()
	if len(rep.Rows) > 0 {
		var werr error
		if o.json {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			werr = enc.Encode(rep)
		} else {
			werr = rep.writeTable(stdout)
		}
		if runErr == nil {
			runErr = werr
		}
	}
	return runErr
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
