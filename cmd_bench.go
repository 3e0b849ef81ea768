package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"convscope/models"
	"convscope/models/builtin"
)

func init() {
	register("bench", "speed of the engine against onnxruntime (node and web), as ratios measured in one run", runBench)
}

func runBench(args []string) error { return benchCmd(args, os.Stdout, os.Stderr) }

// benchArchs are the architectures benchmarked by default: the classic
// ImageNet networks of issue 7.
var benchArchs = []string{"alexnet", "vgg16", "googlenet", "resnet18", "resnet50"}

// benchOptions are the parsed flags of bench.
type benchOptions struct {
	json, native, browser bool
	models                []string
	runs                  int
	threads               []int
	root                  string // module root: tools/bench and the wasm sources are under it
	print                 string // a saved -json report to print as a table instead of measuring
	app                   bool   // -browser -app: the app worker's memory instead of the engine's speed
	page                  bool   // -browser -app -page: the real app page's pick-to-top-5 time
	explain               bool   // -app: also ask the worker to explain (occlusion runs the network 65 times)
	image                 string // -app: the photo the worker classifies
	engine                string // -browser: "relaxed" or "plain", the wasm engine build
}

func parseBenchFlags(args []string, stderr io.Writer) (*benchOptions, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &benchOptions{}
	fs.BoolVar(&o.json, "json", false, "print the results as one JSON object")
	fs.BoolVar(&o.native, "native", false, "Go engine vs onnxruntime-node (default: both modes)")
	fs.BoolVar(&o.browser, "browser", false, "Go engine in wasm vs onnxruntime-web in headless Chromium (default: both modes)")
	list := fs.String("archs", strings.Join(benchArchs, ","), "comma-separated architectures (see models.ArchNames)")
	fs.IntVar(&o.runs, "runs", 5, "timed runs per measurement, after the warm-up (1 run natively, 3 s of runs in the browser); the median is reported")
	fs.StringVar(&o.print, "print", "", "print `FILE`, a report saved with -json, as a table (or JSON with -json) without measuring")
	fs.BoolVar(&o.app, "app", false, "with -browser: the peak WebAssembly memory of the app's own worker (worker.wasm, as the page runs it) on random-weight model files, instead of the speed comparison")
	fs.BoolVar(&o.page, "page", false, "with -browser -app: time the real app page (index.html + app.wasm) as a user picks images: from the file input's change event to the top-5 shown and painted, per model (default -archs: the built-in models)")
	fs.BoolVar(&o.explain, "explain", true, "with -app: also explain the top class (CAM, or occlusion: 65 runs of the network)")
	fs.StringVar(&o.engine, "engine", "relaxed", "with -browser: the WebAssembly engine build, relaxed (relaxed-SIMD FMA kernels, -tags convscope_relaxed: worker-relaxed.wasm, what the app loads where the browser has relaxed SIMD, as Chromium does) or plain (SIMD128 multiply then add: worker.wasm)")
	fs.StringVar(&o.image, "image", "", "with -app: the photo the worker classifies (default: the dog of the app's gallery for the model's dataset, ../shared/data/samples/dog.jpg for ImageNet models, static/samples/cifar10/dog.jpg for CIFAR-10 ones)")
	threads := fs.String("threads", "1,all", "comma-separated thread counts for -native (engine Workers = onnxruntime intraOpNumThreads), worker counts for -app; all = every CPU; with -app, default = the count the app chooses (one worker for a model with too little work to split, else by its memory estimate)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: convscope bench [-json] [-native] [-browser] [-archs a,b] [-runs 5] [-threads 1,all] [-print FILE]
       convscope bench -browser -app [-json] [-archs a,b] [-threads 1,all] [-explain=false] [-image FILE]
       convscope bench -browser -app -page [-json] [-archs a,b] [-runs 5] [-engine plain]

Build with GOEXPERIMENT=simd (GOEXPERIMENT=simd go run . bench) so the native
engine uses its SIMD kernels; the wasm engine is always built with them.

Runs ConvScope's engine and onnxruntime on the same architectures, exported
from the Go definitions with the same random weights to ONNX, and prints
per-model medians, ratios (ours/reference) and peak memory. ConvScope runs
the model file as the app does (int8 weights, kept int8 in memory; its peak
includes loading the file), onnxruntime the float32 ONNX export, so the
logit difference includes the int8 quantization.

The reference runtimes come from npm and are not installed by bench:

    cd tools/bench && npm ci --ignore-scripts

-browser also needs Chromium (/usr/bin/chromium or $CHROMIUM). The engine
runs in its relaxed-SIMD build, as the app serves it to Chromium; -engine
plain measures the plain SIMD128 build (the app's fallback). The browser
mode runs one engine instance in a Web Worker against onnxruntime-web with
the wasm backend, SIMD on, one thread; then a second row per model, threads
N/1: the engine split over N Web Workers, N = navigator.hardwareConcurrency
(every conv and fc layer by output channels, each worker holding its part of
the weights, or a conv with few weights by bands of output rows, each
worker holding all of them; the parts exchanged through
SharedArrayBuffers; CONVSCOPE_BENCH_PROFILE=1 prints where the split
loses against half the one-worker time, node by node), against the
same onnxruntime-web runs. The one-worker engine, the split one and
onnxruntime-web take turns run by run, so that all meet the same load. The
split engine's time is the slowest worker's per run, its
peak memory the sum of the workers' WebAssembly memories and the shared
buffers; bench fails unless its logits equal the one-worker engine's bit for
bit.

-browser -app measures memory instead: it builds the app, serves it and
random-weight model files of the architectures, and drives the app's own
worker in headless Chromium (load, classify the photo, every layer's maps,
explain, two slides, classify again), printing the worker's WebAssembly
memory after each stage (it never shrinks: the peak so far). -threads are
then the worker counts asked of the app (one row each): the engine worker
alone, or with helper workers each holding a share of the model; their
memories are summed. With two counts or more it also times classifies as a
user waits for them: from the page posting the image to the Result in the
page, each worker left idle 2 s after its load (its warm-up), the first
classify and the median of -runs more, the counts taking turns. It needs
Chromium, not onnxruntime.

-browser -app -page times the real app page instead (index.html + app.wasm,
the Vugu UI, served by the real server): in one tab (window 1280x900) it
chooses each model by its Use button (the built-in models of -archs, the
others as random-weights model files; default: every built-in model), waits
2 s, then sets the file input to a new image (CIFAR-10 test images of every
class in turn, or the sample photos for ImageNet models) 1+runs times, 1 s
apart, and measures in the page from the input's change event to #top5
showing the new run (its data-run set to it, or #result's data-runs on
pages before feceed3), to the next frame painted, and to the whole page
rendered (data-runs set), beside the worker's own figures from #timing
(the Result's ms and its inference run_ms) and the page's long tasks. The
first pick is shown apart. CONVSCOPE_BENCH_PROFILE=1 adds two picks per
model, one traced and one under the CPU profiler, and prints where the
page's main thread spent them (trace events; functions, Go packages and
scripts). It uses only DOM ids the page has had since
session 14, so run from an older revision's worktree it times that
revision's page (it builds the site from the current directory).

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.page {
		o.app = true
	}
	if o.page && o.image != "" {
		return nil, errors.New("-page picks several images (each pick a new one): -image is for -app without -page")
	}
	if o.app && o.native {
		return nil, errors.New("-app measures the app worker in the browser: use it with -browser, not -native")
	}
	if o.app {
		o.browser = true
	}
	if o.engine != "relaxed" && o.engine != "plain" {
		return nil, fmt.Errorf("-engine %q: want relaxed or plain", o.engine)
	}
	if !o.native && !o.browser {
		o.native, o.browser = true, true
	}
	if o.runs < 1 || o.runs > 1000 {
		return nil, fmt.Errorf("-runs %d: want 1 to 1000", o.runs)
	}
	archsSet := false
	fs.Visit(func(f *flag.Flag) { archsSet = archsSet || f.Name == "archs" })
	if o.page && !archsSet {
		*list = strings.Join(builtin.Names(), ",")
	}
	for _, m := range strings.Split(*list, ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if _, err := models.ArchDataset(m); err != nil {
			return nil, fmt.Errorf("-archs: %w", err)
		}
		if !slices.Contains(o.models, m) {
			o.models = append(o.models, m)
		}
	}
	if len(o.models) == 0 {
		return nil, errors.New("-archs: no architecture given")
	}
	for _, t := range strings.Split(*threads, ",") {
		t = strings.TrimSpace(t)
		n := runtime.NumCPU()
		if t == "default" && o.app {
			n = 0 // Load's Workers 0: the count the app chooses itself
		} else if t != "all" {
			var err error
			if n, err = strconv.Atoi(t); err != nil || n < 1 || n > 256 {
				return nil, fmt.Errorf("-threads: %q is not a thread count (1 to 256, or all)", t)
			}
		}
		if !slices.Contains(o.threads, n) {
			o.threads = append(o.threads, n)
		}
	}
	return o, nil
}

func benchCmd(args []string, stdout, stderr io.Writer) error {
	o, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.print != "" {
		return printBenchReport(o.print, o.json, stdout)
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if o.root, err = findModuleRoot(wd); err != nil {
		return fmt.Errorf("bench builds the wasm engine and reads tools/bench from the source tree: %w", err)
	}
	if o.page {
		return benchAppPage(o, stdout, stderr)
	}
	if o.app {
		return benchApp(o, stdout, stderr)
	}
	rep, err := runBenchmarks(o, stderr)
	if rep != nil && len(rep.Rows) > 0 {
		if werr := printReport(stdout, o.json, rep); err == nil {
			err = werr
		}
	}
	return err
}

// runBenchmarks checks the tools first (so a missing install fails in a
// second, not after exporting VGG16), then measures model after model.
// It returns what it measured even when a later step fails.
func runBenchmarks(o *benchOptions, logw io.Writer) (*benchReport, error) {
	rep := &benchReport{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), Runs: o.runs,
	}
	if la := loadAvg(); la != "" {
		rep.LoadAvg = append(rep.LoadAvg, la)
		defer func() {
			if la := loadAvg(); la != "" {
				rep.LoadAvg = append(rep.LoadAvg, la)
			}
		}()
	}
	if o.native && !builtWithSIMD() {
		rep.Notes = append(rep.Notes, "the native engine was built without GOEXPERIMENT=simd (generic kernels); run `GOEXPERIMENT=simd go run . bench` for the SIMD kernels")
	}
	var node, nodeTools string
	var br *benchBrowser
	if o.native {
		var err error
		if nodeTools, err = benchTools(o.root, "onnxruntime-node"); err != nil {
			return nil, err
		}
		if node, err = nodeBinary(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "convscope-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if o.browser {
		webTools, err := benchTools(o.root, "onnxruntime-web")
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(logw, "bench: building the wasm engine and starting Chromium")
		if br, err = startBenchBrowser(o.root, webTools, dir, o.engine); err != nil {
			return nil, err
		}
		defer br.close()
		br.log = logw
		rep.Browser = br.version
	}
	for _, name := range o.models {
		fmt.Fprintf(logw, "bench: %s: exporting (random weights, seed %d) and checking the ONNX round trip\n", name, benchSeed)
		bm, err := prepareBenchModel(name, dir)
		if err != nil {
			return rep, err
		}
		if o.native {
			fmt.Fprintf(logw, "bench: %s: native, threads %v\n", name, o.threads)
			if err := benchNative(bm, node, nodeTools, o.threads, o.runs, rep); err != nil {
				return rep, err
			}
		}
		if o.browser {
			fmt.Fprintf(logw, "bench: %s: browser\n", name)
			if err := br.bench(bm, o.runs, rep); err != nil {
				return rep, err
			}
		}
		// Free this model's files before the next one (VGG16's are 700 MB).
		os.Remove(bm.onnx)
		os.Remove(bm.csm)
	}
	return rep, nil
}

// printBenchReport re-prints a report saved with -json, so tables of
// earlier runs (the before and after of a speed-up) can be shown side by
// side.
func printBenchReport(path string, asJSON bool, w io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var rep benchReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("%s: not a bench -json report: %w", path, err)
	}
	if len(rep.Rows) == 0 {
		return fmt.Errorf("%s: report has no rows", path)
	}
	return printReport(w, asJSON, &rep)
}

// builtWithSIMD reports whether this binary was built with
// GOEXPERIMENT=simd, which selects the engine's SIMD kernels natively (the
// browser's wasm engine is always built with it).
func builtWithSIMD() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "GOEXPERIMENT" {
			for _, e := range strings.Split(s.Value, ",") {
				if e == "simd" {
					return true
				}
			}
		}
	}
	return false
}
