package archbench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"convscope/engine"
	"convscope/engine/onnx"
	"convscope/models"
)

// ProfileEnv names the architectures TestLayerProfile profiles (a comma
// list, e.g. "alexnet,resnet18"); unset, the test skips. It is a test, not
// a benchmark, so it runs the same way natively and in Node
// (GOOS=js GOARCH=wasm go test -exec go_js_wasm_exec), where the wasm
// engine's per-layer costs are the ones the browser sees.
const ProfileEnv = "ARCHBENCH_PROFILE"

// ProfileRunsEnv sets how many timed passes TestLayerProfile takes (default
// 5, after one warm-up); each layer's figure is its median.
const ProfileRunsEnv = "ARCHBENCH_RUNS"

// ONNXDirEnv, when set, makes TestLayerProfile also write each profiled
// architecture's float32 graph (the same random weights) as DIR/NAME.onnx,
// so that onnxruntime's own per-op profile of the same model can be taken
// beside ours.
const ONNXDirEnv = "ARCHBENCH_ONNX_DIR"

// WorkersEnv sets the worker counts TestLayerProfile profiles each
// architecture with, a comma list (default "1"; e.g. "1,2"). With several,
// the passes of the counts take turns (so that a busy spell of the machine
// falls on all of them) and every node and op kind gets one column per
// count plus the ratio of the first count's time to the last's: how far a
// layer is from the ideal factor (2.00 for "1,2").
const WorkersEnv = "ARCHBENCH_WORKERS"

// TestLayerProfile prints, for each architecture of ProfileEnv, the median
// time of every node of a pass and the totals per op kind (from
// engine.Result.Timings), for each worker count of WorkersEnv, so that the
// layers that lose to a reference runtime can be found in the engine as
// the browser runs it, and the layers where more threads gain little.
func TestLayerProfile(t *testing.T) {
	list := os.Getenv(ProfileEnv)
	if list == "" {
		t.Skipf("set %s=alexnet,... to profile architectures layer by layer", ProfileEnv)
	}
	runs := 5
	if s := os.Getenv(ProfileRunsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive integer", ProfileRunsEnv, s)
		}
		runs = n
	}
	workers := []int{1}
	if s := os.Getenv(WorkersEnv); s != "" {
		workers = workers[:0]
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				t.Fatalf("%s=%q: want a comma list of positive integers", WorkersEnv, s)
			}
			workers = append(workers, n)
		}
	}
	for _, name := range strings.Split(list, ",") {
		profileArch(t, strings.TrimSpace(name), runs, workers)
	}
}

func profileArch(t *testing.T, name string, runs int, workers []int) {
	m := load(t, name)
	if dir := os.Getenv(ONNXDirEnv); dir != "" {
		writeONNX(t, name, dir)
	}
	progs := make([]*engine.Program, len(workers))
	var in map[string]*engine.Tensor
	for i, w := range workers {
		progs[i], in = warmProgram(t, m, w)
	}
	// passes[i][r] and per[i][r] are pass r with workers[i]; work[i][j]
	// sums node j's CPU time (all threads) and wait over the passes.
	passes := make([][]time.Duration, len(workers))
	per := make([][][]engine.NodeTiming, len(workers))
	work := make([][]nodeWork, len(workers))
	// The passes' goroutine keeps its thread, so that its CPU time is
	// read from one thread's clock (see engine.ParallelCounters).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	engine.TraceParallel(true)
	defer engine.TraceParallel(false)
	for r := 0; r < runs; r++ {
		for i, p := range progs {
			last := engine.ReadParallelCounters()
			start := time.Now()
			res, err := p.RunWith(in, engine.RunOptions{Progress: func(done, _ int, _ engine.NodeTiming) {
				c := engine.ReadParallelCounters()
				for len(work[i]) < done {
					work[i] = append(work[i], nodeWork{})
				}
				w := &work[i][done-1]
				w.cpu += c.ThreadCPU - last.ThreadCPU + c.HelperCPU - last.HelperCPU
				w.helper += c.HelperCPU - last.HelperCPU
				w.wait += c.Wait - last.Wait
				last = engine.ReadParallelCounters()
			}})
			if err != nil {
				t.Fatal(err)
			}
			passes[i] = append(passes[i], time.Since(start))
			per[i] = append(per[i], res.Timings)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d runs each, median ms (min) per worker count", name, runs)
	if len(workers) > 1 {
		fmt.Fprintf(&b, "; x = w%d time / w%d time", workers[0], workers[len(workers)-1])
	}
	b.WriteString("\n")
	row := func(label, op string, med, lo []time.Duration) {
		fmt.Fprintf(&b, "  %-40s %-12s", label, op)
		for i := range med {
			fmt.Fprintf(&b, " %8.2f (%6.2f)", ms(med[i]), ms(lo[i]))
		}
		if len(med) > 1 && med[len(med)-1] > 0 {
			fmt.Fprintf(&b, " x%.2f", float64(med[0])/float64(med[len(med)-1]))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "  %-40s %-12s", "", "")
	for _, w := range workers {
		fmt.Fprintf(&b, " %17s", fmt.Sprintf("w%d", w))
	}
	b.WriteString("\n")
	k := len(workers)
	passMed, passMin := make([]time.Duration, k), make([]time.Duration, k)
	for i := range workers {
		passMed[i], passMin[i] = median(passes[i]), minDur(passes[i])
	}
	row("pass", "", passMed, passMin)
	// at[i][j] is where node j of the first count's pass is in count i's:
	// programs of different worker counts may order their nodes
	// differently (with several workers a ResNet block's residual Add
	// goes to the main path's conv, which then runs after the downsample
	// conv: engine's fuseAdd).
	at := make([][]int, k)
	for i := range workers {
		pos := map[string]int{}
		for jj, nt := range per[i][0] {
			pos[nt.Node] = jj
		}
		at[i] = make([]int, len(per[0][0]))
		for j, nt := range per[0][0] {
			jj, ok := pos[nt.Node]
			if !ok {
				t.Fatalf("%s: node %s not in the %d-worker program", name, nt.Node, workers[i])
			}
			at[i][j] = jj
		}
	}
	kinds := map[string][]time.Duration{}
	var order []string
	total, totalMin := make([]time.Duration, k), make([]time.Duration, k)
	for j, nt := range per[0][0] {
		med, lo := make([]time.Duration, k), make([]time.Duration, k)
		for i := range workers {
			ds := make([]time.Duration, runs)
			for r := range per[i] {
				ds[r] = per[i][r][at[i][j]].Duration
			}
			med[i], lo[i] = median(ds), minDur(ds)
			total[i] += med[i]
			totalMin[i] += lo[i]
		}
		op := nt.Op.String()
		if kinds[op] == nil {
			kinds[op] = make([]time.Duration, k)
			order = append(order, op)
		}
		for i := range med {
			kinds[op][i] += med[i]
		}
		// The minimum beside the median: on a machine busy with other
		// work it is the steadier estimate of what the node costs.
		row(nt.Node, op, med, lo)
	}
	row("sum of nodes", "", total, totalMin)
	// What a pass spends outside its nodes' timings (the run loop's own
	// work: buffers from the memory plan, the map of values).
	outMed, outMin := make([]time.Duration, k), make([]time.Duration, k)
	for i := range workers {
		gaps := make([]time.Duration, runs)
		for r, ts := range per[i] {
			gaps[r] = passes[i][r]
			for _, nt := range ts {
				gaps[r] -= nt.Duration
			}
		}
		outMed[i], outMin[i] = median(gaps), minDur(gaps)
	}
	row("outside nodes", "", outMed, outMin)
	writeWork(&b, per[0][0], at, workers, work, runs)
	sort.SliceStable(order, func(a, c int) bool { return kinds[order[a]][0] > kinds[order[c]][0] })
	b.WriteString("  by op kind (sums of node medians; % of the first count's):\n")
	for _, op := range order {
		fmt.Fprintf(&b, "    %-12s", op)
		for i := range workers {
			fmt.Fprintf(&b, " %8.2f ms", ms(kinds[op][i]))
		}
		fmt.Fprintf(&b, " %5.1f%%", 100*float64(kinds[op][0])/float64(total[0]))
		if k > 1 && kinds[op][k-1] > 0 {
			fmt.Fprintf(&b, " x%.2f", float64(kinds[op][0])/float64(kinds[op][k-1]))
		}
		b.WriteString("\n")
	}
	t.Log("\n" + b.String())
}

// nodeWork is one node's CPU time over all threads (its helpers' share
// in helper) and its wall time waiting at loop ends for helpers, summed
// over passes.
type nodeWork struct{ cpu, helper, wait time.Duration }

// writeWork prints the CPU time of every node per worker count (mean per
// pass, all threads; node j of count i's pass at[i][j]), what the last count adds to the first's and the
// time its run waited for helpers: on a quiet machine, where a layer's
// time with two workers is more than half its time with one, whether
// splitting it added work or it waited (per-thread clocks; Linux only).
func writeWork(b *strings.Builder, nodes []engine.NodeTiming, at [][]int, workers []int, work [][]nodeWork, runs int) {
	k := len(workers)
	if k < 2 || len(work[0]) == 0 || work[0][0].cpu == 0 {
		return
	}
	mean := func(d time.Duration) float64 { return ms(d) / float64(runs) }
	fmt.Fprintf(b, "  CPU ms per pass, all threads (helpers' share), and w%d's wait for helpers:\n", workers[k-1])
	var tot [2]nodeWork
	for j, nt := range nodes {
		a, c := work[0][at[0][j]], work[k-1][at[k-1][j]]
		tot[0].cpu += a.cpu
		tot[1].cpu += c.cpu
		tot[1].helper += c.helper
		tot[1].wait += c.wait
		fmt.Fprintf(b, "  %-40s %-12s %8.2f %8.2f (%5.2f) %+6.2f wait %5.2f\n", nt.Node, nt.Op, mean(a.cpu), mean(c.cpu), mean(c.helper), mean(c.cpu-a.cpu), mean(c.wait))
	}
	fmt.Fprintf(b, "  %-40s %-12s %8.2f %8.2f (%5.2f) %+6.2f wait %5.2f\n", "all nodes", "", mean(tot[0].cpu), mean(tot[1].cpu), mean(tot[1].helper), mean(tot[1].cpu-tot[0].cpu), mean(tot[1].wait))
}

// writeONNX writes name's float32 graph with load's random weights to
// dir/name.onnx.
func writeONNX(t testing.TB, name, dir string) {
	def, err := models.Arch(name)
	if err != nil {
		t.Fatal(err)
	}
	g, err := def.Graph(def.RandomStateDict(1))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(dir + "/" + name + ".onnx")
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = onnx.WriteModel(w, g)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func minDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds[1:] {
		m = min(m, d)
	}
	return m
}
