package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"convscope/engine"
	"convscope/engine/onnx"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// benchSeed seeds the random weights of every benchmarked model; speed does
// not depend on the values, and a fixed seed makes runs comparable.
const benchSeed = 20261127

// benchInput is the input both runtimes get: a fixed pattern in [-1, 1),
// x[i] = ((i*7919) % 1000)/500 - 1, which tools/bench/node_bench.js and
// bench.js compute the same way.
func benchInput(shape []int) (*engine.Tensor, error) {
	x, err := engine.NewTensor(shape...)
	if err != nil {
		return nil, err
	}
	for i := range x.Data {
		x.Data[i] = float32((i*7919)%1000)/500 - 1
	}
	return x, nil
}

// benchModel is one architecture prepared for benchmarking: the files the
// runtimes read. ConvScope's engine runs the model file, as the app and
// classify do (int8 weights, kept int8 in memory); onnxruntime runs the
// float32 ONNX export of the same random weights.
type benchModel struct {
	name string
	def  *models.Def
	onnx string // path of the exported ONNX model
	csm  string // path of the model file (int8, as the app loads it)
	// logits is the Go graph's output for benchInput, the reference for
	// the round-trip check and the cross-runtime comparison.
	logits []float32
}

// prepareBenchModel builds the architecture with random weights, exports
// it to ONNX in dir, checks that the exported file read back through
// engine/onnx gives the Go graph's logits, and writes the model file both
// benches load. The float32 graph is not kept: the native bench measures
// the memory of the model as the app holds it.
func prepareBenchModel(name, dir string) (*benchModel, error) {
	def, err := models.Arch(name)
	if err != nil {
		return nil, err
	}
	sd := def.RandomStateDict(benchSeed)
	g, err := def.Graph(sd)
	if err != nil {
		return nil, err
	}
	bm := &benchModel{name: name, def: def, onnx: filepath.Join(dir, name+".onnx")}
	if err := writeONNXFile(bm.onnx, g); err != nil {
		return nil, fmt.Errorf("%s: export to ONNX: %w", name, err)
	}
	x, err := benchInput(def.Input)
	if err != nil {
		return nil, err
	}
	bm.logits, err = runOnce(g, x)
	if err != nil {
		return nil, fmt.Errorf("%s: Go graph: %w", name, err)
	}
	if err := checkONNXRoundTrip(bm.onnx, x, bm.logits); err != nil {
		return nil, fmt.Errorf("%s: ONNX round trip: %w", name, err)
	}
	bm.csm = filepath.Join(dir, name+".csm")
	if err := writeBenchModelFile(def, sd, name, name, bm.csm); err != nil {
		return nil, err
	}
	return bm, nil
}

// writeBenchModelFile writes architecture arch with the state dict sd as
// the int8 model file path, named name (the form `fetch` stores real
// weights in, which the app and the wasm bench load).
func writeBenchModelFile(def *models.Def, sd map[string]*engine.Tensor, arch, name, path string) error {
	ds, err := models.ArchDataset(arch)
	if err != nil {
		return err
	}
	lb, err := labels.For(ds)
	if err != nil {
		return err
	}
	spec := preprocess.ImageNet()
	if ds == "cifar10" {
		spec = preprocess.CIFAR10()
	}
	f, err := models.Convert(def, sd, models.Meta{Name: name, Dataset: ds, Labels: lb, Preprocess: spec,
		Source: fmt.Sprintf("random weights, seed %d (convscope bench)", benchSeed)})
	if err != nil {
		return fmt.Errorf("%s: convert: %w", arch, err)
	}
	return modelfile.Write(path, f)
}

func writeONNXFile(path string, g *engine.Graph) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = onnx.WriteModel(w, g)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// runOnce compiles g (fusion on, one worker) and returns its output.
func runOnce(g *engine.Graph, x *engine.Tensor) ([]float32, error) {
	p, err := engine.Compile(g, engine.Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	res, err := p.Run(map[string]*engine.Tensor{g.Inputs[0].Name: x})
	if err != nil {
		return nil, err
	}
	return res.Outputs[g.Outputs[0]].Data, nil
}

// roundTripTolerance bounds |logit difference| relative to the largest
// logit: both sides run the same float32 kernels, so only summation order
// may differ.
const roundTripTolerance = 1e-4

func checkONNXRoundTrip(path string, x *engine.Tensor, want []float32) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m, err := onnx.ReadModel(data)
	if err != nil {
		return err
	}
	data = nil // the bytes are not needed once decoded
	g, err := m.ToGraph()
	if err != nil {
		return err
	}
	got, err := runOnce(g, x)
	if err != nil {
		return err
	}
	scale := 1.0
	for _, v := range want {
		scale = max(scale, float64(max(v, -v)))
	}
	if d := maxAbsDiff(got, want); d > roundTripTolerance*scale {
		return fmt.Errorf("logits read back differ from the Go graph's by %g (largest logit %g)", d, scale)
	}
	return nil
}

// goRunner is the Go engine's side of a native measurement: the model
// file loaded as the app loads it (models.LoadBytes), compiled with the
// given workers and warmed up by one run.
type goRunner struct {
	p      *engine.Program
	in     map[string]*engine.Tensor
	out    string
	logits []float32
	peakOK bool // VmHWM was reset before loading: peakRSS is this model's
}

func newGoRunner(path string, x *engine.Tensor, workers int) (*goRunner, error) {
	runtime.GC()
	debug.FreeOSMemory()
	canPeak := resetPeakRSS() == nil
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := models.LoadBytes(data)
	if err != nil {
		return nil, err
	}
	p, err := m.Program(engine.Options{Workers: workers})
	if err != nil {
		return nil, err
	}
	g := m.Graph()
	r := &goRunner{p: p, in: map[string]*engine.Tensor{g.Inputs[0].Name: x}, out: g.Outputs[0], peakOK: canPeak}
	if _, err := r.run(); err != nil { // warm-up
		return nil, err
	}
	return r, nil
}

// run times one run in milliseconds and keeps its logits.
func (r *goRunner) run() (float64, error) {
	start := time.Now()
	res, err := r.p.Run(r.in)
	if err != nil {
		return 0, err
	}
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	r.logits = res.Outputs[r.out].Data
	return ms, nil
}

// loadAvg returns the first three fields of /proc/loadavg, "" when unknown.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// resetPeakRSS resets the kernel's peak resident set (VmHWM) of this
// process, so peakRSS measures from now (Linux 4.0+; an error elsewhere).
func resetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns VmHWM from /proc/self/status in bytes, 0 when unknown.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// nodeResult is the last JSON line tools/bench/node_bench.js prints.
type nodeResult struct {
	Version string    `json:"version"`
	Threads int       `json:"threads"`
	Peak    int64     `json:"peak_rss_bytes"`
	Output  []float32 `json:"output"`
}

// errNoNodeModules is returned when the reference runtimes are not
// installed; the message says how to install them.
var errNoNodeModules = errors.New("the reference runtimes are not installed: run `cd tools/bench && npm ci --ignore-scripts` (bench installs nothing itself)")

// benchTools locates tools/bench under the module root and checks that
// Node.js and the npm package dir are there.
func benchTools(root, pkg string) (string, error) {
	dir := filepath.Join(root, "tools", "bench")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
		return "", fmt.Errorf("%s not found in %s: %w", pkg, filepath.Join(dir, "node_modules"), errNoNodeModules)
	}
	return dir, nil
}

// nodeBinary finds Node.js.
func nodeBinary() (string, error) {
	p, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("node (Node.js) not found in $PATH: onnxruntime-node needs it (Debian: apt-get install nodejs)")
	}
	return p, nil
}

// nodeRunner is onnxruntime-node's side of a native measurement, in a
// process of its own (so its peak RSS is its own) that times one run each
// time it is asked (tools/bench/node_bench.js).
type nodeRunner struct {
	name   string // the model file's base name, for errors
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Scanner
	stderr bytes.Buffer
}

// startNodeRunner starts node_bench.js on model and waits until its
// session is created and warmed up.
func startNodeRunner(node, toolsDir, model string, threads int) (*nodeRunner, error) {
	r := &nodeRunner{name: filepath.Base(model)}
	r.cmd = exec.Command(node, filepath.Join(toolsDir, "node_bench.js"), model, strconv.Itoa(threads))
	r.cmd.Dir = toolsDir
	r.cmd.Stderr = &r.stderr
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	r.stdout = bufio.NewScanner(out)
	r.stdout.Buffer(nil, 64<<20) // the last line holds the logits
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("onnxruntime-node on %s: %w", r.name, err)
	}
	var ready struct {
		Ready bool `json:"ready"`
	}
	if err := r.read(&ready); err != nil {
		r.kill()
		return nil, err
	}
	if err := r.pause(); err != nil {
		r.kill()
		return nil, fmt.Errorf("onnxruntime-node on %s: pausing it: %w", r.name, err)
	}
	return r, nil
}

// read decodes the process's next line into v; a process that died says why.
func (r *nodeRunner) read(v any) error {
	if !r.stdout.Scan() {
		err := r.stdout.Err()
		if err == nil {
			err = r.cmd.Wait()
		}
		return fmt.Errorf("onnxruntime-node on %s: %v\n%s", r.name, err, strings.TrimSpace(r.stderr.String()))
	}
	if err := json.Unmarshal(r.stdout.Bytes(), v); err != nil {
		return fmt.Errorf("onnxruntime-node on %s: reading its output: %w", r.name, err)
	}
	return nil
}

// run times one onnxruntime run, in milliseconds: the paused process
// goes on for the run and is paused again after it.
func (r *nodeRunner) run() (float64, error) {
	if err := r.resume(); err != nil {
		return 0, fmt.Errorf("onnxruntime-node on %s: resuming it: %w", r.name, err)
	}
	if _, err := io.WriteString(r.stdin, "run\n"); err != nil {
		return 0, fmt.Errorf("onnxruntime-node on %s: %w", r.name, err)
	}
	var t struct {
		MS *float64 `json:"ms"`
	}
	if err := r.read(&t); err != nil {
		return 0, err
	}
	if t.MS == nil {
		return 0, fmt.Errorf("onnxruntime-node on %s: a run printed no time", r.name)
	}
	if err := r.pause(); err != nil {
		return 0, fmt.Errorf("onnxruntime-node on %s: pausing it: %w", r.name, err)
	}
	return *t.MS, nil
}

// finish ends the process and returns its version, peak RSS and logits.
func (r *nodeRunner) finish() (*nodeResult, error) {
	if err := r.resume(); err != nil {
		r.kill()
		return nil, fmt.Errorf("onnxruntime-node on %s: resuming it: %w", r.name, err)
	}
	if _, err := io.WriteString(r.stdin, "end\n"); err != nil {
		r.kill()
		return nil, fmt.Errorf("onnxruntime-node on %s: %w", r.name, err)
	}
	var res nodeResult
	if err := r.read(&res); err != nil {
		r.kill()
		return nil, err
	}
	r.stdin.Close()
	if err := r.cmd.Wait(); err != nil {
		return nil, fmt.Errorf("onnxruntime-node on %s: %v\n%s", r.name, err, strings.TrimSpace(r.stderr.String()))
	}
	return &res, nil
}

// kill stops the process after an error.
func (r *nodeRunner) kill() {
	r.stdin.Close()
	r.cmd.Process.Kill()
	r.cmd.Wait()
}

// settle is the rest before each run: the Go engine's helpers spin up to
// 200 µs after a parallel loop before they park, which would otherwise
// take a core from onnxruntime's next run (onnxruntime's own spinning
// threads are paused between its runs: nodeRunner.pause).
const settle = 10 * time.Millisecond

// benchNative measures one model natively at each thread count. The Go
// engine and onnxruntime-node take turns run by run (the first side
// alternating too), so that on a busy machine both meet the same load and
// the ratio of one bench run means something.
func benchNative(bm *benchModel, node, toolsDir string, threads []int, runs int, rep *benchReport) error {
	x, err := benchInput(bm.def.Input)
	if err != nil {
		return err
	}
	for _, th := range threads {
		ours, err := newGoRunner(bm.csm, x, th)
		if err != nil {
			return fmt.Errorf("%s: Go engine: %w", bm.name, err)
		}
		ref, err := startNodeRunner(node, toolsDir, bm.onnx, th)
		if err != nil {
			return err
		}
		oursMS, refMS := make([]float64, 0, runs), make([]float64, 0, runs)
		for i := range runs {
			for side := range 2 {
				time.Sleep(settle)
				if (i+side)%2 == 0 {
					ms, err := ours.run()
					if err != nil {
						ref.kill()
						return fmt.Errorf("%s: Go engine: %w", bm.name, err)
					}
					oursMS = append(oursMS, ms)
				} else {
					ms, err := ref.run()
					if err != nil {
						ref.kill()
						return err
					}
					refMS = append(refMS, ms)
				}
			}
		}
		var peak int64
		if ours.peakOK {
			peak = peakRSS()
		}
		res, err := ref.finish()
		if err != nil {
			return err
		}
		rep.RefVersion = res.Version
		row := newBenchRow(bm.name, "native", bm.def.Input, th, oursMS, refMS)
		row.OursPeak, row.RefPeak = peak, res.Peak
		if row.LogitDiff = relDiff(ours.logits, res.Output); math.IsInf(row.LogitDiff, 1) {
			return fmt.Errorf("%s: the engine gave %d logits, onnxruntime-node %d", bm.name, len(ours.logits), len(res.Output))
		}
		rep.Rows = append(rep.Rows, row)
	}
	return nil
}
