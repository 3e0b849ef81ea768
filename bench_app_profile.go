package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// With CONVSCOPE_BENCH_PROFILE set, `bench -browser -app -page` profiles
// two more picks per model after the counted ones (the profilers slow
// them: they are not in the figures) and prints where the page's time
// goes: one pick under a trace (the page's main thread, self time by
// event: scripts, style, layout, paint, GC), one under the CPU profiler
// (the main thread's JavaScript and WebAssembly, self time by function and
// by Go package or script).

// benchTraceEnv, set to a directory, makes `bench -browser -app -page`
// trace appPageTracePicks more picks per model after the counted ones (and
// before the profiled ones), every thread of every process the browser
// traces (the page's main thread, the engine worker's, the browser
// process's), and write the raw events as a JSON array to
// <dir>/trace_<model>.json (chrome://tracing, Perfetto or a script read
// them). The picks are apart by appPageIdle, as the counted ones.
const benchTraceEnv = "CONVSCOPE_BENCH_TRACE"

// appPageTracePicks is how many picks appPageTrace traces.
const appPageTracePicks = 10

// appPageTrace traces appPageTracePicks picks of images from image k on.
func appPageTrace(ctx context.Context, name string, images []string, k int, dir string, logw io.Writer) error {
	tr := newPageTracer(ctx, "toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing",
		"v8.execute", "v8", "blink", "ipc", "mojom", "scheduler", "disabled-by-default-devtools.timeline.frame")
	if err := tr.start(); err != nil {
		return err
	}
	var doms []float64
	for i := range appPageTracePicks {
		p, err := appPagePickOne(ctx, images[(k+i)%len(images)], nil, nil)
		if err != nil {
			tr.stop()
			return err
		}
		doms = append(doms, p.DomMs)
		time.Sleep(appPageIdle)
	}
	if err := tr.stop(); err != nil {
		return err
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	b, err := json.Marshal(tr.events)
	if err != nil {
		return err
	}
	file := filepath.Join(dir, "trace_"+name+".json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(logw, "bench: %s: %d traced picks, top-5 ms %.1f: %d events in %s\n", name, len(doms), doms, len(tr.events), file)
	return nil
}

// pageTracer collects a CDP trace of the browser's events in its
// categories, between start and stop.
type pageTracer struct {
	ctx      context.Context
	cats     []string
	mu       sync.Mutex
	events   []json.RawMessage
	tctx     context.Context
	tcancel  func()
	complete chan struct{}
}

func newPageTracer(ctx context.Context, categories ...string) *pageTracer {
	return &pageTracer{ctx: ctx, cats: categories, complete: make(chan struct{}, 1)}
}

func (pt *pageTracer) start() error {
	pt.tctx, pt.tcancel = context.WithCancel(pt.ctx)
	return chromedp.Do(pt.ctx, chromedp.Func(func(c context.Context, t *chromedp.Target) error {
		data := cdp.Events(pt.tctx, t, tracing.DataCollected)
		done := cdp.Events(pt.tctx, t, tracing.TracingComplete)
		go func() {
			for ev, err := range data {
				if err != nil {
					return
				}
				pt.mu.Lock()
				for _, v := range ev.Value {
					b, _ := json.Marshal(v)
					pt.events = append(pt.events, b)
				}
				pt.mu.Unlock()
			}
		}()
		go func() {
			for _, err := range done {
				if err == nil {
					pt.complete <- struct{}{}
				}
				return
			}
		}()
		_, err := cdp.Call(c, t, tracing.Start, tracing.StartParams{
			TransferMode: tracing.StartTransferModeReportEvents,
			TraceConfig:  &tracing.TraceConfig{IncludedCategories: pt.cats},
		})
		return err
	}))
}

func (pt *pageTracer) stop() error {
	defer pt.tcancel()
	err := chromedp.Do(pt.ctx, chromedp.Func(func(c context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(c, t, tracing.End, cdp.Empty{})
		return err
	}))
	if err != nil {
		return err
	}
	select {
	case <-pt.complete:
	case <-time.After(time.Minute):
		return fmt.Errorf("the trace did not complete")
	}
	time.Sleep(300 * time.Millisecond) // the last dataCollected events
	return nil
}

// appPageProfile runs the two profiled picks of images from image k on.
func appPageProfile(ctx context.Context, name string, images []string, k int, logw io.Writer) error {
	tr := newPageTracer(ctx, "devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing", "v8.execute")
	p, err := appPagePickOne(ctx, images[k%len(images)], tr.start, tr.stop)
	if err != nil {
		return err
	}
	time.Sleep(appPageIdle)
	tr.mu.Lock()
	summary := traceSummary(tr.events)
	tr.mu.Unlock()
	fmt.Fprintf(logw, "bench: %s: traced pick: top-5 %.1f ms, painted %.1f ms after the change; the page's main thread, self ms by trace event in that span:\n%s",
		name, p.DomMs, p.PaintedMs, summary)

	var prof *profiler.Profile
	startProf := func() error {
		return chromedp.Do(ctx, chromedp.Func(func(c context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(c, t, profiler.Enable, cdp.Empty{}); err != nil {
				return err
			}
			if _, err := cdp.Call(c, t, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 100}); err != nil {
				return err
			}
			_, err := cdp.Call(c, t, profiler.Start, cdp.Empty{})
			return err
		}))
	}
	stopProf := func() error {
		return chromedp.Do(ctx, chromedp.Func(func(c context.Context, t *chromedp.Target) error {
			res, err := cdp.Call(c, t, profiler.Stop, cdp.Empty{})
			prof = res.Profile
			return err
		}))
	}
	if p, err = appPagePickOne(ctx, images[(k+1)%len(images)], startProf, stopProf); err != nil {
		return err
	}
	time.Sleep(appPageIdle)
	fmt.Fprintf(logw, "bench: %s: profiled pick (CPU samples every 100 us): top-5 %.1f ms, painted %.1f ms after the change; self ms:\n%s", name, p.DomMs, p.PaintedMs, profileSummary(prof))
	return nil
}

// traceEvent is the part of a Chrome trace event the summary reads.
type traceEvent struct {
	Name string          `json:"name"`
	Ph   string          `json:"ph"`
	Pid  int64           `json:"pid"`
	Tid  int64           `json:"tid"`
	Ts   float64         `json:"ts"`
	Dur  float64         `json:"dur"`
	Args json.RawMessage `json:"args"`
}

// traceSummary sums the self time of the trace events of the thread that
// marked convscope-pick between that mark and convscope-done, by name
// (an event's self time is its span less its children's).
func traceSummary(raw []json.RawMessage) string {
	var evs []traceEvent
	for _, r := range raw {
		var e traceEvent
		if json.Unmarshal(r, &e) == nil {
			evs = append(evs, e)
		}
	}
	var pid, tid int64
	var w0, w1 float64
	for _, e := range evs {
		switch e.Name {
		case "convscope-pick":
			pid, tid, w0 = e.Pid, e.Tid, e.Ts
		case "convscope-done":
			w1 = e.Ts
		}
	}
	if w0 == 0 || w1 <= w0 {
		return fmt.Sprintf("  (no convscope-pick and convscope-done marks among %d events)\n", len(evs))
	}
	type span struct {
		name       string
		start, end float64
	}
	var spans []span
	open := map[string][]float64{} // B events by name, a stack each
	for _, e := range evs {
		if e.Pid != pid || e.Tid != tid {
			continue
		}
		switch e.Ph {
		case "X":
			spans = append(spans, span{e.Name, e.Ts, e.Ts + e.Dur})
		case "B":
			open[e.Name] = append(open[e.Name], e.Ts)
		case "E":
			if st := open[e.Name]; len(st) > 0 {
				spans = append(spans, span{e.Name, st[len(st)-1], e.Ts})
				open[e.Name] = st[:len(st)-1]
			}
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(b.end, a.end)
	})
	clip := func(s span) float64 { return max(0, min(s.end, w1)-max(s.start, w0)) }
	self := map[string]float64{}
	count := map[string]int{}
	var stack []span
	var busy float64
	for _, s := range spans {
		if s.end <= w0 || s.start >= w1 {
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].end <= s.start {
			stack = stack[:len(stack)-1]
		}
		d := clip(s)
		if len(stack) > 0 {
			self[stack[len(stack)-1].name] -= d
		} else {
			busy += d
		}
		self[s.name] += d
		count[s.name]++
		stack = append(stack, s)
	}
	names := slices.SortedFunc(maps.Keys(self), byValue(self))
	var b strings.Builder
	fmt.Fprintf(&b, "  span %.1f ms, in top-level events %.1f ms\n", (w1-w0)/1000, busy/1000)
	for i, n := range names {
		if i == 20 || self[n] < 100 {
			break
		}
		fmt.Fprintf(&b, "  %8.1f  %s (%d)\n", self[n]/1000, n, count[n])
	}
	return b.String()
}

// profileSummary sums a CPU profile's self time by function (top 25) and
// by group: a WebAssembly function's Go package, a script's file name, or
// V8's (program), (garbage collector) and (idle).
func profileSummary(p *profiler.Profile) string {
	if p == nil || len(p.Samples) == 0 {
		return "  (empty profile)\n"
	}
	nodes := map[int64]*profiler.ProfileNode{}
	for _, n := range p.Nodes {
		nodes[n.ID] = n
	}
	byFunc := map[string]float64{}
	byGroup := map[string]float64{}
	var total float64
	for i, id := range p.Samples {
		// A sample's time is the gap to the next one.
		var d float64
		if i+1 < len(p.TimeDeltas) {
			d = float64(p.TimeDeltas[i+1])
		}
		n := nodes[id]
		if n == nil || n.CallFrame == nil {
			continue
		}
		fn, url := n.CallFrame.FunctionName, n.CallFrame.URL
		group := path.Base(url)
		switch {
		case url == "":
			group = fn // (program), (garbage collector), (idle), (root)
			if fn == "" {
				group = "(anonymous)"
			}
		case strings.HasPrefix(url, "wasm://") || strings.HasSuffix(url, ".wasm"):
			group = "wasm " + goPackage(fn)
		}
		if fn == "" {
			fn = "(anonymous)"
		}
		byFunc[fn+"  ["+path.Base(url)+"]"] += d
		byGroup[group] += d
		total += d
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  profile %.1f ms; by group:\n", total/1000)
	for i, g := range slices.SortedFunc(maps.Keys(byGroup), byValue(byGroup)) {
		if i == 20 || byGroup[g] < 200 {
			break
		}
		fmt.Fprintf(&b, "  %8.1f  %s\n", byGroup[g]/1000, g)
	}
	fmt.Fprintln(&b, "  by function:")
	for i, f := range slices.SortedFunc(maps.Keys(byFunc), byValue(byFunc)) {
		if i == 25 || byFunc[f] < 200 {
			break
		}
		fmt.Fprintf(&b, "  %8.1f  %s\n", byFunc[f]/1000, f)
	}
	return b.String()
}

// byValue orders m's keys by value, largest first, then by name.
func byValue(m map[string]float64) func(a, b string) int {
	return func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) }
}

// goPackage is the package of a Go function's symbol name as the
// profile shows it: the wasm name section's, with "/", "(", ")" and "*"
// made "_" ("github.com_vugu_vugu_domrender.__JSRenderer_.render" is
// github.com_vugu_vugu_domrender, "runtime.mallocgc" runtime).
func goPackage(fn string) string {
	off := 0
	if m := domainPrefix.FindString(fn); m != "" {
		off = len(m)
	}
	if i := strings.LastIndex(fn, "/"); i >= off {
		off = i + 1
	}
	if i := strings.Index(fn[off:], "."); i >= 0 {
		return fn[:off+i]
	}
	return fn
}

// domainPrefix is a module path's host at the start of a mangled symbol
// ("github.com_"), whose dot is not the package's.
var domainPrefix = regexp.MustCompile(`^([a-z0-9-]+\.)+[a-z]+_`)
