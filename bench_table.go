package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// benchReport is what `convscope bench` measured in one run: the machine,
// the versions, and one row per model, mode and thread count.
type benchReport struct {
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	CPUs       int    `json:"cpus"`
	GoVersion  string `json:"go_version"`
	RefVersion string `json:"reference_version,omitempty"` // onnxruntime
	Browser    string `json:"browser,omitempty"`           // Chromium's version, -browser only
	Runs       int    `json:"runs"`                        // timed runs per measurement, after the warm-up (one run natively, 3 s of runs in the browser)
	// LoadAvg is /proc/loadavg at the start and the end: other work on
	// the machine slows both sides, not always equally.
	LoadAvg []string   `json:"loadavg,omitempty"`
	Notes   []string   `json:"notes,omitempty"`
	Rows    []benchRow `json:"rows"`
}

// benchRow compares ConvScope's engine with the reference runtime on one
// model in one mode with one thread count.
type benchRow struct {
	Model string `json:"model"`
	// Mode is "native" (Go engine vs onnxruntime-node) or "browser" (Go
	// engine in wasm vs onnxruntime-web, headless Chromium).
	Mode string `json:"mode"`
	// Threads is the engine's Workers (browser: Web Workers, the engine
	// split between them) and the reference's thread count, unless
	// RefThreads says otherwise.
	Threads    int `json:"threads"`
	RefThreads int `json:"ref_threads,omitempty"`
	// Input is the model's input shape, (N, C, H, W).
	Input []int `json:"input"`
	// Medians of the timed runs, in milliseconds; Ratio = ours / reference.
	OursMS float64 `json:"ours_ms"`
	RefMS  float64 `json:"ref_ms"`
	Ratio  float64 `json:"ratio"`
	// Peak memory in bytes: the process's peak resident set for native
	// rows (VmHWM, reset before the model), the WebAssembly memory's size
	// after the runs for browser rows (a wasm memory never shrinks, so
	// that is its peak). 0 = not measured.
	OursPeak int64 `json:"ours_peak_bytes"`
	RefPeak  int64 `json:"ref_peak_bytes"`
	// LogitDiff is the largest difference between the two runtimes'
	// logits relative to the reference's largest |logit| (random-weight
	// networks give logits in the thousands), a check that both ran the
	// same network: float32 weights on both sides natively, the app's int8
	// model file against float32 ONNX in the browser. -1 = not compared.
	LogitDiff float64 `json:"logit_rel_diff"`
	// Gathers is, for the engine split over browser workers, how many
	// layers' parts they exchanged in each run (the split layers).
	Gathers  int       `json:"gathers_per_run,omitempty"`
	OursRuns []float64 `json:"ours_runs_ms"`
	RefRuns  []float64 `json:"ref_runs_ms"`
}

// median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// newBenchRow fills in the medians and the ratio from the runs.
func newBenchRow(model, mode string, input []int, threads int, ours, ref []float64) benchRow {
	r := benchRow{Model: model, Mode: mode, Input: slices.Clone(input), Threads: threads, OursRuns: ours, RefRuns: ref}
	r.OursMS, r.RefMS = median(ours), median(ref)
	if r.RefMS > 0 {
		r.Ratio = r.OursMS / r.RefMS
	}
	return r
}

// relDiff is max|a-b| / max|b|; a length mismatch is +Inf (the callers
// turn it into an error: JSON has no infinity).
func relDiff(a, b []float32) float64 {
	d := maxAbsDiff(a, b)
	scale := 0.0
	for _, v := range b {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	if math.IsInf(d, 1) || scale == 0 {
		return d
	}
	return d / scale
}

// maxAbsDiff compares two logit vectors; a length mismatch is +Inf.
func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// writeJSON prints the report as one indented JSON object.
func (r *benchReport) writeJSON(w io.Writer) error { return printReport(w, true, r) }

// tableReport is a bench report (speed, the app worker's memory and speed,
// the app page): it prints itself as a table.
type tableReport interface{ writeTable(io.Writer) error }

// printReport prints rep as one indented JSON object (-json) or as its
// table.
func printReport(w io.Writer, asJSON bool, rep tableReport) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeTable(w)
}

// writeTable prints the report as an aligned text table, one line per row,
// then the notes.
func (r *benchReport) writeTable(w io.Writer) error {
	ref := "onnxruntime"
	if r.RefVersion != "" {
		ref += " " + r.RefVersion
	}
	// In the browser V8 tiers hot wasm code up in the background, so each
	// side warms up for a time budget there (tools/bench/web/bench.js: WARMUP_MS).
	warm := "1 warm-up run"
	if r.Browser != "" {
		warm = "1 warm-up run natively, 3 s of warm-up runs in the browser"
	}
	fmt.Fprintf(w, "ConvScope engine vs %s: %s/%s, %d CPUs, %s; median of %d runs (the runtimes taking turns run by run) after %s\n",
		ref, r.GOOS, r.GOARCH, r.CPUs, r.GoVersion, r.Runs, warm)
	if r.Browser != "" {
		fmt.Fprintf(w, "browser: %s\n", r.Browser)
	}
	if len(r.LoadAvg) > 0 {
		fmt.Fprintf(w, "load average (start; end): %s\n", strings.Join(r.LoadAvg, "; "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tinput\tmode\tthreads\tours ms\tref ms\tours/ref\tours peak MB\tref peak MB\tlogit diff (rel)\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			row.Model, fmtShape(row.Input), row.Mode, fmtThreads(row), fmtMS(row.OursMS), fmtMS(row.RefMS), fmtRatio(row.Ratio),
			fmtMB(row.OursPeak), fmtMB(row.RefPeak), fmtDiff(row.LogitDiff))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	return nil
}

// fmtShape writes (1, 3, 224, 224) as 3x224x224 (batch 1 is implied).
func fmtShape(s []int) string {
	if len(s) > 1 && s[0] == 1 {
		s = s[1:]
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// fmtThreads writes the thread count, as ours/reference when they differ
// (2/1: the engine over two browser workers, onnxruntime-web one thread).
func fmtThreads(r benchRow) string {
	if r.RefThreads > 0 && r.RefThreads != r.Threads {
		return fmt.Sprintf("%d/%d", r.Threads, r.RefThreads)
	}
	return strconv.Itoa(r.Threads)
}

func fmtMS(ms float64) string {
	switch {
	case ms <= 0:
		return "-"
	case ms < 10:
		return fmt.Sprintf("%.2f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}

func fmtRatio(r float64) string {
	if r <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", r)
}

func fmtMB(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

func fmtDiff(d float64) string {
	if d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1e", d)
}
