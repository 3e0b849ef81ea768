package engine

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"convscope/engine/gemm"
)

// Options configure Compile. The zero value is usable.
type Options struct {
	// Workers is the number of goroutines kernels may use; 0 means
	// runtime.GOMAXPROCS(0). Results are bit-identical for any value.
	Workers int
	// Keep names values whose tensors Run must return in Result.Kept (for
	// feature maps). A value named here is never fused away. "*" keeps every
	// value the compiled program computes; with fusion on, values that the
	// passes removed (a conv output folded into its BatchNormalization or
	// ReLU) are then absent, so use NoFuse to see every node's output.
	Keep []string
	// NoFuse keeps every node as written: no BatchNormalization folding, no
	// ReLU fusion, Identity and Dropout run as copies.
	NoFuse bool
	// Shard, with Count > 1, makes the program one of several that split
	// the convs and fully connected layers between them (see Shard).
	Shard Shard
}

// Program is a compiled graph. It is safe for concurrent use by several
// goroutines: each Run works in its own buffers (recycled from earlier runs).
type Program struct {
	workers int
	inputs  []ValueInfo // graph inputs that are not constants
	outputs []string
	nodes   []*Node // nodes Run executes, after the passes
	consts  map[string]*Tensor
	alias   map[string]string // outputs of skipped nodes -> the value they copy
	shapes  map[string][]int  // every value of the original graph, at the compiled batch
	keepAll bool
	keep    map[string]bool       // resolved (after alias) names to keep
	keepAs  []string              // Options.Keep names other than "*", as the caller wrote them
	free    [][]string            // free[i]: intermediates to release after nodes[i]
	steps   []step                // nodes cut into steps, some run at once (schedule.go); nil: one at a time
	parts   map[string]concatPart // values written straight into their Concat's output (concatplace.go)
	held    map[string]bool       // values Run hands to the caller (outputs, kept values)
	// lastKept[i]: kept values (resolved) whose last reader is nodes[i],
	// offered to RunOptions.Consume after it; consumable is their set and
	// keptAs the caller's names of each.
	lastKept   [][]string
	consumable map[string]bool
	keptAs     map[string][]string

	arena arena // released intermediate buffers, reused across runs (run.go)

	packed map[*Tensor]*gemm.PackedA // int8 conv weights laid out for the GEMM (prepack.go)

	shard   Shard            // Options.Shard, when Count > 1
	splits  map[*Node]*split // nodes computing only their part (shard.go)
	dropped map[string][]int // shapes of constants replaced by their parts
	// planning marks ShardParts' program, whose constants have no values;
	// plan collects the parts it finds (shard.go).
	planning bool
	plan     map[string]planned

	fusedPools map[*Node]bool  // MaxPools that a conv split by rows computes (shardpool.go)
	convPools  map[*Node]*Node // convs split by rows, to the MaxPool after them that computes them (shardpool.go)
	ownOnly    map[*Node]bool  // split nodes whose output is not gathered (shard.go, markOwnOnly)

	// fuseEarly makes fuseAdd give a residual Add to the conv that runs
	// first of its two operands' (see fuseAdd).
	fuseEarly bool

	mu    sync.Mutex
	plans map[string]map[string][]int // value shapes per set of input batch sizes
}

// Compile checks the graph (op params, shapes given the input shapes), runs
// the optimisation passes (BatchNormalization folded into the conv before it,
// ReLU fused into conv, Identity and Dropout skipped) and plans memory. Every
// malformed graph is an error here, never a panic later. The graph and its
// tensors are not modified; Compile's output does not alias g.Nodes.
func Compile(g *Graph, opt Options) (*Program, error) {
	p, err := prepare(g, opt, false)
	if err != nil {
		return nil, err
	}
	p.prepackConvWeights()
	p.prepackSplits()
	p.planMemory()
	p.planConcats()
	p.planSchedule()
	return p, nil
}

// prepare is Compile up to the shard split: checks, passes and constants.
// With planning (ShardParts), g's constants are stand-ins without values
// and nothing is copied: the split is recorded, not made.
func prepare(g *Graph, opt Options, planning bool) (*Program, error) {
	p, shapes, err := checkGraph(g, opt.Workers, opt.Shard.Parts, planning)
	if err != nil {
		return nil, err
	}
	p.outputs = append([]string(nil), g.Outputs...)
	for _, k := range opt.Keep {
		if k == "*" {
			p.keepAll = true
			continue
		}
		if _, ok := shapes[k]; !ok {
			return nil, fmt.Errorf("compile: kept value %q is not in the graph", k)
		}
		p.keepAs = append(p.keepAs, k)
	}
	// With the inter-op schedule (natively, several workers, not a shard:
	// see planSchedule), a residual Add goes to the block's main-path conv,
	// so that the downsample conv runs beside the main path's other convs.
	p.fuseEarly = p.workers > 1 && opt.Shard.Count <= 1 && !planning
	if !opt.NoFuse {
		if err := p.fuse(); err != nil {
			return nil, err
		}
	}
	for _, k := range p.keepAs {
		p.keep[p.resolve(k)] = true
	}
	p.pruneConsts()
	p.dequantizeConsts()
	if err := p.shardNodes(opt.Shard); err != nil {
		return nil, err
	}
	return p, nil
}

// InferShapes checks g as Compile does and returns the shape of every value
// of the graph as written (before any pass), without compiling a program:
// no weights are copied or laid out, so a caller that only needs to know
// whether a graph is sound and what it computes (a model loader checking
// its output against its labels) holds no second copy of the weights.
func InferShapes(g *Graph) (map[string][]int, error) {
	_, shapes, err := checkGraph(g, 1, nil, false)
	return shapes, err
}

// checkGraph checks g (constants, inputs, nodes, every node's params and
// shapes, outputs) and returns the program's first state and the shape of
// every value: the part of Compile that InferShapes also needs. Constants
// named in parts hold only a shard's part of their values (see
// Shard.Parts): shapes are inferred from the whole shapes. With planning
// the constants are ShardParts' stand-ins, whose shapes alone are checked.
func checkGraph(g *Graph, workers int, parts map[string]Part, planning bool) (*Program, map[string][]int, error) {
	if g == nil {
		return nil, nil, errors.New("compile: nil graph")
	}
	p := &Program{
		workers:  workers,
		planning: planning,
		consts:   make(map[string]*Tensor, len(g.Consts)),
		alias:    map[string]string{},
		keep:     map[string]bool{},
		plans:    map[string]map[string][]int{},
	}
	if p.workers <= 0 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	if p.workers > 256 {
		p.workers = 256
	}
	for name, t := range g.Consts {
		if name == "" {
			return nil, nil, errors.New("compile: constant with empty name")
		}
		if !planning {
			if err := t.Check(); err != nil {
				return nil, nil, fmt.Errorf("compile: constant %q: %w", name, err)
			}
		}
		p.consts[name] = t
	}
	if err := p.checkParts(parts); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, vi := range g.Inputs {
		if _, isConst := p.consts[vi.Name]; isConst {
			// Older ONNX files list initializers among the inputs; the
			// constant is used and the input needs no feed.
			continue
		}
		if vi.Name == "" {
			return nil, nil, errors.New("compile: graph input with empty name")
		}
		if seen[vi.Name] {
			return nil, nil, fmt.Errorf("compile: graph input %q listed twice", vi.Name)
		}
		seen[vi.Name] = true
		if _, err := NumElements(vi.Shape); err != nil {
			return nil, nil, fmt.Errorf("compile: graph input %q: %w", vi.Name, err)
		}
		p.inputs = append(p.inputs, ValueInfo{vi.Name, append([]int{}, vi.Shape...)})
	}
	for i, n := range g.Nodes {
		if n == nil {
			return nil, nil, fmt.Errorf("compile: node %d is nil", i)
		}
		c := *n
		c.Inputs = append([]string(nil), n.Inputs...)
		c.Outputs = append([]string(nil), n.Outputs...)
		p.nodes = append(p.nodes, &c)
	}
	shapes, err := p.inferAll(p.inputShapes(nil))
	if err != nil {
		return nil, nil, err
	}
	p.shapes = shapes
	if len(g.Outputs) == 0 {
		return nil, nil, errors.New("compile: graph has no outputs")
	}
	for _, o := range g.Outputs {
		if _, ok := shapes[o]; !ok {
			return nil, nil, fmt.Errorf("compile: graph output %q is not computed by the graph", o)
		}
	}
	return p, shapes, nil
}

// inputShapes returns the graph input and constant shapes; dims, if not
// nil, replaces dimension 0 of each input (in the order of p.inputs).
func (p *Program) inputShapes(dims []int) map[string][]int {
	m := make(map[string][]int, len(p.inputs)+len(p.consts))
	for i, vi := range p.inputs {
		s := append([]int{}, vi.Shape...)
		if dims != nil && len(s) > 0 {
			s[0] = dims[i]
		}
		m[vi.Name] = s
	}
	for name, t := range p.consts {
		m[name] = t.Shape
	}
	for name, s := range p.dropped {
		m[name] = s // shape inference sees the whole weights
	}
	return m
}

// inferAll runs shape inference over p.nodes starting from the given input
// and constant shapes, which it extends with every node output.
func (p *Program) inferAll(shapes map[string][]int) (map[string][]int, error) {
	for _, n := range p.nodes {
		if !n.Op.Valid() {
			return nil, fmt.Errorf("compile: node %q: invalid operator kind %d", n.Name, uint8(n.Op))
		}
		impl := ops[n.Op]
		if impl.infer == nil {
			return nil, fmt.Errorf("compile: node %q: operator %v has no implementation", n.Name, n.Op)
		}
		in := make([][]int, len(n.Inputs))
		for i, name := range n.Inputs {
			if name == "" {
				continue
			}
			s, ok := shapes[name]
			if !ok {
				return nil, fmt.Errorf("compile: node %q (%v): input %q is not defined before it", n.Name, n.Op, name)
			}
			if s == nil {
				s = []int{} // rank 0; nil marks an absent input
			}
			in[i] = s
		}
		if len(n.Outputs) == 0 || n.Outputs[0] == "" {
			return nil, fmt.Errorf("compile: node %q (%v): no output", n.Name, n.Op)
		}
		out, err := impl.infer(n, in)
		if err != nil {
			return nil, fmt.Errorf("compile: node %q (%v): %w", n.Name, n.Op, err)
		}
		if len(n.Outputs) > len(out) {
			return nil, fmt.Errorf("compile: node %q (%v): %d outputs, the operator has %d", n.Name, n.Op, len(n.Outputs), len(out))
		}
		for i, name := range n.Outputs {
			if name == "" {
				continue
			}
			if _, dup := shapes[name]; dup {
				return nil, fmt.Errorf("compile: node %q (%v): value %q is defined twice", n.Name, n.Op, name)
			}
			if _, err := NumElements(out[i]); err != nil {
				return nil, fmt.Errorf("compile: node %q (%v): output %q: %w", n.Name, n.Op, name, err)
			}
			shapes[name] = out[i]
		}
	}
	return shapes, nil
}

// resolve follows aliases left by skipped nodes.
func (p *Program) resolve(name string) string {
	for {
		a, ok := p.alias[name]
		if !ok {
			return name
		}
		name = a
	}
}

// pruneConsts drops constants no executed node reads and no output or kept
// value names (weights replaced by BatchNormalization folding), so the
// program does not hold two copies of a folded layer.
func (p *Program) pruneConsts() {
	used := map[string]bool{}
	for _, n := range p.nodes {
		for _, in := range n.Inputs {
			used[in] = true
		}
	}
	for _, o := range p.outputs {
		used[p.resolve(o)] = true
	}
	for k := range p.keep {
		used[k] = true
	}
	for name := range p.consts {
		if !used[name] {
			delete(p.consts, name)
		}
	}
}

// readsInt8 reports whether input i of n may be an int8 constant: the
// weights of a Conv (int8 along the output channels) and either operand of
// Gemm and MatMul (gemm.Matrix dequantizes them while packing).
func readsInt8(n *Node, i int, t *Tensor) bool {
	switch n.Op {
	case OpConv:
		return i == 1 && t.Int8.Axis == 0
	case OpGemm, OpMatMul:
		return i <= 1 && len(t.Shape) == 2
	}
	return false
}

// dequantizeConsts replaces each int8 constant that some node reads where
// it takes only float32 (a bias, a batch norm's statistics, an Add operand)
// by its float32 values. Model files store only conv and fc weights as
// int8, so this copies nothing for them.
func (p *Program) dequantizeConsts() {
	for _, n := range p.nodes {
		for i, name := range n.Inputs {
			t, ok := p.consts[name]
			if ok && t.Int8 != nil && !readsInt8(n, i, t) {
				p.consts[name] = p.dequantized(t)
			}
		}
	}
	for _, o := range p.outputs {
		if t, ok := p.consts[p.resolve(o)]; ok && t.Int8 != nil {
			p.consts[p.resolve(o)] = p.dequantized(t) // returned as float32 values
		}
	}
}

// planMemory records, for each node, the intermediate values whose last
// consumer it is, so Run can release their buffers for reuse.
func (p *Program) planMemory() {
	last := map[string]int{}
	for i, n := range p.nodes {
		for _, name := range n.Inputs {
			if name != "" {
				last[name] = i
			}
		}
		for _, name := range n.Outputs {
			if _, used := last[name]; !used && name != "" {
				last[name] = i // produced but never read: release at once
			}
		}
	}
	held := map[string]bool{}
	for _, o := range p.outputs {
		held[p.resolve(o)] = true
	}
	for k := range p.keep {
		held[k] = true
	}
	p.held = held
	p.free = make([][]string, len(p.nodes))
	produced := map[string]bool{}
	for _, n := range p.nodes {
		for _, o := range n.Outputs {
			produced[o] = true
		}
	}
	// A conv that its pool computes (fuseConvPools) runs at its pool's
	// node: what it reads lives until then.
	at := map[*Node]int{}
	for i, n := range p.nodes {
		at[n] = i
	}
	for c, pool := range p.convPools {
		for _, name := range c.Inputs {
			if i, ok := last[name]; ok && i == at[c] {
				last[name] = at[pool]
			}
		}
	}
	for name, i := range last {
		if !produced[name] || held[name] || p.keep[name] || p.keepAll {
			continue
		}
		p.free[i] = append(p.free[i], name)
	}
	// Kept values that are not also outputs may be handed back early (see
	// RunOptions.Consume), in the order the nodes make them free.
	outputs := map[string]bool{}
	for _, o := range p.outputs {
		outputs[p.resolve(o)] = true
	}
	p.lastKept = make([][]string, len(p.nodes))
	p.consumable = map[string]bool{}
	p.keptAs = map[string][]string{}
	if p.keepAll {
		return
	}
	for _, k := range p.keepAs {
		r := p.resolve(k)
		if !produced[r] || outputs[r] {
			continue
		}
		if !p.consumable[r] {
			p.consumable[r] = true
			p.lastKept[last[r]] = append(p.lastKept[last[r]], r)
		}
		if !slices.Contains(p.keptAs[r], k) {
			p.keptAs[r] = append(p.keptAs[r], k)
		}
	}
}

// Shapes returns the inferred shape of every value of the graph as given
// (including values the passes removed), at the compiled batch size.
func (p *Program) Shapes() map[string][]int {
	m := make(map[string][]int, len(p.shapes))
	for k, v := range p.shapes {
		m[k] = append([]int{}, v...)
	}
	return m
}

// Nodes returns the nodes Run executes, after the passes, in order. A fused
// conv keeps the conv's name and takes the output of the last node it
// absorbed. The returned
// nodes must not be modified.
func (p *Program) Nodes() []*Node { return p.nodes }

// Inputs returns the graph inputs Run expects (constants excluded).
func (p *Program) Inputs() []ValueInfo { return p.inputs }

// shapesFor returns value shapes for inputs whose first dimensions are dims
// (nil: as compiled), inferring and caching them for other sizes.
func (p *Program) shapesFor(dims []int) (map[string][]int, error) {
	if dims == nil {
		return p.shapes, nil
	}
	key := fmt.Sprint(dims)
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.plans[key]; ok {
		return s, nil
	}
	s, err := p.inferAll(p.inputShapes(dims))
	if err != nil {
		return nil, fmt.Errorf("inputs with first dimensions %v: %w", dims, err)
	}
	if len(p.plans) >= 16 {
		clear(p.plans) // bound the cache; shapes are cheap to infer again
	}
	p.plans[key] = s
	return s, nil
}
