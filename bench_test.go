package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"convscope/engine/onnx"
	"convscope/models"
)

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{100, 1, 2, 3, 4}, 3}, // one slow run does not move it
	}
	for _, c := range cases {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	in := []float64{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median reordered its argument")
	}
}

func TestNewBenchRowRatio(t *testing.T) {
	r := newBenchRow("m", "native", []int{1, 3, 8, 8}, 2, []float64{30, 10, 20}, []float64{5, 10, 15})
	if r.OursMS != 20 || r.RefMS != 10 || r.Ratio != 2 {
		t.Errorf("medians %v/%v ratio %v, want 20/10 ratio 2", r.OursMS, r.RefMS, r.Ratio)
	}
	if r := newBenchRow("m", "native", nil, 1, []float64{1}, nil); r.Ratio != 0 {
		t.Errorf("ratio without reference runs = %v, want 0 (not measured)", r.Ratio)
	}
	if d := maxAbsDiff([]float32{1, 2}, []float32{1.5, 1}); d != 1 {
		t.Errorf("maxAbsDiff = %v, want 1", d)
	}
	if d := maxAbsDiff([]float32{1}, []float32{1, 2}); !math.IsInf(d, 1) {
		t.Errorf("maxAbsDiff of different lengths = %v, want +Inf", d)
	}
	if d := relDiff([]float32{100, -198}, []float32{101, -200}); d != 2.0/200 {
		t.Errorf("relDiff = %v, want 2/200", d)
	}
}

func sampleReport() *benchReport {
	rep := &benchReport{GOOS: "linux", GOARCH: "amd64", CPUs: 2, GoVersion: "go1.27.3", RefVersion: "1.30.0", Runs: 3,
		LoadAvg: []string{"1.00 0.50 0.25", "1.10 0.60 0.30"}}
	a := newBenchRow("tinynet", "native", []int{1, 3, 32, 32}, 1, []float64{0.5, 0.7, 0.6}, []float64{0.2, 0.3, 0.25})
	a.OursPeak, a.RefPeak, a.LogitDiff = 12<<20, 80<<20, 7.2e-7
	b := newBenchRow("vgg16", "browser", []int{1, 3, 224, 224}, 1, []float64{10500, 10400, 10600}, []float64{1100, 1096, 1090})
	b.OursPeak, b.LogitDiff = 700<<20, -1
	rep.Rows = []benchRow{a, b}
	rep.Notes = []string{"a note"}
	return rep
}

func TestBenchTable(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().writeTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want header, load, columns, 2 rows, note:\n%s", len(lines), out)
	}
	for _, want := range []string{"onnxruntime 1.30.0", "median of 3 runs", "1.00 0.50 0.25; 1.10 0.60 0.30", "note: a note"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	row := strings.Fields(lines[3])
	want := []string{"tinynet", "3x32x32", "native", "1", "0.60", "0.25", "2.40", "12", "80", "7.2e-07"}
	if strings.Join(row, " ") != strings.Join(want, " ") {
		t.Errorf("row %q, want %q", row, want)
	}
	row = strings.Fields(lines[4])
	want = []string{"vgg16", "3x224x224", "browser", "1", "10500", "1096", "9.58", "700", "-", "-"}
	if strings.Join(row, " ") != strings.Join(want, " ") {
		t.Errorf("row %q, want %q", row, want)
	}
	// Columns line up: every ratio ends at the same offset.
	h := strings.Index(lines[2], "ours/ref") + len("ours/ref")
	if !strings.HasSuffix(lines[3][:h], "2.40") || !strings.HasSuffix(lines[4][:h], "9.58") {
		t.Errorf("ratio column not aligned with its header:\n%s", out)
	}
}

func TestBenchJSON(t *testing.T) {
	rep := sampleReport()
	var buf bytes.Buffer
	if err := rep.writeJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back benchReport
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	if len(back.Rows) != 2 || back.Rows[0].Ratio != 2.4 || back.Rows[1].Model != "vgg16" || len(back.Rows[1].OursRuns) != 3 {
		t.Errorf("JSON round trip: %+v", back.Rows)
	}
	for _, key := range []string{`"logit_rel_diff"`, `"ours_ms"`, `"ref_ms"`, `"ratio"`, `"ours_peak_bytes"`, `"ref_peak_bytes"`, `"input"`, `"threads"`, `"mode"`} {
		if !strings.Contains(buf.String(), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestParseBenchFlags(t *testing.T) {
	o, err := parseBenchFlags([]string{"-archs", "tinynet, alexnet,tinynet", "-threads", "1,all,1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !o.native || !o.browser {
		t.Error("neither -native nor -browser should mean both")
	}
	if strings.Join(o.models, ",") != "tinynet,alexnet" {
		t.Errorf("models %v, want tinynet,alexnet (deduplicated, in order)", o.models)
	}
	if len(o.threads) != 2 || o.threads[0] != 1 || o.threads[1] != runtime.NumCPU() {
		if runtime.NumCPU() != 1 {
			t.Errorf("threads %v, want [1 %d]", o.threads, runtime.NumCPU())
		}
	}
	if o.runs != 5 {
		t.Errorf("default runs %d, want 5", o.runs)
	}
	if o.engine != "relaxed" {
		t.Errorf("default engine %q, want relaxed (what the app loads in Chromium)", o.engine)
	}
	if o, err := parseBenchFlags([]string{"-browser", "-engine", "plain"}, io.Discard); err != nil || o.engine != "plain" {
		t.Errorf("-engine plain: %v", err)
	}
	for _, bad := range [][]string{
		{"-engine", "fma"},
		{"-runs", "0"},
		{"-archs", "nosuchnet"},
		{"-archs", ","},
		{"-threads", "0"},
		{"-threads", "two"},
		{"-threads", "default"}, // only -app has a default count
		{"extra"},
	} {
		if _, err := parseBenchFlags(bad, io.Discard); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// -app -threads default asks for the app's own count: Load's Workers 0.
	o, err = parseBenchFlags([]string{"-browser", "-app", "-archs", "tinynet", "-threads", "default,1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.threads) != 2 || o.threads[0] != 0 || o.threads[1] != 1 {
		t.Errorf("-app -threads default,1: threads %v, want [0 1]", o.threads)
	}
}

func TestBenchToolsMissing(t *testing.T) {
	_, err := benchTools(t.TempDir(), "onnxruntime-node")
	if !errors.Is(err, errNoNodeModules) || !strings.Contains(err.Error(), "npm ci --ignore-scripts") {
		t.Fatalf("benchTools in an empty tree: %v, want an error saying to run npm ci --ignore-scripts", err)
	}
}

// TestPrepareBenchModel: the exported ONNX reads back to the Go graph's
// logits (prepareBenchModel checks it) and the model file loads.
func TestPrepareBenchModel(t *testing.T) {
	dir := t.TempDir()
	bm, err := prepareBenchModel("tinynet", dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bm.onnx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnx.ReadModel(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Opset() != onnx.WriteOpset {
		t.Errorf("opset %d", m.Opset())
	}
	if len(bm.logits) != 10 {
		t.Errorf("%d logits, want 10", len(bm.logits))
	}
	if _, err := models.Load(bm.csm); err != nil {
		t.Errorf("model file: %v", err)
	}
	// A corrupted export fails the round-trip check.
	bad := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(bad, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	x, _ := benchInput(bm.def.Input)
	if err := checkONNXRoundTrip(bad, x, bm.logits); err == nil {
		t.Error("round-trip check of a truncated file passed")
	}
	shifted := append([]float32(nil), bm.logits...)
	shifted[0] += 1
	if err := checkONNXRoundTrip(bm.onnx, x, shifted); err == nil {
		t.Error("round-trip check against different logits passed")
	}
}

func TestBenchInput(t *testing.T) {
	x, err := benchInput([]int{1, 3, 4, 4})
	if err != nil {
		t.Fatal(err)
	}
	// The JS side computes ((i*7919) % 1000)/500 - 1: spot-check it.
	for i, want := range map[int]float32{0: -1, 1: float32(919)/500 - 1, 47: float32((47*7919)%1000)/500 - 1} {
		if x.Data[i] != want {
			t.Errorf("x[%d] = %v, want %v", i, x.Data[i], want)
		}
	}
}

// toolsOrSkip skips unless tools/bench/node_modules has pkg.
func toolsOrSkip(t *testing.T, pkg string) string {
	t.Helper()
	root, err := findModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := benchTools(root, pkg); err != nil {
		t.Skipf("%v", err)
	}
	return root
}

// TestBenchNativeTinynet runs the real -native path (Go engine and
// onnxruntime-node) on the test network.
func TestBenchNativeTinynet(t *testing.T) {
	toolsOrSkip(t, "onnxruntime-node")
	if _, err := nodeBinary(); err != nil {
		t.Skip(err)
	}
	var out, log bytes.Buffer
	if err := benchCmd([]string{"-native", "-json", "-archs", "tinynet", "-runs", "2", "-threads", "1"}, &out, &log); err != nil {
		t.Fatalf("bench: %v\n%s", err, log.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("bench -json output: %v\n%s", err, out.String())
	}
	if len(rep.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rep.Rows))
	}
	r := rep.Rows[0]
	if r.Mode != "native" || r.Threads != 1 || len(r.OursRuns) != 2 || len(r.RefRuns) != 2 || r.Ratio <= 0 {
		t.Errorf("row %+v", r)
	}
	// The engine runs the int8 model file against float32 ONNX, as in the
	// browser: close, not equal.
	if r.LogitDiff > 0.05 {
		t.Errorf("logits of onnxruntime-node and the engine differ by %g: not the same network", r.LogitDiff)
	}
	if r.OursPeak <= 0 && resetPeakRSS() == nil {
		t.Errorf("peak RSS not measured")
	}
	if rep.RefVersion == "" {
		t.Error("no onnxruntime version")
	}
}

// benchBrowserJSON runs `bench -browser -json -runs 2` on arch (skipping
// without Chromium or onnxruntime-web, or under -short) and returns the
// report.
func benchBrowserJSON(t *testing.T, arch string) *benchReport {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the wasm engine and starts Chromium")
	}
	toolsOrSkip(t, "onnxruntime-web")
	if _, err := benchChromium(); err != nil {
		t.Skip(err)
	}
	var out, log bytes.Buffer
	if err := benchCmd([]string{"-browser", "-json", "-archs", arch, "-runs", "2"}, &out, &log); err != nil {
		t.Fatalf("bench: %v\n%s", err, log.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("bench -json output: %v\n%s", err, out.String())
	}
	return &rep
}

// TestBenchBrowserTinynet runs the real -browser path: the wasm engine in a
// worker and onnxruntime-web in headless Chromium.
func TestBenchBrowserTinynet(t *testing.T) {
	rep := benchBrowserJSON(t, "tinynet")
	// One worker, then the engine over every core (tinynet's layers are
	// too narrow to split: the shards run it whole, with no gather).
	if len(rep.Rows) != 2 || rep.Rows[0].Threads != 1 || rep.Rows[1].RefThreads != 1 {
		t.Fatalf("rows %+v", rep.Rows)
	}
	for _, r := range rep.Rows {
		if r.Mode != "browser" || r.Ratio <= 0 {
			t.Errorf("row %+v", r)
		}
		if r.OursPeak <= 0 || r.RefPeak <= 0 {
			t.Errorf("peak wasm memory not measured: ours %d, reference %d", r.OursPeak, r.RefPeak)
		}
		// The browser runs the int8 model file against float32 ONNX:
		// close, not equal.
		if r.LogitDiff > 0.05 {
			t.Errorf("logits differ by %g: not the same network", r.LogitDiff)
		}
	}
	if !strings.HasPrefix(rep.Browser, "Chromium") {
		t.Errorf("browser %q", rep.Browser)
	}
	// By default the engine build the app loads in Chromium.
	if !strings.Contains(rep.Browser, "[engine: relaxed-SIMD build") {
		t.Errorf("browser %q does not name the relaxed-SIMD engine build", rep.Browser)
	}
}

// TestBenchBrowserShards runs the "all cores" row on a network whose convs
// and fc split (resnet20_cifar: 32 and 64 channels): one Web Worker per
// core, the parts exchanged through SharedArrayBuffers of a cross-origin
// isolated page. bench itself fails unless the shards' logits are
// bit-identical to the one-worker engine's.
func TestBenchBrowserShards(t *testing.T) {
	rep := benchBrowserJSON(t, "resnet20_cifar")
	if len(rep.Rows) != 2 {
		t.Fatalf("rows %+v, notes %q", rep.Rows, rep.Notes)
	}
	r := rep.Rows[1]
	t.Logf("all cores: %d workers, %.1f ms (one worker %.1f ms), %d gathers a run, %d MB", r.Threads, r.OursMS, rep.Rows[0].OursMS, r.Gathers, r.OursPeak>>20)
	if r.Threads < 2 {
		t.Skipf("the browser reports %d core: nothing to split", r.Threads)
	}
	// resnet20_cifar has 12 convs of 32 or 64 channels: each splits.
	if r.Gathers < 12 || r.OursPeak <= rep.Rows[0].OursPeak/2 || r.LogitDiff > 0.05 {
		t.Errorf("all-cores row %+v", r)
	}
}

func TestBenchPrint(t *testing.T) {
	var saved bytes.Buffer
	if err := sampleReport().writeJSON(&saved); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, saved.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, want bytes.Buffer
	if err := benchCmd([]string{"-print", path}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := sampleReport().writeTable(&want); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() {
		t.Errorf("-print:\n%s\nwant:\n%s", out.String(), want.String())
	}
	if err := os.WriteFile(path, []byte(`{"rows": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := benchCmd([]string{"-print", path}, &out, io.Discard); err == nil {
		t.Error("-print of a report without rows: no error")
	}
}

// TestAddShardRow: the all-cores row needs the shards' logits bit-identical
// to one worker's; a page that is not cross-origin isolated gives a note
// instead of a row, a missing run an error.
func TestAddShardRow(t *testing.T) {
	def, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	bm := &benchModel{name: "tinynet", def: def}
	br := &benchBrowser{log: io.Discard}
	res := func() *browserResult {
		var r browserResult
		r.Isolated = true
		r.Go.Output = []float32{1, 2.5, -3}
		r.Ort.Output = []float32{1, 2.5, -3.01}
		r.Ort.TimesMS = []float64{10, 11}
		r.Shards.Count = 2
		r.Shards.TimesMS = []float64{6, 7}
		r.Shards.Output = []float32{1, 2.5, -3}
		r.Shards.Peak = 100 << 20
		r.Shards.Gathers = 3
		return &r
	}
	var rep benchReport
	if err := br.addShardRow(bm, 2, res(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 || rep.Rows[0].Threads != 2 || rep.Rows[0].RefThreads != 1 || rep.Rows[0].OursMS != 6.5 || rep.Rows[0].Gathers != 3 || len(rep.Notes) != 1 {
		t.Errorf("row %+v, notes %q", rep.Rows, rep.Notes)
	}
	var table bytes.Buffer
	if err := rep.writeTable(&table); err != nil || !strings.Contains(table.String(), " 2/1 ") {
		t.Errorf("table (%v):\n%s", err, table.String())
	}

	off := res()
	off.Shards.Output[1] = math.Nextafter32(2.5, 3) // one ulp
	if err := br.addShardRow(bm, 2, off, &benchReport{}); err == nil || !strings.Contains(err.Error(), "bit-identical") {
		t.Errorf("shards one ulp off: %v", err)
	}
	notIsolated := res()
	notIsolated.Isolated = false
	notIsolated.Shards.Skip = "the page is not cross-origin isolated"
	rep = benchReport{}
	if err := br.addShardRow(bm, 2, notIsolated, &rep); err != nil || len(rep.Rows) != 0 || len(rep.Notes) != 1 {
		t.Errorf("not isolated: %v, rows %+v, notes %q", err, rep.Rows, rep.Notes)
	}
	short := res()
	short.Shards.TimesMS = short.Shards.TimesMS[:1]
	if err := br.addShardRow(bm, 2, short, &benchReport{}); err == nil {
		t.Error("a missing run gave no error")
	}
}
