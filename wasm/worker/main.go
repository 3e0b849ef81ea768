//go:build js

// Command worker is the engine of the browser app, run in a dedicated Web
// Worker (static/worker.js starts it) so that a long inference never
// freezes the page. It speaks package protocol: the page posts Load,
// Classify, Activations, Filters, Explain, Slide and Cancel; the worker
// answers each request, in order, with progress messages and one final
// message.
//
// Go's WebAssembly port is single-threaded: while a goroutine computes, no
// JavaScript event (such as the page's Cancel) is delivered. The run
// therefore yields to the event loop between layers (see yielder), and the
// message handler only queues requests and cancels contexts, never blocks.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"convscope/models"
	"convscope/wasm/worker/session"
	"convscope/web/protocol"
)

func main() {
	debug.SetGCPercent(models.GCPercent) // a loaded model must not double the wasm memory
	if strings.HasPrefix(js.Global().Get("name").String(), helperName) {
		helperMain() // started by another engine worker (helpers.go)
		return
	}
	w := &worker{
		self:    js.Global(),
		wake:    make(chan struct{}, 1),
		cancels: map[int]context.CancelFunc{},
		yield:   newYielder(),
	}
	onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 {
			w.receive(args[0].Get("data"))
		}
		return nil
	})
	w.self.Set("onmessage", onMessage)
	// worker.js queued what the page posted while this module was being
	// compiled; take those messages in order before anything newer.
	if pending := w.self.Get("convscopePending"); pending.Type() == js.TypeObject {
		for i := 0; i < pending.Length(); i++ {
			w.receive(pending.Index(i))
		}
		w.self.Set("convscopePending", js.Null())
	}
	w.post(protocol.Ready{Version: runtime.Version()})
	w.loop()
}

// job is one queued request with the context its Cancel cancels.
type job struct {
	msg    protocol.Message
	ctx    context.Context
	cancel context.CancelFunc
}

type worker struct {
	self  js.Value // the worker's global scope
	sess  session.Session
	yield *yielder
	after func() // work left once the final answer is posted

	// warmed is set once a warm-up run completed (see Session.WarmUp):
	// the optimised code around the engine then serves every later model
	// too. cold: the loaded model's own program has not been warmed up
	// yet (Session.WarmUpEngine): the worker does that whenever it is
	// idle, until it completes.
	warmed     bool
	cold       bool
	warmCancel context.CancelFunc // stops the warm-up when a request arrives

	helpers *helpers // the session's peers while the model is split (helpers.go)
	noted   string   // the last note on the console about the worker count

	mu      sync.Mutex
	queue   []job
	cancels map[int]context.CancelFunc // by request ID, while queued or running
	wake    chan struct{}
}

// receive runs in the JS event handler: it must return quickly, so it only
// decodes, cancels or queues. A panic here (a bug) costs the message, not
// the worker.
func (w *worker) receive(data js.Value) {
	defer func() {
		if r := recover(); r != nil {
			w.post(protocol.Error{ID: guessID(data), Code: protocol.CodeInternal, Message: fmt.Sprintf("internal error: %v", r)})
		}
	}()
	m, err := protocol.FromJS(data)
	if err != nil {
		code := protocol.CodeRequest
		if errors.Is(err, protocol.ErrFileRead) {
			code = protocol.CodeImage // the user's file, gone or changed since the pick
		}
		w.post(protocol.Error{ID: guessID(data), Code: code, Message: err.Error()})
		return
	}
	if !protocol.IsRequest(m.Type()) {
		w.post(protocol.Error{ID: m.RequestID(), Code: protocol.CodeRequest, Message: fmt.Sprintf("the worker takes requests, not %s messages", m.Type())})
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if c, ok := m.(*protocol.Cancel); ok {
		if cancel := w.cancels[c.ID]; cancel != nil {
			cancel()
		}
		return
	}
	if _, dup := w.cancels[m.RequestID()]; dup {
		w.post(protocol.Error{ID: m.RequestID(), Code: protocol.CodeRequest, Message: fmt.Sprintf("request id %d is already in use", m.RequestID())})
		return
	}
	if w.warmCancel != nil {
		w.warmCancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancels[m.RequestID()] = cancel
	w.queue = append(w.queue, job{msg: m, ctx: ctx, cancel: cancel})
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// guessID recovers the id of a message that did not decode, so the page
// can still match the error to its request.
func guessID(data js.Value) int {
	if data.Type() != js.TypeObject || data.Get("json").Type() != js.TypeString {
		return 0
	}
	var v struct {
		ID int `json:"id"`
	}
	if json.Unmarshal([]byte(data.Get("json").String()), &v) != nil || v.ID < 0 {
		return 0
	}
	return v.ID
}

// loop handles the queued requests one at a time, forever.
func (w *worker) loop() {
	for {
		w.mu.Lock()
		if len(w.queue) == 0 {
			w.mu.Unlock()
			if w.cold {
				w.warmUpEngine()
				continue
			}
			<-w.wake
			continue
		}
		j := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()

		w.handle(j)

		w.mu.Lock()
		delete(w.cancels, j.msg.RequestID())
		w.mu.Unlock()
		j.cancel()
	}
}

func (w *worker) handle(j job) {
	id := j.msg.RequestID()
	if j.ctx.Err() != nil {
		w.fail(id, &session.Error{Code: protocol.CodeCancelled, Err: fmt.Errorf("cancelled")})
		return
	}
	// A bug in the engine must cost one request, not the worker.
	defer func() {
		if r := recover(); r != nil {
			w.post(protocol.Error{ID: id, Code: protocol.CodeInternal, Message: fmt.Sprintf("internal error: %v", r)})
		}
	}()
	// The session drops its helpers when they fail: say so once.
	defer func() {
		if n := w.sess.Note(); n != "" {
			w.note(n)
		}
	}()
	switch m := j.msg.(type) {
	case *protocol.Load:
		loaded, err := w.load(j.ctx, m)
		if err != nil {
			w.fail(id, err)
			return
		}
		loaded.ID = id
		loaded.Memory = w.memory()
		w.post(loaded)
		if w.after != nil {
			w.after()
			w.after = nil
		}
		w.cold = true
		if !w.warmed {
			w.warmUp()
		}
	case *protocol.Classify:
		// Progress is posted at yields only, one LayerDone for the node
		// the run just finished: a CIFAR-10 run shorter than a yield
		// posts nothing but its Result, while a VGG16 still moves the
		// page's bar every yieldEvery. A LayerDone per node cost
		// 17-170 us of postMessage each in the worker (63 for
		// googlenet_cifar, 1.4-6.6 ms of a 10-20 ms run under load) and
		// as many decodes and locked updates in the page.
		//
		// The Preview is posted as soon as the top classes are known,
		// before the Result's timings, statistics and Memory (its
		// runtime.ReadMemStats) are made: see Session.ClassifyPreview.
		w.yield.reset()
		var preview func(protocol.Preview)
		if m.Preview {
			preview = func(p protocol.Preview) {
				p.ID, p.Workers = id, w.sess.Programs()
				w.post(p)
			}
		}
		quiet := time.Now().Add(time.Duration(m.QuietMs) * time.Millisecond)
		res, err := w.sess.ClassifyPreview(j.ctx, m.Image, m.Again, m.Top, func(d protocol.LayerDone) {
			if w.yield.due(yieldEvery) {
				if m.QuietMs <= 0 || time.Now().After(quiet) {
					d.ID = id
					w.post(d)
				}
				w.yield.now()
			}
		}, preview)
		if err != nil {
			w.fail(id, err)
			return
		}
		res.ID = id
		res.Memory = w.memory()
		w.post(res)
	case *protocol.Activations:
		maps, err := w.sess.Activations(m.Layer)
		if err != nil {
			w.fail(id, err)
			return
		}
		maps.ID = id
		w.post(maps)
	case *protocol.Filters:
		p, err := w.sess.Filters(m.Layer)
		if err != nil {
			w.fail(id, err)
			return
		}
		p.ID = id
		w.post(p)
	case *protocol.Explain:
		// Occlusion is dozens of runs: yield between layers, as a
		// Classify does, so a Cancel gets through, and say after each
		// patch position how far it got.
		w.yield.reset()
		h, err := w.sess.Explain(j.ctx, m.Class, w.yield.maybe, func(done, total int) {
			w.post(protocol.Progress{ID: id, Loaded: int64(done), Total: int64(total)})
		})
		if err != nil {
			w.fail(id, err)
			return
		}
		h.ID = id
		w.post(h)
	case *protocol.Slide:
		// A slide replays the run up to its layer: yield as a Classify
		// does, so a Cancel gets through.
		w.yield.reset()
		sl, err := w.sess.SlideCtx(j.ctx, m.Layer, m.Out, m.In, w.yield.maybe)
		if err != nil {
			w.fail(id, err)
			return
		}
		sl.ID = id
		w.post(sl)
	case *protocol.Int8Cost:
		w.int8Cost(j.ctx, m) // int8cost.go
	default:
		w.post(protocol.Error{ID: id, Code: protocol.CodeRequest, Message: fmt.Sprintf("unexpected %s request", m.Type())})
	}
}

// warmUp runs Session.WarmUp unless a request is waiting, and stops it
// as soon as one arrives: it only ever uses idle time (whileIdle). The
// LayerDone at each yield and each Result are encoded into their JS
// messages as a Classify posts them, but not posted, so that this code is
// optimised too by the first classify; and it yields every
// warmUpYieldEvery, not every yieldEvery, because a request that arrives
// meanwhile waits for the next yield: the user's first classify after
// choosing a model should not wait several milliseconds for a run nobody
// needs.
func (w *worker) warmUp() {
	ran, err := w.whileIdle(func(ctx context.Context) error {
		return w.sess.WarmUp(ctx, func(d protocol.LayerDone) {
			if w.yield.due(warmUpYieldEvery) {
				d.ID = 1
				protocol.ToJS(d)
				w.yield.now()
			}
		}, func(r *protocol.Result) {
			r.ID = 1
			r.Memory = w.memory()
			protocol.ToJS(protocol.PreviewOf(r))
			protocol.ToJS(r)
		})
	})
	if !ran {
		return
	}
	w.warmed = err == nil
	w.cold = w.cold && !w.warmed
}

// warmUpEngine runs Session.WarmUpEngine as warmUp runs Session.WarmUp:
// only while no request waits, stopped as soon as one arrives, yielding
// every warmUpYieldEvery. A cancelled one runs again from the start the
// next time the worker is idle; one that completed or cannot run (no
// model) does not.
func (w *worker) warmUpEngine() {
	ran, err := w.whileIdle(func(ctx context.Context) error {
		return w.sess.WarmUpEngine(ctx, func() {
			if w.yield.due(warmUpYieldEvery) {
				w.yield.now()
			}
		})
	})
	if ran && session.Code(err) != protocol.CodeCancelled {
		w.cold = false
	}
}

// whileIdle runs warm unless a request is waiting, with a context that
// handle cancels as soon as one arrives (warmCancel), and says whether it
// ran and what it returned.
func (w *worker) whileIdle(warm func(context.Context) error) (ran bool, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.mu.Lock()
	if len(w.queue) > 0 {
		w.mu.Unlock()
		return false, nil
	}
	w.warmCancel = cancel
	w.mu.Unlock()
	w.yield.reset()
	err = warm(ctx)
	w.mu.Lock()
	w.warmCancel = nil
	w.mu.Unlock()
	return true, err
}

func (w *worker) fail(id int, err error) {
	code := session.Code(err)
	msg := err.Error()
	if code == protocol.CodeCancelled {
		msg = "cancelled"
	}
	w.post(protocol.Error{ID: id, Code: code, Message: msg})
}

// post sends m to the page. A message that does not encode (a bug) becomes
// an Error for the same request, so the page is never left waiting.
func (w *worker) post(m protocol.Message) {
	if err := protocol.Post(w.self, m); err != nil {
		js.Global().Get("console").Call("error", "convscope worker: "+err.Error())
		if m.Type() != protocol.TypeError {
			protocol.Post(w.self, protocol.Error{ID: m.RequestID(), Code: protocol.CodeInternal, Message: err.Error()})
		}
	}
}
