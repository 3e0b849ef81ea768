package archbench

import (
	"bufio"
	"fmt"
	"os"
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

// TestLayerProfile prints, for each architecture of ProfileEnv, the median
// time of every node of a single-worker pass and the totals per op kind
// (from engine.Result.Timings), so that the layers that lose to a
// reference runtime can be found in the engine as the browser runs it.
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
	for _, name := range strings.Split(list, ",") {
		profileArch(t, strings.TrimSpace(name), runs)
	}
}

func profileArch(t *testing.T, name string, runs int) {
	m := load(t, name)
	if dir := os.Getenv(ONNXDirEnv); dir != "" {
		writeONNX(t, name, dir)
	}
	p, in := warmProgram(t, m, 1)
	var passes []time.Duration
	var per [][]engine.NodeTiming
	for r := 0; r < runs; r++ {
		start := time.Now()
		res, err := p.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		passes = append(passes, time.Since(start))
		per = append(per, res.Timings)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: pass median %.1f ms (min %.1f) over %d runs, one worker\n", name, ms(median(passes)), ms(minDur(passes)), runs)
	kinds := map[string]time.Duration{}
	var total, totalMin time.Duration
	for i, nt := range per[0] {
		ds := make([]time.Duration, runs)
		for r := range per {
			ds[r] = per[r][i].Duration
		}
		d, lo := median(ds), minDur(ds)
		total += d
		totalMin += lo
		kinds[nt.Op.String()] += d
		// The minimum beside the median: on a machine busy with other
		// work it is the steadier estimate of what the node costs.
		fmt.Fprintf(&b, "  %-40s %-12s %8.2f ms (min %.2f)\n", nt.Node, nt.Op, ms(d), ms(lo))
	}
	fmt.Fprintf(&b, "  sum of node minimums %.1f ms\n", ms(totalMin))
	type kv struct {
		k string
		d time.Duration
	}
	var ks []kv
	for k, d := range kinds {
		ks = append(ks, kv{k, d})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].d > ks[j].d })
	fmt.Fprintf(&b, "  by op kind (sum of node medians %.1f ms):\n", ms(total))
	for _, e := range ks {
		fmt.Fprintf(&b, "    %-12s %8.2f ms %5.1f%%\n", e.k, ms(e.d), 100*float64(e.d)/float64(total))
	}
	t.Log("\n" + b.String())
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
