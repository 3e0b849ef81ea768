//go:build js && wasm

// Package shard is engine.Shard's Gather between Web Workers: each worker
// runs one Go WebAssembly instance holding one shard of a program (Go's wasm
// is single-threaded, so one instance per core), and the shards exchange
// the parts of each split node's output through SharedArrayBuffers. Both
// the app's engine worker with its helpers (wasm/worker) and the all-cores
// row of `bench -browser` (tools/bench/gowasm) use it.
//
// The shared memory, created once by whoever starts the shards and posted
// to every one of them:
//
//	ctl   SharedArrayBuffer of 8 bytes (Int32Array [arrivals, failed]):
//	      arrivals counts barrier arrivals (barrier k of every shard is
//	      complete when it reaches k*count); failed is set by a shard whose
//	      run failed or by the coordinator that abandons a run, and makes
//	      every waiting and later barrier fail.
//	bufs  two growable SharedArrayBuffers (see NewBuffers) holding the
//	      gathers' tensors: gather k uses buffer k%2, since a shard can only
//	      reach gather k+2 once every shard has passed gather k+1's barrier,
//	      after reading gather k's buffer.
//
// The barrier blocks the worker's thread in Atomics.wait, which dedicated
// workers may do (a page may not).
package shard

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"
	"unsafe"

	"convscope/engine"
)

// DefaultTimeout bounds one barrier: a layer takes far less, even VGG16's
// on a busy machine; a longer wait means a shard is gone.
const DefaultTimeout = 2 * time.Minute

// maxBufferBytes is how far an exchange buffer may grow: the largest
// output a split node of the catalog's models gathers is far below it
// (VGG16's first convs: 64x224x224 float32, 12.8 MB per image).
const maxBufferBytes = 1 << 30

// ErrAborted is the error of a gather released by the failed flag.
var ErrAborted = errors.New("another shard failed or the run was abandoned")

// NewControl returns a new ctl buffer (zeroed).
func NewControl() js.Value { return js.Global().Get("SharedArrayBuffer").New(8) }

// NewBuffers returns the two exchange buffers, empty and growable.
func NewBuffers() js.Value {
	opts := js.Global().Get("Object").New()
	opts.Set("maxByteLength", maxBufferBytes)
	sab := js.Global().Get("SharedArrayBuffer")
	return js.Global().Get("Array").New(sab.New(0, opts), sab.New(0, opts))
}

// Available reports whether this worker can share memory with others: a
// SharedArrayBuffer exists only in a cross-origin isolated context.
func Available() bool {
	g := js.Global()
	return g.Get("crossOriginIsolated").Truthy() && g.Get("SharedArrayBuffer").Type() == js.TypeFunction
}

// Exchange is one shard's side of the exchange.
type Exchange struct {
	index, count int
	ctl          js.Value // Int32Array over the ctl buffer
	bufs         [2]js.Value
	atomics      js.Value
	u8           js.Value
	fail         js.Value  // see FailFunc
	seq          int       // gathers since the last Reset
	scratch      []float32 // see move

	// Timeout bounds each barrier (DefaultTimeout when zero).
	Timeout time.Duration
	// Gathers and Time count this shard's gathers and the time spent in
	// them (copies and waiting for the others), for the benchmarks; Wait
	// is the part of Time spent at the barrier, waiting for the others.
	Gathers int
	Time    time.Duration
	Wait    time.Duration
	// Last is the last gather's (last) node, its copy and wait times: a
	// profile by layer (the bench's) reads it after each node.
	Last GatherTiming
}

// GatherTiming is one gather's node and its time in copies and waiting at
// the barrier.
type GatherTiming struct {
	Node       string
	Copy, Wait time.Duration
}

// New returns shard index of count's exchange over ctl and bufs (the
// SharedArrayBuffers of NewControl and NewBuffers, or as posted).
func New(ctl, bufs js.Value, index, count int) (*Exchange, error) {
	if count < 2 || index < 0 || index >= count {
		return nil, fmt.Errorf("shard %d of %d", index, count)
	}
	if bufs.Length() != 2 {
		return nil, fmt.Errorf("want two exchange buffers, got %d", bufs.Length())
	}
	g := js.Global()
	ctl32 := g.Get("Int32Array").New(ctl)
	atomics := g.Get("Atomics")
	return &Exchange{
		index: index, count: count,
		ctl:     ctl32,
		bufs:    [2]js.Value{bufs.Index(0), bufs.Index(1)},
		atomics: atomics,
		u8:      g.Get("Uint8Array"),
		fail:    failFunc(atomics, ctl32),
	}, nil
}

// failFunc returns a JavaScript function that does what Fail does: set
// the failed flag of ctl32, then wake every shard waiting on arrivals. It
// is made of JavaScript's built-ins only, bound to their arguments, with
// no Go in it: it still works once this Go program is dead (a fatal error
// such as out of memory leaves no Go to call), and it needs no eval, which
// the app's Content-Security-Policy forbids. forEach calls Reflect.apply
// on each bound call, with its index as this and the array as arguments
// after the bound ones: notify's count must be bound (every waiter), or
// the first of those would take its place (a function: no waiter).
func failFunc(atomics, ctl32 js.Value) js.Value {
	bind := func(name string, args ...any) js.Value {
		return atomics.Get(name).Call("bind", append([]any{atomics}, args...)...)
	}
	all := js.Global().Get("Infinity")
	calls := js.Global().Get("Array").New(bind("store", ctl32, 1, 1), bind("notify", ctl32, 0, all))
	return calls.Get("forEach").Call("bind", calls, js.Global().Get("Reflect").Get("apply"))
}

// FailFunc returns a JavaScript function of no arguments that fails the
// exchange as Fail does, and keeps working after this Go program has died:
// a helper's worker.js (static/worker.js) calls it when its WebAssembly
// throws or its Go exits, so that the other shards do not wait for it.
// The control buffer's layout stays in this package.
func (x *Exchange) FailFunc() js.Value { return x.fail }

// Shard returns the engine.Shard of this exchange's program.
func (x *Exchange) Shard() engine.Shard {
	return engine.Shard{Index: x.index, Count: x.count, Gather: x.Gather}
}

// Reset starts a run's gathers from the first again. Every shard must
// Reset, and the coordinator Clear the control buffer, between runs when
// runs may be abandoned midway (the app); shards that always finish their
// runs together (the bench) need not.
func (x *Exchange) Reset() { x.seq = 0 }

// Clear zeroes the control buffer: no arrivals, no failure. Only while no
// shard is running.
func (x *Exchange) Clear() {
	x.atomics.Call("store", x.ctl, 0, 0)
	x.atomics.Call("store", x.ctl, 1, 0)
}

// Fail releases every shard waiting in a barrier, now and until Clear:
// called when this shard's run failed, or by the coordinator abandoning a
// run, so that nobody waits for a gather that will not come.
func (x *Exchange) Fail() { x.fail.Invoke() }

// Gather is engine.Shard's Gather: this shard's part of each g.Y goes
// into the exchange buffer, the others' parts come out of it after one
// barrier for all of parts.
//
// In the buffer, the tensors lie one after the other in the order of
// parts, and within a tensor's place the shards' parts lie in order of
// shard, each packed (its Outer blocks of (Hi-Lo)*Inner values back to
// back; part i starts at Outer*Inner*Bounds[i]), so that a part is one
// copy into the buffer and the others are one copy out of it, whatever
// Outer: a conv split by rows has one block per channel, and a JS call per
// block (a few microseconds each) would cost more than the copies. With
// one block this is Y's own layout.
func (x *Exchange) Gather(parts []engine.Gathered) error {
	if len(parts) == 0 {
		return nil
	}
	total := 0
	for _, g := range parts {
		n := len(g.Y)
		if n == 0 || g.Outer <= 0 || n%g.Outer != 0 {
			return fmt.Errorf("gather %s: %d values in %d blocks", g.Node, n, g.Outer)
		}
		block := n / g.Outer
		if len(g.Bounds) != x.count+1 || g.Bounds[0] != 0 || g.Bounds[x.count]*g.Inner != block ||
			g.Bounds[x.index] != g.Lo || g.Bounds[x.index+1] != g.Hi {
			return fmt.Errorf("gather %s: bounds %v do not cut blocks of %d values in %d parts with [%d, %d) as part %d", g.Node, g.Bounds, block, x.count, g.Lo, g.Hi, x.index)
		}
		total += n
	}
	last := parts[len(parts)-1].Node
	start := time.Now()
	var waited time.Duration
	defer func() {
		d := time.Since(start)
		x.Time += d
		x.Wait += waited
		x.Gathers++
		x.Last = GatherTiming{Node: last, Copy: d - waited, Wait: waited}
	}()
	view, err := x.view(x.seq%2, 4*total)
	if err != nil {
		return fmt.Errorf("gather %s: %v", last, err)
	}
	x.seq++
	at := 0
	for _, g := range parts {
		x.move(g, view, at, x.index, true)
		at += len(g.Y)
	}
	arrive := time.Now()
	err = x.barrier()
	waited = time.Since(arrive)
	if err != nil {
		return fmt.Errorf("gather %s: %w", last, err)
	}
	at = 0
	for _, g := range parts {
		for i := range x.count {
			if i != x.index {
				x.move(g, view, at, i, false)
			}
		}
		at += len(g.Y)
	}
	return nil
}

// move copies part i of g between Y and its packed place in the exchange
// buffer, g's tensor starting at value at: into it (in) or out of it.
// Blocks go through x.scratch, several per JS call, unless a block alone
// fills it.
func (x *Exchange) move(g engine.Gathered, view js.Value, at, i int, in bool) {
	lo, hi := g.Bounds[i], g.Bounds[i+1]
	w := (hi - lo) * g.Inner // values of the part in each block
	if w == 0 {
		return
	}
	block := len(g.Y) / g.Outer
	base := at + g.Outer*g.Inner*lo // the part's first value in the buffer
	y := FloatBytes(g.Y)
	per := max(1, scratchValues/w) // blocks per JS call
	if per == 1 || g.Outer == 1 {
		for o := range g.Outer {
			at := 4 * (base + o*w)
			b := y[4*(o*block+lo*g.Inner) : 4*(o*block+lo*g.Inner+w)]
			sub := view.Call("subarray", at, at+4*w)
			if in {
				js.CopyBytesToJS(sub, b)
			} else {
				js.CopyBytesToGo(b, sub)
			}
		}
		return
	}
	if len(x.scratch) < per*w {
		x.scratch = make([]float32, per*w)
	}
	for o0 := 0; o0 < g.Outer; o0 += per {
		k := min(per, g.Outer-o0)
		s := x.scratch[:k*w]
		at := 4 * (base + o0*w)
		sub := view.Call("subarray", at, at+4*k*w)
		if !in {
			js.CopyBytesToGo(FloatBytes(s), sub)
		}
		for o := range k {
			yo := (o0+o)*block + lo*g.Inner
			if in {
				copy(s[o*w:(o+1)*w], g.Y[yo:yo+w])
			} else {
				copy(g.Y[yo:yo+w], s[o*w:(o+1)*w])
			}
		}
		if in {
			js.CopyBytesToJS(sub, FloatBytes(s))
		}
	}
}

// scratchValues is the size of the Go-side buffer through which Gather
// packs the blocks of a part (256 KiB).
const scratchValues = 1 << 16

// view returns a Uint8Array over the first bytes of buffer parity, grown
// if needed.
func (x *Exchange) view(parity, bytes int) (js.Value, error) {
	sab := x.bufs[parity]
	if sab.Get("byteLength").Int() < bytes {
		err := grow(sab, bytes)
		// Another shard may have grown it first: only the size counts.
		if sab.Get("byteLength").Int() < bytes {
			return js.Value{}, fmt.Errorf("exchange buffer cannot grow to %d bytes: %v", bytes, err)
		}
	}
	return x.u8.New(sab, 0, bytes), nil
}

// grow calls sab.grow, turning its exception (a RangeError) into an error.
func grow(sab js.Value, bytes int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	sab.Call("grow", bytes)
	return nil
}

// barrier waits until every shard has arrived at this gather, or fails
// when one failed or none came within the timeout.
func (x *Exchange) barrier() error {
	target := x.seq * x.count
	if x.atomics.Call("add", x.ctl, 0, 1).Int()+1 == target {
		x.atomics.Call("notify", x.ctl, 0)
		return nil
	}
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	for {
		if x.atomics.Call("load", x.ctl, 1).Int() != 0 {
			return ErrAborted
		}
		cur := x.atomics.Call("load", x.ctl, 0).Int()
		if cur >= target {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("shard %d: no word from the other shards in %v", x.index, timeout)
		}
		x.atomics.Call("wait", x.ctl, 0, cur, float64(left.Milliseconds()+1))
	}
}

// FloatBytes returns the bytes of v in place (no copy), for
// js.CopyBytesToJS and js.CopyBytesToGo: a gather's values, and the input
// the engine worker posts to its helpers.
func FloatBytes(v []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}
