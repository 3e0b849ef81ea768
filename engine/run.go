package engine

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"convscope/engine/internal/par"
	"convscope/engine/internal/reuse"
)

// Result is what Run returns.
type Result struct {
	Outputs map[string]*Tensor // graph outputs
	Kept    map[string]*Tensor // values named in Options.Keep
	Timings []NodeTiming       // one per executed node, in order
}

// NodeTiming is the wall time one executed node took.
type NodeTiming struct {
	Node     string
	Op       OpKind
	Duration time.Duration
}

// RunOptions are the optional controls of RunWith. The zero value is usable.
type RunOptions struct {
	// Context cancels a run between nodes; RunWith then returns an error
	// wrapping ctx.Err() (context.Canceled or context.DeadlineExceeded).
	// nil means context.Background().
	Context context.Context
	// Progress, if set, is called after each node with the number of nodes
	// done, the total and that node's timing (progress by layer), in node
	// order, from RunWith's goroutine. Natively with several workers the
	// branches of a block (an inception block's) run at once (see
	// planSchedule): Progress is then called for the block's nodes, one
	// by one, once all of them are done, and each timing is the wall time
	// of its node alone, while the other branches ran too.
	Progress func(done, total int, t NodeTiming)
	// Consume, if set, is offered each kept value (Options.Keep) as soon as
	// no later node reads it (for a block whose branches ran at once: once
	// the block is done), in node order, from RunWith's goroutine, once
	// per name the caller kept it under. Returning true for every name
	// hands the tensor back: its buffer is reused by later nodes like any
	// intermediate's (the caller must not hold on to it) and the value is
	// left out of Result.Kept; otherwise it stays in Result.Kept as usual,
	// as the same *Tensor (which the caller may keep from the call). A
	// caller that keeps many values only to summarise them (the browser
	// worker turns each layer's output into 8-bit maps) then holds one
	// float32 value at a time instead of all of them. Values that are graph outputs are not
	// offered, nor are any under Keep "*".
	Consume func(name string, t *Tensor) bool
}

// Run executes the program; see RunWith.
func (p *Program) Run(inputs map[string]*Tensor) (*Result, error) {
	return p.RunWith(inputs, RunOptions{})
}

// RunWith executes the program on inputs (one tensor per graph input).
// Each input must have the compiled shape, except that the batch dimension
// (dimension 0) may differ: shapes are then inferred again for those sizes
// (and cached), so batch >= 1 works for any graph whose ops do not pin the
// batch (a Reshape to a fixed shape does; that is reported as an error).
// Inputs are never modified, and the returned tensors never alias them.
func (p *Program) RunWith(inputs map[string]*Tensor, ro RunOptions) (*Result, error) {
	ctx := ro.Context
	if ctx == nil {
		ctx = context.Background()
	}
	dims, err := p.checkInputs(inputs)
	if err != nil {
		return nil, err
	}
	shapes, err := p.shapesFor(dims)
	if err != nil {
		return nil, err
	}
	vals := make(map[string]*Tensor, len(p.consts)+len(inputs)+len(p.nodes))
	for k, t := range p.consts {
		vals[k] = t
	}
	for k, t := range inputs {
		vals[k] = t
	}
	// Buffers released by earlier runs are reused; the pool is only ever
	// handed released intermediates, never outputs or kept values, which
	// belong to the caller.
	pool := p.arena.get()
	defer p.arena.put(pool)
	x := &execCtx{workers: p.workers, packed: p.packed}
	res := &Result{Outputs: map[string]*Tensor{}, Kept: map[string]*Tensor{}}
	res.Timings = make([]NodeTiming, 0, len(p.nodes))
	r := &runState{p: p, ro: &ro, ctx: ctx, shapes: shapes, vals: vals, pool: pool, res: res, t0: time.Now()}
	if p.steps == nil || runtime.GOMAXPROCS(0) == 1 {
		for i := range p.nodes {
			if err := r.node(x, i); err != nil {
				return nil, err
			}
		}
	} else {
		for k := range p.steps {
			st := &p.steps[k]
			if st.chains == nil {
				for i := st.lo; i < st.hi; i++ {
					if err := r.node(x, i); err != nil {
						return nil, err
					}
				}
				continue
			}
			if err := r.group(st); err != nil {
				return nil, err
			}
		}
	}
	owned := func(name string) *Tensor {
		t := vals[p.resolve(name)]
		if _, isInput := inputs[p.resolve(name)]; isInput {
			return t.Clone()
		}
		if _, isConst := p.consts[p.resolve(name)]; isConst {
			return t.Clone()
		}
		return t
	}
	for _, o := range p.outputs {
		res.Outputs[o] = owned(o)
	}
	for _, k := range p.keepAs {
		if _, ok := vals[p.resolve(k)]; !ok {
			continue // consumed
		}
		res.Kept[k] = owned(k)
	}
	if p.keepAll {
		for _, n := range p.nodes {
			for _, o := range n.Outputs {
				if o != "" {
					res.Kept[o] = vals[o]
				}
			}
		}
		for a := range p.alias {
			if _, ok := vals[p.resolve(a)]; ok {
				res.Kept[a] = owned(a)
			}
		}
	}
	return res, nil
}

// runState is what the nodes of one RunWith share.
type runState struct {
	p      *Program
	ro     *RunOptions
	ctx    context.Context
	shapes map[string][]int
	vals   map[string]*Tensor
	pool   *bufferPool
	res    *Result
	t0     time.Time // when the run started (see since)
	// mu guards vals and pool while a group's chains run.
	mu sync.Mutex
}

// node runs node i and what follows it: its timing, the release of the
// values it read last, Consume and Progress.
func (r *runState) node(x *execCtx, i int) error {
	p, n := r.p, r.p.nodes[i]
	start, err := r.exec(x, n, r.operands)
	if err != nil {
		return err
	}
	if err := p.settleAfter(x, i, r.vals); err != nil {
		return fmt.Errorf("run: after node %q: %w", n.Name, err)
	}
	// One span, the kernel and the gather after it.
	r.after(i, r.since()-start, p.free[i])
	return nil
}

// since returns the time since the run started, from the monotonic clock
// alone. A node's timing is two such readings: in WebAssembly time.Now is
// two calls out to JavaScript (Date.now and performance.now; Node, 0.6-0.8
// us, 3-4 us at load 20) and time.Since one (0.2-0.3 us), and a node took
// four readings, two of them time.Now: about 0.1 ms of a 63-node
// googlenet_cifar pass.
func (r *runState) since() time.Duration { return time.Since(r.t0) }

// exec runs node n unless the run is cancelled, on the tensors operands
// gives it (r.operands, or r.lockedOperands while other chains run), and
// returns when its kernel started (after operands; see since).
func (r *runState) exec(x *execCtx, n *Node, operands func(*Node) (in, out []*Tensor)) (time.Duration, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("run cancelled before node %q: %w", n.Name, err)
	}
	in, out := operands(n)
	start := r.since()
	if err := r.p.runNode(x, n, in, out); err != nil {
		return 0, fmt.Errorf("run: node %q (%v): %w", n.Name, n.Op, err)
	}
	return start, nil
}

// operands returns node n's inputs and its outputs' tensors, which it
// makes (from the pool for intermediates) and records in vals.
func (r *runState) operands(n *Node) (in, out []*Tensor) {
	p := r.p
	in = make([]*Tensor, len(n.Inputs))
	for j, name := range n.Inputs {
		if name != "" {
			in[j] = r.vals[name]
		}
	}
	out = make([]*Tensor, len(n.Outputs))
	if p.convPools[n] != nil {
		return in, out // its pool computes it and pools it at once: no output (shardpool.go)
	}
	for j, name := range n.Outputs {
		if name == "" {
			continue
		}
		if c, off, size, ok := p.placeOf(name, r.shapes); ok {
			// Its place in the Concat's output (concatplace.go).
			whole := r.value(c)
			out[j] = &Tensor{Shape: append([]int{}, r.shapes[name]...), Data: whole.Data[off : off+size : off+size]}
			r.vals[name] = out[j]
			continue
		}
		out[j] = r.value(name)
	}
	return in, out
}

// value returns the tensor of node output name, made now unless a part
// written in place made it already.
func (r *runState) value(name string) *Tensor {
	if t := r.vals[name]; t != nil {
		return t
	}
	p := r.p
	var t *Tensor
	if p.keepAll || p.held[name] && !(r.ro.Consume != nil && p.consumable[name]) {
		// The caller's: exactly its size, never a pooled buffer.
		t = &Tensor{Shape: append([]int{}, r.shapes[name]...), Data: make([]float32, numElements(r.shapes[name]))}
	} else {
		t = r.pool.get(r.shapes[name])
	}
	r.vals[name] = t
	return t
}

// put releases value name: its buffer goes back to the pool unless it is
// a part of a Concat's output.
func (r *runState) put(name string) {
	if _, _, _, ok := r.p.placeOf(name, r.shapes); !ok {
		r.pool.put(r.vals[name])
	}
	delete(r.vals, name)
}

// lockedOperands is operands while other chains run.
func (r *runState) lockedOperands(n *Node) (in, out []*Tensor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.operands(n)
}

// release hands the buffers of values free back to the pool while other
// chains run.
func (r *runState) release(free []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range free {
		r.put(name)
	}
}

// after records node i's timing, releases free and offers the kept values
// node i read last to Consume, then reports progress.
func (r *runState) after(i int, d time.Duration, free []string) {
	p, n := r.p, r.p.nodes[i]
	t := NodeTiming{Node: n.Name, Op: n.Op, Duration: d}
	r.res.Timings = append(r.res.Timings, t)
	for _, name := range free {
		r.put(name)
	}
	if r.ro.Consume != nil {
		for _, name := range p.lastKept[i] {
			p.offer(r.ro.Consume, name, r.vals, r.pool)
		}
	}
	if r.ro.Progress != nil {
		r.ro.Progress(i+1, len(p.nodes), t)
	}
}

// group runs a group's chains at once (see planSchedule), then, on the
// caller's goroutine and in node order, what follows each node: timings,
// the release of the values made before the group, Consume and Progress.
// A failing node stops the chains that have not finished (at their next
// node); the error returned is that of the first failed or cancelled
// node in node order.
func (r *runState) group(st *step) error {
	p := r.p
	durs := make([]time.Duration, st.hi-st.lo)
	errs := make([]error, st.hi-st.lo)
	var failed atomic.Bool
	par.Tasks(p.workers, len(st.chains), func(c int) {
		x := &execCtx{workers: p.workers, packed: p.packed}
		at := st.chains[c][0]
		defer func() {
			// runNode turns a kernel's panic into an error; this is
			// for the rest (a pool's buffer), which would otherwise
			// take down the helper thread and the process.
			if v := recover(); v != nil {
				errs[at-st.lo] = fmt.Errorf("run: node %q (%v): internal error: %v", p.nodes[at].Name, p.nodes[at].Op, v)
				failed.Store(true)
			}
		}()
		for _, i := range st.chains[c] {
			at = i
			if failed.Load() {
				return
			}
			start, err := r.exec(x, p.nodes[i], r.lockedOperands)
			if err != nil {
				errs[i-st.lo] = err
				failed.Store(true)
				return
			}
			durs[i-st.lo] = r.since() - start
			if f := st.free[i-st.lo]; len(f) > 0 {
				r.release(f)
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i := st.lo; i < st.hi; i++ {
		var free []string
		for _, name := range p.free[i] {
			if !slices.Contains(st.free[i-st.lo], name) {
				free = append(free, name)
			}
		}
		r.after(i, durs[i-st.lo], free)
	}
	return nil
}

// offer hands kept value name (resolved) to consume under each name the
// caller kept it as; if every call returns true its buffer goes back to the
// pool and it is dropped from vals. A value the caller keeps came from the
// pool: it is copied into a buffer of its own size when the pooled one is
// larger, so a small result never pins a large buffer.
func (p *Program) offer(consume func(string, *Tensor) bool, name string, vals map[string]*Tensor, pool *bufferPool) {
	t := vals[name]
	done := true
	for _, k := range p.keptAs[name] {
		done = consume(k, t) && done
	}
	if done {
		pool.put(t)
		delete(vals, name)
		return
	}
	if cap(t.Data) > len(t.Data) {
		// In place: the caller may hold t, which Result.Kept returns.
		pooled := &Tensor{Data: t.Data}
		t.Data = append([]float32(nil), t.Data...)
		pool.put(pooled)
	}
}

// runNode runs one node's kernel, or this program's part of a split node
// (see Shard). Shapes were checked by Compile and checkInputs, so a panic
// here is an engine bug; it is turned into an error so that one bad layer
// cannot take down the page or the server.
func (p *Program) runNode(x *execCtx, n *Node, in, out []*Tensor) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	if err := p.settle(x, in); err != nil {
		return err
	}
	if sp := p.splits[n]; sp != nil {
		return p.runSplit(x, n, sp, in, out)
	}
	if p.fusedPools[n] {
		return nil // its conv pools (shardpool.go)
	}
	if p.convPools[n] != nil {
		x.convIn = in // its pool computes it (shardpool.go)
		return nil
	}
	return ops[n.Op].run(x, n, in, out)
}

// checkInputs validates the feeds against the compiled input shapes and
// returns their first dimensions, in the order of p.inputs, or nil when every
// input has exactly its compiled shape (the common case: the compiled plan
// applies). Only dimension 0 may differ from the compiled shape.
func (p *Program) checkInputs(inputs map[string]*Tensor) ([]int, error) {
	want := map[string]bool{}
	dims := make([]int, len(p.inputs))
	exact := true
	for i, vi := range p.inputs {
		want[vi.Name] = true
		t, ok := inputs[vi.Name]
		if !ok || t == nil {
			return nil, fmt.Errorf("run: input %q not given", vi.Name)
		}
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("run: input %q: %w", vi.Name, err)
		}
		if t.Int8 != nil {
			return nil, fmt.Errorf("run: input %q holds int8 values; only constants may (inputs are float32)", vi.Name)
		}
		if len(t.Shape) != len(vi.Shape) || len(t.Shape) > 0 && !sameShape(t.Shape[1:], vi.Shape[1:]) {
			return nil, fmt.Errorf("run: input %q has shape %v, want %v (any batch size)", vi.Name, t.Shape, vi.Shape)
		}
		if len(t.Shape) > 0 {
			dims[i] = t.Shape[0]
			exact = exact && t.Shape[0] == vi.Shape[0]
		}
	}
	for name := range inputs {
		if !want[name] {
			return nil, fmt.Errorf("run: %q is not an input of the graph", name)
		}
	}
	if exact {
		return nil, nil
	}
	return dims, nil
}

// bufferPool recycles the buffers of released intermediates, within a run
// and across runs of a program. A tensor takes the smallest free buffer
// that holds it, not only one of its exact size: a chain of layers then
// cycles through a few buffers of its largest activations (VGG16: two of
// 12.8 MB) instead of keeping one or two per distinct size (50 MB).
// Outputs and kept values never come from the pool (see RunWith), so a
// small result never pins a large buffer.
type bufferPool struct {
	free [][]float32 // released buffers at full capacity
}

// arena holds the buffer pools of finished runs for later runs of a
// program, from any thread (reuse.List; a sync.Pool kept them per P, and a
// run rescheduled on the other P allocated every activation buffer afresh:
// ResNet-50 11 MB, some 2,700 page faults, 1-4 ms at load 15). A pool no
// run holds is left to the garbage collector, so an idle program does not
// pin its activations' memory, except in a shard (see hold).
type arena struct {
	l reuse.List[bufferPool]
	// hold keeps the last released pool reachable: set for a shard of
	// the split engine, a Web Worker that runs nothing but its program
	// and whose WebAssembly memory never shrinks, so that freeing the
	// pool between runs saves nothing, while a collection that ends
	// just after a run (GOGC 25 sets its next goal from a heap that
	// still holds that run's activations) dropped the pool, and the next
	// run allocated them again, not always where the freed ones were:
	// VGG16 on two workers, one worker's memory 124 -> 140.5 MB in its
	// second run (its conv1_1 output 12.3 MB, conv1_2's band 3.1 MB
	// allocated again), peak 277 -> 289 MB, whichever commit shifted the
	// collections (c66c656's max pools, which no longer allocated a
	// scratch per call).
	hold bool
	mu   sync.Mutex
	last *bufferPool
}

// get returns the most recently released pool (its buffers, if the
// collector left them), or an empty one.
func (a *arena) get() *bufferPool {
	if b := a.l.Take(func(*bufferPool) int { return 0 }); b != nil {
		return b
	}
	return new(bufferPool)
}

// put releases b for a later run.
func (a *arena) put(b *bufferPool) {
	a.l.Put(b)
	if a.hold {
		a.mu.Lock()
		a.last = b
		a.mu.Unlock()
	}
}

func (b *bufferPool) get(shape []int) *Tensor {
	n := numElements(shape)
	t := &Tensor{Shape: append([]int{}, shape...)}
	best := -1
	for i, buf := range b.free {
		if cap(buf) >= n && (best < 0 || cap(buf) < cap(b.free[best])) {
			best = i
		}
	}
	if best < 0 {
		t.Data = make([]float32, n)
		return t
	}
	t.Data = b.free[best][:n]
	b.free[best] = b.free[len(b.free)-1]
	b.free = b.free[:len(b.free)-1]
	return t
}

func (b *bufferPool) put(t *Tensor) {
	if t == nil || t.Data == nil {
		return
	}
	b.free = append(b.free, t.Data[:cap(t.Data)])
}

// numElements is the product of a shape inference already checked against
// MaxElements.
func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
