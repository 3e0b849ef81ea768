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
//	ctl   SharedArrayBuffer of at least ControlBytes(count) bytes
//	      (NewControl), Int32Array [done, failed, claimed, gone, read 0,
//	      read 1, ...]: done counts the parts put into the exchange buffers
//	      (gather k of every shard is complete when it reaches the parts of
//	      gathers 0 to k); failed is set by a shard whose run failed or by
//	      the coordinator that abandons a run, and makes every waiting and
//	      later gather fail; claimed counts the chunks of shared nodes
//	      taken (Share); gone is set with failed by a shard that died
//	      (FailFunc), and Clear keeps both; read i counts the gathers shard
//	      i has copied out.
//	bufs  two growable SharedArrayBuffers (see NewBuffers) holding the
//	      gathers' tensors: gather k uses buffer k%2, and a shard writes
//	      gather k only once every shard has read gather k-2 out of it.
//
// A shard waits for the parts, not for the other shards: a gather whose
// parts are all in is over for every shard, however far behind one is. A
// conv split by rows (each shard holds its weights) is shared out chunk by
// chunk as the shards come (Share), so a shard the system deschedules
// leaves its chunks to the other instead of stalling it: on a busy machine
// (two cores, other programs running) the static halves made the faster
// worker wait at every gather for the slower one's whole half.
//
// The waits block the worker's thread in Atomics.wait, which dedicated
// workers may do (a page may not).
package shard

import (
	"errors"
	"fmt"
	"slices"
	"syscall/js"
	"time"
	"unsafe"

	"convscope/engine"
)

// DefaultTimeout bounds one wait in a gather: a layer takes far less, even VGG16's
// on a busy machine; a longer wait means a shard is gone.
const DefaultTimeout = 2 * time.Minute

// maxBufferBytes is how far an exchange buffer may grow: the largest
// output a split node of the catalog's models gathers is far below it
// (VGG16's first convs: 64x224x224 float32, 12.8 MB per image).
const maxBufferBytes = 1 << 30

// ErrAborted is the error of a gather released by the failed flag.
var ErrAborted = errors.New("another shard failed or the run was abandoned")

// The control words (Int32Array indices of ctl).
const (
	ctlDone    = 0
	ctlFailed  = 1
	ctlClaimed = 2
	ctlGone    = 3
	ctlRead    = 4 // shard i's read count is at ctlRead+i
)

// ControlBytes is the size of the ctl buffer of count shards.
func ControlBytes(count int) int { return 4 * (ctlRead + count) }

// NewControl returns a new ctl buffer (zeroed) for count shards.
func NewControl(count int) js.Value {
	return js.Global().Get("SharedArrayBuffer").New(ControlBytes(count))
}

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
	fail, die    js.Value  // see Fail and FailFunc
	seq          int       // gathers since the last Reset
	doneEnd      int       // the done count that completes gather seq-1
	claimBase    int       // the claimed count at the current shared node's first chunk
	scratch      []float32 // see move

	// Timeout bounds each wait in a gather (DefaultTimeout when zero).
	Timeout time.Duration
	// Gathers and Time count this shard's gathers and the time spent in
	// them (copies and waiting for the others), for the benchmarks; Wait
	// is the part of Time spent waiting for the others' parts (or for them
	// to be done with the buffer).
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
	if n := ctl.Get("byteLength").Int(); n < ControlBytes(count) {
		return nil, fmt.Errorf("control buffer of %d bytes, want %d for %d shards", n, ControlBytes(count), count)
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
		fail:    failFunc(atomics, ctl32, count, false),
		die:     failFunc(atomics, ctl32, count, true),
	}, nil
}

// failFunc returns a JavaScript function that does what Fail does: set
// the failed flag of ctl32 (with gone, the gone flag first), then wake
// every shard waiting (on done or on a read count of count shards). It
// is made of JavaScript's built-ins only, bound to their arguments, with
// no Go in it: it still works once this Go program is dead (a fatal error
// such as out of memory leaves no Go to call), and it needs no eval, which
// the app's Content-Security-Policy forbids. forEach calls Reflect.apply
// on each bound call, with its index as this and the array as arguments
// after the bound ones: notify's count must be bound (every waiter), or
// the first of those would take its place (a function: no waiter).
func failFunc(atomics, ctl32 js.Value, count int, gone bool) js.Value {
	bind := func(name string, args ...any) js.Value {
		return atomics.Get(name).Call("bind", append([]any{atomics}, args...)...)
	}
	all := js.Global().Get("Infinity")
	calls := js.Global().Get("Array").New()
	if gone {
		calls.Call("push", bind("store", ctl32, ctlGone, 1))
	}
	calls.Call("push", bind("store", ctl32, ctlFailed, 1), bind("notify", ctl32, ctlDone, all))
	for i := range count {
		calls.Call("push", bind("notify", ctl32, ctlRead+i, all))
	}
	return calls.Get("forEach").Call("bind", calls, js.Global().Get("Reflect").Get("apply"))
}

// FailFunc returns a JavaScript function of no arguments that fails the
// exchange as Fail does, for good (Clear keeps it failed: this shard is
// gone), and keeps working after this Go program has died: a helper's
// worker.js (static/worker.js) calls it when its WebAssembly throws or its
// Go exits, so that the other shards do not wait for it. The control
// buffer's layout stays in this package.
func (x *Exchange) FailFunc() js.Value { return x.die }

// Shard returns the engine.Shard of this exchange's program.
func (x *Exchange) Shard() engine.Shard {
	return engine.Shard{Index: x.index, Count: x.count, Gather: x.Gather, Share: x.Share}
}

// Reset starts a run's gathers and shared chunks from the first again.
// Every shard must Reset, and the coordinator Clear the control buffer,
// between runs when runs may be abandoned midway (the app); shards that
// always finish their runs together (the bench) need not.
func (x *Exchange) Reset() { x.seq, x.doneEnd, x.claimBase = 0, 0, 0 }

// Clear zeroes the control buffer: no parts, no failure, no chunk taken,
// nothing read; but a shard that died (FailFunc) leaves it failed, so
// that the next run fails at once instead of waiting for it. The
// coordinator Clears before a run, and learns of a death from a message
// that may come later (the app's worker: a helper that died between
// runs), so the flag must outlive Clear. gone is stored before failed
// and read after failed is zeroed: a death during Clear leaves failed set.
// Only while no shard is running.
func (x *Exchange) Clear() {
	for i := range ctlRead + x.count {
		if i != ctlGone {
			x.atomics.Call("store", x.ctl, i, 0)
		}
	}
	if x.atomics.Call("load", x.ctl, ctlGone).Int() != 0 {
		x.atomics.Call("store", x.ctl, ctlFailed, 1)
	}
}

// Share is engine.Shard's Share: it takes the next chunk of the current
// shared node's n that no shard has taken, or returns -1 (and moves on
// to the next shared node) once all are taken. The claimed count runs on
// from node to node: this node's chunks are claimBase to claimBase+n-1,
// and no shard can take a later node's before this one's are all taken.
func (x *Exchange) Share(n int) int {
	end := x.claimBase + n
	for {
		c := x.atomics.Call("load", x.ctl, ctlClaimed).Int()
		if c >= end {
			x.claimBase = end
			return -1
		}
		if x.atomics.Call("compareExchange", x.ctl, ctlClaimed, c, c+1).Int() == c {
			return c - x.claimBase
		}
	}
}

// Fail releases every shard waiting in a gather, now and until Clear:
// called when this shard's run failed, or by the coordinator abandoning a
// run, so that nobody waits for a gather that will not come.
func (x *Exchange) Fail() { x.fail.Invoke() }

// Gather is engine.Shard's Gather: this shard's parts of each g.Y go
// into the exchange buffer, the others' parts come out of it once every
// part of parts is in.
//
// In the buffer, the tensors lie one after the other in the order of
// parts, and within a tensor's place its parts (a shard's, or a shared
// node's chunks: see engine.Gathered) lie in order, each packed (its
// Outer blocks of (Hi-Lo)*Inner values back to back; part i starts at
// Outer*Inner*Bounds[i]), so that a part is one copy into the buffer and
// one out of it, whatever Outer: a conv split by rows has one block per
// channel, and a JS call per block (a few microseconds each) would cost
// more than the copies. With one block this is Y's own layout.
func (x *Exchange) Gather(parts []engine.Gathered) error {
	if len(parts) == 0 {
		return nil
	}
	total, all, mine := 0, 0, 0
	for _, g := range parts {
		n := len(g.Y)
		if n == 0 || g.Outer <= 0 || n%g.Outer != 0 {
			return fmt.Errorf("gather %s: %d values in %d blocks", g.Node, n, g.Outer)
		}
		block := n / g.Outer
		if g.Own != nil {
			k := len(g.Bounds) - 1
			if k < 1 || g.Bounds[0] != 0 || g.Bounds[k]*g.Inner != block || slices.ContainsFunc(g.Own, func(i int) bool { return i < 0 || i >= k }) {
				return fmt.Errorf("gather %s: chunks %v of %v do not cut blocks of %d values", g.Node, g.Own, g.Bounds, block)
			}
			all, mine = all+k, mine+len(g.Own)
		} else {
			if len(g.Bounds) != x.count+1 || g.Bounds[0] != 0 || g.Bounds[x.count]*g.Inner != block ||
				g.Bounds[x.index] != g.Lo || g.Bounds[x.index+1] != g.Hi {
				return fmt.Errorf("gather %s: bounds %v do not cut blocks of %d values in %d parts with [%d, %d) as part %d", g.Node, g.Bounds, block, x.count, g.Lo, g.Hi, x.index)
			}
			all, mine = all+x.count, mine+1
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
	seq := x.seq
	x.seq++
	x.doneEnd += all
	// The buffer's last tensors (gather seq-2) must be out of every
	// shard's hands: a shard that is ahead waits here for one behind.
	t0 := time.Now()
	for i := range x.count {
		if i == x.index {
			continue
		}
		if err := x.await(ctlRead+i, seq-1); err != nil {
			return fmt.Errorf("gather %s: %w", last, err)
		}
	}
	waited = time.Since(t0)
	view, err := x.view(seq%2, 4*total)
	if err != nil {
		return fmt.Errorf("gather %s: %v", last, err)
	}
	at := 0
	for _, g := range parts {
		for _, i := range x.own(g) {
			x.move(g, view, at, i, true)
		}
		at += len(g.Y)
	}
	arrive := time.Now()
	err = x.arrive(mine)
	waited += time.Since(arrive)
	if err != nil {
		return fmt.Errorf("gather %s: %w", last, err)
	}
	at = 0
	for _, g := range parts {
		own := x.own(g)
		for i := range len(g.Bounds) - 1 {
			if !slices.Contains(own, i) {
				x.move(g, view, at, i, false)
			}
		}
		at += len(g.Y)
	}
	x.atomics.Call("store", x.ctl, ctlRead+x.index, seq+1)
	x.atomics.Call("notify", x.ctl, ctlRead+x.index)
	return nil
}

// own returns the parts of g this shard computed.
func (x *Exchange) own(g engine.Gathered) []int {
	if g.Own != nil {
		return g.Own
	}
	return []int{x.index}
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

// arrive adds this shard's mine parts to the done count and waits until
// the current gather's parts are all in, or fails when a shard failed or
// none came within the timeout.
func (x *Exchange) arrive(mine int) error {
	if x.atomics.Call("add", x.ctl, ctlDone, mine).Int()+mine >= x.doneEnd {
		if mine > 0 {
			x.atomics.Call("notify", x.ctl, ctlDone)
		}
		return nil
	}
	return x.await(ctlDone, x.doneEnd)
}

// await waits until control word i (a count that only grows) reaches
// want, or fails when the failed flag is set or the word does not get
// there within the timeout. The count is read before the flag: a gather
// whose parts are all in is complete even if a shard failed since (a
// helper that dies once its run is over, before this shard, woken but
// not yet scheduled, looks: its run then failed for nothing).
func (x *Exchange) await(i, want int) error {
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	for {
		cur := x.atomics.Call("load", x.ctl, i).Int()
		if cur >= want {
			return nil
		}
		if x.atomics.Call("load", x.ctl, ctlFailed).Int() != 0 {
			return ErrAborted
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("shard %d: no word from the other shards in %v", x.index, timeout)
		}
		x.atomics.Call("wait", x.ctl, i, cur, float64(left.Milliseconds()+1))
	}
}

// FloatBytes returns the bytes of v in place (no copy), for
// js.CopyBytesToJS and js.CopyBytesToGo: a gather's values, and the input
// the engine worker posts to its helpers.
func FloatBytes(v []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}
