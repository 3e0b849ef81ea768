//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"sync"
	"syscall/js"
	"time"

	"convscope/web"
	"convscope/web/protocol"
)

// engine is the page's side of the engine worker (static/worker.js running
// wasm/worker): it numbers requests, posts them, and routes every answer to
// the goroutine waiting for it. Progress messages go through a buffered
// channel per request so the JavaScript message handler never blocks.
type engine struct {
	worker js.Value

	mu       sync.Mutex
	nextID   int
	calls    map[int]*call
	startErr error // the worker could not start: every request fails with it
	started  bool  // the worker has sent something: its script and wasm run
}

// startTimeout bounds how long the engine worker may take to say it runs
// (its script, wasm_exec.js and the wasm fetched, compiled and started: a
// few seconds even on a loaded machine). Past it the requests waiting for
// the engine fail with errNotStarted rather than the page staying on
// "Loading" for good: after an update, a service worker that never answered
// worker.js did that (static/sw.js).
const startTimeout = 60 * time.Second

var errNotStarted = fmt.Errorf("the engine did not start within %v (its script or wasm did not load): reload the page", startTimeout)

type call struct {
	kind protocol.Type
	ch   chan protocol.Message
	// posted is set for a request posted ahead of the component (a
	// picked file's Classify, see classifyFile) until the component
	// waits for it: cancel leaves it alone, so that the component's
	// Cancel of the run it replaces does not cancel the new one.
	posted bool
}

// eventBuffer bounds the progress messages queued for one request; more are
// dropped (a later one supersedes them), final answers never are.
const eventBuffer = 256

func startEngine() *engine {
	e := &engine{calls: map[int]*call{}}
	// ?engine=plain on the page's URL makes the engine worker load the
	// plain SIMD build (worker.wasm) even where the browser has relaxed
	// SIMD (static/worker.js): to compare the builds, or to rule the
	// relaxed one out.
	url := "worker.js"
	if q := js.Global().Get("location").Get("search"); q.Type() == js.TypeString &&
		js.Global().Get("URLSearchParams").New(q.String()).Call("get", "engine").String() == "plain" {
		url += "?build=plain"
	}
	e.worker = js.Global().Get("Worker").New(url)
	e.worker.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		e.receive(args[0].Get("data"))
		return nil
	}))
	e.worker.Set("onerror", js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "the engine worker failed"
		if len(args) > 0 && args[0].Get("message").Type() == js.TypeString {
			msg += ": " + args[0].Get("message").String()
		}
		e.fail(errors.New(msg))
		return nil
	}))
	time.AfterFunc(startTimeout, func() {
		e.mu.Lock()
		stuck := !e.started && e.startErr == nil // else it ran, or failed with its own error
		e.mu.Unlock()
		if stuck {
			js.Global().Get("console").Call("error", "convscope: "+errNotStarted.Error())
			e.fail(errNotStarted)
		}
	})
	e.armPick()
	return e
}

// receive runs in the worker's message event: decode and hand over, never
// block.
func (e *engine) receive(data js.Value) {
	e.mu.Lock()
	e.started = true
	late := e.startErr == errNotStarted
	if late {
		e.startErr = nil // late, but it runs: the next requests may go
	}
	e.mu.Unlock()
	if late {
		e.armPick() // fail dropped the armed request
	}
	m, err := protocol.FromJS(data)
	if err != nil {
		js.Global().Get("console").Call("warn", "convscope: dropped a message from the worker: "+err.Error())
		return
	}
	if m.Type() == protocol.TypeReady {
		return
	}
	if m.RequestID() == 0 {
		if em, ok := m.(*protocol.Error); ok {
			e.fail(errors.New(em.Message))
		}
		return
	}
	e.mu.Lock()
	c := e.calls[m.RequestID()]
	final := protocol.IsFinal(m)
	if final {
		delete(e.calls, m.RequestID())
	}
	e.mu.Unlock()
	if c == nil {
		return // answer to a request nobody waits for any more
	}
	select {
	case c.ch <- m:
	default:
		if final {
			go func() { c.ch <- m }()
		}
	}
}

// fail ends every waiting request with err, and every later one.
func (e *engine) fail(err error) {
	e.mu.Lock()
	e.startErr = err
	calls := e.calls
	e.calls = map[int]*call{}
	e.mu.Unlock()
	for id := range calls {
		c := calls[id]
		go func() {
			c.ch <- &protocol.Error{ID: id, Code: protocol.CodeInternal, Message: err.Error()}
		}()
	}
}

// do posts the request build(id) and waits for its final answer, passing
// the others to on. A worker Error becomes a *web.Error.
func (e *engine) do(kind protocol.Type, build func(id int) protocol.Message, on func(protocol.Message)) (protocol.Message, error) {
	c, err := e.post(kind, func(id int) error { return protocol.Post(e.worker, build(id)) })
	if err != nil {
		return nil, err
	}
	return e.wait(c, on)
}

// post registers a request of kind and posts it with send(id).
func (e *engine) post(kind protocol.Type, send func(id int) error) (*call, error) {
	e.mu.Lock()
	if e.startErr != nil {
		err := e.startErr
		e.mu.Unlock()
		return nil, err
	}
	e.nextID++
	id := e.nextID
	c := &call{kind: kind, ch: make(chan protocol.Message, eventBuffer)}
	e.calls[id] = c
	e.mu.Unlock()
	if err := send(id); err != nil {
		e.mu.Lock()
		delete(e.calls, id)
		e.mu.Unlock()
		return nil, err
	}
	return c, nil
}

// wait returns the final answer of c, passing the others to on. A worker
// Error becomes a *web.Error.
func (e *engine) wait(c *call, on func(protocol.Message)) (protocol.Message, error) {
	for m := range c.ch {
		if !protocol.IsFinal(m) {
			if on != nil {
				on(m)
			}
			continue
		}
		if em, ok := m.(*protocol.Error); ok {
			return nil, &web.Error{Code: em.Code, Message: em.Message}
		}
		return m, nil
	}
	return nil, errors.New("the engine worker went away")
}

// cancel cancels every request of kind in flight.
func (e *engine) cancel(kind protocol.Type) {
	e.mu.Lock()
	var ids []int
	for id, c := range e.calls {
		if c.kind == kind && !c.posted {
			ids = append(ids, id)
		}
	}
	e.mu.Unlock()
	for _, id := range ids {
		protocol.Post(e.worker, protocol.Cancel{ID: id})
	}
}

func unexpected(m protocol.Message) error {
	return fmt.Errorf("the engine answered %s", m.Type())
}

func (e *engine) load(m web.ModelEntry, progress func(loaded, total int64)) (*protocol.Loaded, error) {
	ans, err := e.do(protocol.TypeLoad, func(id int) protocol.Message {
		return protocol.Load{ID: id, Model: protocol.ModelRef{Name: m.Name, URL: m.URL, SHA256: m.SHA256, Bytes: m.Bytes}}
	}, func(m protocol.Message) {
		if p, ok := m.(*protocol.Progress); ok && progress != nil {
			progress(p.Loaded, p.Total)
		}
	})
	if err != nil {
		return nil, err
	}
	l, ok := ans.(*protocol.Loaded)
	if !ok {
		return nil, unexpected(ans)
	}
	return l, nil
}

func (e *engine) classify(img []byte, step func(protocol.LayerDone)) (*protocol.Result, error) {
	return classifyAnswer(e.do(protocol.TypeClassify, func(id int) protocol.Message {
		return protocol.Classify{ID: id, Top: 5, Again: img == nil, Image: img, QuietMs: quietMs}
	}, stepOf(step)))
}

// stepOf passes a Classify's LayerDone messages to step.
func stepOf(step func(protocol.LayerDone)) func(protocol.Message) {
	return func(m protocol.Message) {
		if s, ok := m.(*protocol.LayerDone); ok && step != nil {
			step(*s)
		}
	}
}

// quietMs is a Classify's QuietMs: the page shows a run's progress only
// once it has taken web.BusyDelay.
const quietMs = int(web.BusyDelay / time.Millisecond)

// classifyAnswer is the Result a Classify's final answer must be.
func classifyAnswer(ans protocol.Message, err error) (*protocol.Result, error) {
	if err != nil {
		return nil, err
	}
	r, ok := ans.(*protocol.Result)
	if !ok {
		return nil, unexpected(ans)
	}
	return r, nil
}

// classifyFile posts a Classify of file (a File the user picked, dropped
// or pasted) at once, from the event that gave it: the worker reads the
// file (protocol.PostFile), so the page neither reads it nor waits for
// its goroutines before the request leaves. The component cancels the
// run the pick replaces (Host.Cancel, which leaves this one alone: see
// call.posted). The returned function waits for the answer as classify
// does.
func (e *engine) classifyFile(file js.Value) (func(step func(protocol.LayerDone), preview func(protocol.Preview)) (*protocol.Result, error), error) {
	if c := e.takePicked(file); c != nil {
		return e.waitFile(c), nil
	}
	c, err := e.post(protocol.TypeClassify, func(id int) error {
		return protocol.PostFile(e.worker, fileClassify(id), file)
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	c.posted = true
	e.mu.Unlock()
	return e.waitFile(c), nil
}

// fileClassify is the Classify of a picked file.
func fileClassify(id int) protocol.Classify {
	return protocol.Classify{ID: id, Top: 5, Preview: true, QuietMs: quietMs}
}

// armPick registers the Classify of the next file picked in the file
// inputs and gives its JSON and the worker to the page's script
// (window.convscopeNextPick, static/boot.js), whose listener of the
// document's change events (capture phase: before this module's
// listener, listenForFiles) posts it with the File at once, without
// entering Go: the Classify posted from this module's listener left 1.9-2.5
// ms after the change event (the listener entered, the file's name and
// size read, the request encoded; the size and the post wait for the
// browser's synchronous snapshot of the file, which the script's post
// still makes), from the script 1.2-1.4 ms (session 19's traces of
// CIFAR-10 picks). classifyFile then takes that request (takePicked) and
// arms the next one.
func (e *engine) armPick() {
	win := js.Global()
	e.mu.Lock()
	if e.startErr != nil {
		e.mu.Unlock()
		win.Set("convscopeNextPick", js.Null())
		return
	}
	e.nextID++
	id := e.nextID
	e.calls[id] = &call{kind: protocol.TypeClassify, ch: make(chan protocol.Message, eventBuffer), posted: true}
	e.mu.Unlock()
	m := fileClassify(id)
	m.Image = []byte{0} // the file stands for it (protocol.PostFile)
	text, _, err := protocol.Encode(m)
	if err != nil {
		win.Set("convscopeNextPick", js.Null())
		return
	}
	next := js.Global().Get("Object").New()
	next.Set("worker", e.worker)
	next.Set("json", string(text))
	next.Set("id", id)
	next.Set("max", web.MaxImageBytes)
	win.Set("convscopeNextPick", next)
}

// takePicked returns the request the page's script posted for file
// (window.convscopePicked: see armPick) and arms the next one; nil when
// the script did not post file (a file dropped or pasted, or a page
// without the script).
func (e *engine) takePicked(file js.Value) *call {
	win := js.Global()
	picked := win.Get("convscopePicked")
	if picked.Type() != js.TypeObject || !picked.Get("file").Equal(file) {
		return nil
	}
	id := picked.Get("id").Int()
	win.Set("convscopePicked", js.Null())
	e.mu.Lock()
	// Gone when the engine failed meanwhile (fail): the caller then
	// posts again and meets the engine's error as any request does.
	c := e.calls[id]
	e.mu.Unlock()
	e.armPick()
	return c
}

// waitFile is classifyFile's function that waits for the answer of c.
func (e *engine) waitFile(c *call) func(step func(protocol.LayerDone), preview func(protocol.Preview)) (*protocol.Result, error) {
	return func(step func(protocol.LayerDone), preview func(protocol.Preview)) (*protocol.Result, error) {
		e.mu.Lock()
		c.posted = false
		e.mu.Unlock()
		return classifyAnswer(e.wait(c, func(m protocol.Message) {
			if p, ok := m.(*protocol.Preview); ok && preview != nil {
				preview(*p)
				return
			}
			stepOf(step)(m)
		}))
	}
}

func (e *engine) activations(layer string) (*protocol.Maps, error) {
	ans, err := e.do(protocol.TypeActivations, func(id int) protocol.Message {
		return protocol.Activations{ID: id, Layer: layer}
	}, nil)
	if err != nil {
		return nil, err
	}
	m, ok := ans.(*protocol.Maps)
	if !ok {
		return nil, unexpected(ans)
	}
	return m, nil
}

func (e *engine) filters() (*protocol.Patches, error) {
	ans, err := e.do(protocol.TypeFilters, func(id int) protocol.Message {
		return protocol.Filters{ID: id}
	}, nil)
	if err != nil {
		return nil, err
	}
	p, ok := ans.(*protocol.Patches)
	if !ok {
		return nil, unexpected(ans)
	}
	return p, nil
}

func (e *engine) explain(class int, progress func(done, total int)) (*protocol.Heatmap, error) {
	ans, err := e.do(protocol.TypeExplain, func(id int) protocol.Message {
		return protocol.Explain{ID: id, Class: class}
	}, func(m protocol.Message) {
		if p, ok := m.(*protocol.Progress); ok && progress != nil {
			progress(int(p.Loaded), int(p.Total))
		}
	})
	if err != nil {
		return nil, err
	}
	h, ok := ans.(*protocol.Heatmap)
	if !ok {
		return nil, unexpected(ans)
	}
	return h, nil
}

func (e *engine) slide(layer string, out, in int) (*protocol.Slides, error) {
	ans, err := e.do(protocol.TypeSlide, func(id int) protocol.Message {
		return protocol.Slide{ID: id, Layer: layer, Out: out, In: in}
	}, nil)
	if err != nil {
		return nil, err
	}
	s, ok := ans.(*protocol.Slides)
	if !ok {
		return nil, unexpected(ans)
	}
	return s, nil
}
