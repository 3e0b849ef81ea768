//go:build js

package main

// The engine worker splits the model over every core (issue 7): it starts
// one helper worker per further core, each running worker.wasm in helper
// mode (helper.go), and the session's program and the helpers' are the
// shards of one engine.Shard split, exchanging each split layer's output
// through SharedArrayBuffers (package wasm/shard). session.Session drives
// them through the session.Peers methods below, run by run.

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/wasm/shard"
	"convscope/wasm/worker/session"
	"convscope/web/protocol"
)

// maxWorkers caps the workers of one model: each holds the whole
// activations of a run besides its share of the weights, and the gathers
// grow with the count while each share of the work shrinks.
const maxWorkers = 4

// helperName prefixes the name of a helper worker (new Worker(url, {name})):
// worker.wasm reads it to start in helper mode.
const helperName = "convscope-helper "

// barrierTimeout bounds each gather's wait in the app: one layer of the
// largest model takes a few seconds at most on a slow machine. It is the
// last resort for a helper that vanished without a word: a helper that
// dies is seen at once (the engine worker's error events below, and
// static/worker.js in the helper itself), and whoever sees it sets the
// barrier's failed flag, which releases every shard.
const barrierTimeout = 30 * time.Second

// Timeouts of a helper's answers: compiling a shard of the largest model,
// and a whole run (each of its gathers bounded by barrierTimeout).
const (
	helperLoadTimeout = 5 * time.Minute
	helperRunTimeout  = 3 * time.Minute
)

// workerCount returns how many workers to run model m (of a file of
// fileBytes) on for a Load asking for want (0: the default), and why it is
// fewer than the cores when it is. A count the Load asks for is taken as
// it is. The default is one worker for a model whose work is too small to
// pay for a split (session.SplitPays: the CIFAR-10 built-ins ran slower on
// two workers than on one), else one worker per core the browser reports,
// up to maxWorkers, and no more than fit the app's memory
// budget by session.DefaultWorkers' estimate: every worker holds the whole
// activations of a run and its own scratch besides its share of the
// weights, so each helper adds memory (VGG16: 289 MB on one worker, 468 on
// two, against the 300 the app allows it).
func workerCount(want int, m *models.Model, fileBytes int64) (int, string) {
	if want == 1 {
		return 1, ""
	}
	if !shard.Available() {
		return 1, "the page is not cross-origin isolated (no COOP/COEP headers), so there is no SharedArrayBuffer: the model runs on one worker"
	}
	if want > 0 {
		return min(want, 4*maxWorkers), ""
	}
	cores := js.Global().Get("navigator").Get("hardwareConcurrency").Int()
	if cores <= 1 {
		return 1, "the browser reports one core: the model runs on one worker"
	}
	if pays, _, why := session.SplitPays(m); !pays {
		return 1, why
	}
	limit := min(cores, maxWorkers)
	n, f, err := session.DefaultWorkers(m, fileBytes, limit, session.MemoryBudget)
	if err != nil {
		return 1, fmt.Sprintf("the model's memory cannot be estimated (%v): it runs on one worker", err)
	}
	if n < limit {
		more, err := session.EstimateFootprint(m, fileBytes, n+1)
		if err != nil {
			return n, ""
		}
		return n, fmt.Sprintf("split over %d workers, %s would take about %d MB of WebAssembly memory, more than the %d MB the app allows a model: it runs on %s (about %d MB)", n+1, m.Meta.Name, more.Total()>>20, session.MemoryBudget>>20, workers(n), f.Total()>>20)
	}
	return n, ""
}

// workers says n workers.
func workers(n int) string {
	if n == 1 {
		return "one worker"
	}
	return fmt.Sprintf("%d workers", n)
}

// split gives the session the helpers a Load asking for want workers
// needs (see workerCount), before it compiles the model: the helpers
// already running are kept when their count is right and the session still
// has them (a session drops failed helpers).
func (w *worker) split(want int, m *models.Model, fileBytes int64) {
	n, why := workerCount(want, m, fileBytes)
	if w.helpers != nil && w.helpers.count() == n && w.sess.Programs() == n {
		return
	}
	w.sess.SetPeers(nil) // stops the helpers of the previous split
	w.helpers = nil
	if n > 1 {
		h, err := startHelpers(n)
		if err != nil {
			why = fmt.Sprintf("the helper workers could not start (%v): the model runs on one worker", err)
		} else {
			w.helpers = h
			w.sess.SetPeers(h)
		}
	}
	w.note(why)
}

// note puts why the model runs on one worker on the console, once.
func (w *worker) note(why string) {
	if why != "" && why != w.noted {
		warn(why)
	}
	w.noted = why
}

// memory is memory() with the worker count and the helpers' memory.
func (w *worker) memory() *protocol.Memory {
	m := memory()
	m.Workers = w.sess.Programs()
	if w.helpers != nil && m.Workers > 1 {
		m.Helpers = w.helpers.wasm()
	}
	return m
}

// helper is one helper worker and its answers.
type helper struct {
	w        js.Value
	index    int // its shard
	replies  chan reply
	onMsg    js.Func
	onErr    js.Func
	onMsgErr js.Func
	wasm     int64 // its WebAssembly memory at its last answer
}

type reply struct {
	data js.Value
	err  error
}

// helpers are the session.Peers of a split session.
type helpers struct {
	x         *shard.Exchange // the engine worker's own side: shard 0
	ctl, bufs js.Value
	hs        []*helper
	// stuck is the engine worker's own gather that failed in this run
	// other than by the failed flag (its wait timed out): the note on the
	// console then says the helper's death was not seen in time.
	stuck error
}

// engineBuild is the engine build static/worker.js loaded in this worker:
// "relaxed" (worker-relaxed.wasm) or "plain" (worker.wasm, also when an
// older worker.js set nothing).
func engineBuild() string {
	if b := js.Global().Get("convscopeBuild"); b.Type() == js.TypeString && b.String() == "relaxed" {
		return "relaxed"
	}
	return "plain"
}

// startHelpers starts n-1 helper workers; the engine worker is shard 0.
func startHelpers(n int) (*helpers, error) {
	ctl, bufs := shard.NewControl(n), shard.NewBuffers()
	x, err := shard.New(ctl, bufs, 0, n)
	if err != nil {
		return nil, err
	}
	x.Timeout = barrierTimeout
	h := &helpers{x: x, ctl: ctl, bufs: bufs}
	for i := 1; i < n; i++ {
		opts := js.Global().Get("Object").New()
		opts.Set("name", fmt.Sprintf("%s%d", helperName, i))
		// Relative to this worker's script: worker.js, in helper mode,
		// told to load the engine build this worker runs (plain or
		// relaxed SIMD, see static/worker.js): the builds differ in the
		// last bits, and a split run must give one worker's bits.
		url := "worker.js?build=" + engineBuild()
		w, err := try(func() js.Value { return js.Global().Get("Worker").New(url, opts) })
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("helper worker %d: %v", i, err)
		}
		hp := &helper{w: w, index: i, replies: make(chan reply, 8)}
		put := func(r reply) {
			select {
			case hp.replies <- r:
			default: // more answers than requests: a bug, not worth blocking the event loop
			}
		}
		hp.onMsg = js.FuncOf(func(_ js.Value, args []js.Value) any {
			put(reply{data: args[0].Get("data")})
			return nil
		})
		// An error event is the helper's death (an exception out of its
		// WebAssembly: a crash) or a reply that cannot be read: either way
		// no answer will come, so the other shards are released from the
		// barrier at once. The event reaches the engine worker between two
		// of its layers (it yields to the event loop as it runs); the
		// helper's own worker.js sets the same flag, for a death while the
		// engine worker waits in a barrier.
		died := func(what string) func(js.Value, []js.Value) any {
			return func(_ js.Value, args []js.Value) any {
				msg := what
				if len(args) > 0 && args[0].Type() == js.TypeObject {
					if m := args[0].Get("message"); m.Type() == js.TypeString && m.String() != "" {
						msg = m.String()
					}
					// Handled here: it is not an error of the engine
					// worker, to be passed on to the page.
					args[0].Call("preventDefault")
				}
				h.x.Fail()
				put(reply{err: fmt.Errorf("helper worker %d: %s", i, msg)})
				return nil
			}
		}
		hp.onErr = js.FuncOf(died("it stopped"))
		hp.onMsgErr = js.FuncOf(died("its answer could not be read"))
		w.Set("onmessage", hp.onMsg)
		w.Set("onerror", hp.onErr)
		w.Set("onmessageerror", hp.onMsgErr)
		h.hs = append(h.hs, hp)
	}
	return h, nil
}

// await returns the helper's next answer: an error for a failure it
// reports, its death or silence beyond timeout.
func (hp *helper) await(timeout time.Duration) (js.Value, error) {
	select {
	case r := <-hp.replies:
		return hp.answer(r)
	case <-time.After(timeout):
		return js.Value{}, fmt.Errorf("a helper gave no answer in %v", timeout)
	}
}

// answer reads one of the helper's messages (see await).
func (hp *helper) answer(r reply) (js.Value, error) {
	if r.err != nil {
		return js.Value{}, r.err
	}
	d := r.data
	if d.Type() != js.TypeObject {
		return js.Value{}, errors.New("a helper answered nothing")
	}
	if m := d.Get("error"); m.Type() == js.TypeString {
		if d.Get("aborted").Truthy() {
			return d, shard.ErrAborted // the helper's run was released by the failed flag
		}
		if d.Get("died").Truthy() { // static/worker.js: the helper is gone
			return d, fmt.Errorf("helper worker %d: %s", hp.index, m.String())
		}
		return d, errors.New(m.String())
	}
	if m := d.Get("json"); m.Type() == js.TypeString {
		// worker.js itself: the engine could not start (an app
		// protocol error message).
		return d, fmt.Errorf("a helper could not start: %s", m.String())
	}
	if b := d.Get("wasm"); b.Type() == js.TypeNumber {
		hp.wasm = int64(b.Float())
	}
	return d, nil
}

// Shard is the engine worker's shard; its gathers note a wait that
// failed other than by the failed flag (see stuck).
func (h *helpers) Shard() engine.Shard {
	s := h.x.Shard()
	s.Gather = func(parts []engine.Gathered) error {
		err := h.x.Gather(parts)
		if err != nil && !errors.Is(err, shard.ErrAborted) {
			h.stuck = err
		}
		return err
	}
	return s
}

// count is the number of workers: the helpers and the engine worker.
func (h *helpers) count() int { return len(h.hs) + 1 }

// Load posts the model file once, as a SharedArrayBuffer every helper
// copies from (no second download), and waits for every shard to compile.
func (h *helpers) Load(data []byte, keep []string) error {
	file := js.Global().Get("Uint8Array").New(js.Global().Get("SharedArrayBuffer").New(len(data)))
	js.CopyBytesToJS(file, data)
	keepJS := js.Global().Get("Array").New(len(keep))
	for i, k := range keep {
		keepJS.SetIndex(i, k)
	}
	for i, hp := range h.hs {
		msg := js.Global().Get("Object").New()
		msg.Set("cmd", "load")
		msg.Set("file", file)
		msg.Set("index", i+1)
		msg.Set("count", len(h.hs)+1)
		msg.Set("ctl", h.ctl)
		msg.Set("bufs", h.bufs)
		msg.Set("keep", keepJS)
		hp.w.Call("postMessage", msg)
	}
	var first error
	for _, hp := range h.hs {
		if _, err := hp.await(helperLoadTimeout); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Start has every helper run on x. No shard is running (Finish waited for
// all of them), so the control buffer can be cleared for the new run.
func (h *helpers) Start(x *engine.Tensor) error {
	// A message no request asked for is a helper's death (or error) since
	// the last run: Clear would drop the failed flag it set, and the run
	// would wait for it until barrierTimeout.
	for _, hp := range h.hs {
		select {
		case r := <-hp.replies:
			_, err := hp.answer(r)
			if err == nil {
				err = fmt.Errorf("helper worker %d answered a request it was not asked", hp.index)
			}
			return err
		default:
		}
	}
	h.x.Clear()
	h.x.Reset()
	h.stuck = nil
	in := js.Global().Get("Uint8Array").New(4 * len(x.Data))
	js.CopyBytesToJS(in, shard.FloatBytes(x.Data))
	shape := js.Global().Get("Array").New(len(x.Shape))
	for i, d := range x.Shape {
		shape.SetIndex(i, d)
	}
	for _, hp := range h.hs {
		msg := js.Global().Get("Object").New()
		msg.Set("cmd", "run")
		msg.Set("input", in) // copied by postMessage
		msg.Set("shape", shape)
		if _, err := try(func() js.Value { hp.w.Call("postMessage", msg); return js.Undefined() }); err != nil {
			h.x.Fail()
			return err
		}
	}
	return nil
}

// Finish waits for every helper's end of the run; abort first releases
// them from the gathers the engine worker will not reach.
func (h *helpers) Finish(abort bool) error {
	if abort {
		h.x.Fail()
	}
	var first error
	for _, hp := range h.hs {
		_, err := hp.await(helperRunTimeout)
		// A helper released by the failed flag is not the failure: the
		// shard that set it reports its own.
		if err != nil && first == nil && err != shard.ErrAborted {
			first = err
		}
	}
	if first != nil && h.stuck != nil {
		first = fmt.Errorf("%w; the engine worker was not told and gave up waiting (%v)", first, h.stuck)
	}
	return first
}

func (h *helpers) Close() {
	for _, hp := range h.hs {
		hp.w.Call("terminate")
		hp.onMsg.Release()
		hp.onErr.Release()
		hp.onMsgErr.Release()
	}
	h.hs = nil
}

// wasm is the sum of the helpers' WebAssembly memories.
func (h *helpers) wasm() int64 {
	var sum int64
	for _, hp := range h.hs {
		sum += hp.wasm
	}
	return sum
}
