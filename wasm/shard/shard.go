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
	seq          int // gathers since the last Reset

	// Timeout bounds each barrier (DefaultTimeout when zero).
	Timeout time.Duration
	// Gathers and Time count this shard's gathers and the time spent in
	// them (copies and waiting for the others), for the benchmarks.
	Gathers int
	Time    time.Duration
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
	return &Exchange{
		index: index, count: count,
		ctl:     g.Get("Int32Array").New(ctl),
		bufs:    [2]js.Value{bufs.Index(0), bufs.Index(1)},
		atomics: g.Get("Atomics"),
		u8:      g.Get("Uint8Array"),
	}, nil
}

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
func (x *Exchange) Fail() {
	x.atomics.Call("store", x.ctl, 1, 1)
	x.atomics.Call("notify", x.ctl, 0)
}

// Gather is engine.Shard's Gather: this shard's part of g.Y goes into the
// exchange buffer, the others' parts come out of it after the barrier.
func (x *Exchange) Gather(g engine.Gathered) error {
	n := 4 * len(g.Y)
	if n == 0 || g.Outer <= 0 {
		return fmt.Errorf("gather %s: nothing to gather", g.Node)
	}
	start := time.Now()
	defer func() { x.Time += time.Since(start); x.Gathers++ }()
	view, err := x.view(x.seq%2, n)
	if err != nil {
		return fmt.Errorf("gather %s: %v", g.Node, err)
	}
	x.seq++
	b := FloatBytes(g.Y)
	block := n / g.Outer
	for o := range g.Outer {
		lo, hi := o*block+4*g.Lo*g.Inner, o*block+4*g.Hi*g.Inner
		if hi > lo {
			js.CopyBytesToJS(view.Call("subarray", lo, hi), b[lo:hi])
		}
	}
	if err := x.barrier(); err != nil {
		return fmt.Errorf("gather %s: %w", g.Node, err)
	}
	// The others' parts: each block but this shard's own range.
	for o := range g.Outer {
		lo, hi := o*block+4*g.Lo*g.Inner, o*block+4*g.Hi*g.Inner
		for _, r := range [2][2]int{{o * block, lo}, {hi, (o + 1) * block}} {
			if r[1] > r[0] {
				js.CopyBytesToGo(b[r[0]:r[1]], view.Call("subarray", r[0], r[1]))
			}
		}
	}
	return nil
}

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
