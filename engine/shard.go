package engine

import (
	"errors"
	"fmt"
	"slices"

	"convscope/engine/internal/conv"
)

// Shard makes a compiled program one of Count programs that run the same
// graph on the same inputs at the same time, each on its own core (the
// browser's Web Workers: Go's wasm is single-threaded, so one instance per
// core). Every Conv (no groups) and fully connected Gemm computes only its
// part of the output channels, with only that part of the weights in
// memory, except convs with few weights, which compute a band of output
// rows with all their weights (shardrows.go), and the small convs of a
// block's branches, which one program runs whole (shardwhole.go); Gather
// then exchanges the parts so that each program holds the whole output
// (but for an output that only a conv split alike reads, as its residual:
// markOwnOnly), and every other op runs on every program on whole tensors
// (they are cheap next to the convs), but for the pools that a conv split
// by rows computes itself (shardpool.go) or that run with their branch's
// conv. Each output value is summed exactly as in the program
// without Shard, so the results keep every bit.
//
// A sharded program holds no view of the graph's int8 weights (the parts
// it cuts and the int8 constants it keeps whole are copies), so a caller
// that decoded a model file without copying can drop the file once
// compiled; but that caller held the whole file while compiling. A loader
// that never holds it (modelfile.DecodeShard) asks ShardParts which parts
// to read and hands them over in Parts, which are used as they are.
//
// The programs must be compiled from the same graph with the same Options
// (but for Index) and run together, run after run, on the same inputs: each
// calls Gather the same number of times in the same order, so unlike other
// programs a sharded one must not run concurrently with itself. A run that
// fails or is cancelled between nodes leaves the others waiting in Gather,
// which must then fail too (LocalGather.Abort; the browser's shards set a
// shared flag). Count <= 1 is the usual program.
type Shard struct {
	Index, Count int
	// Gather is called by every program with the outputs of one or more
	// split nodes, in the order they ran: a node's gather waits until a
	// later node reads its output (or the run ends), and all that wait
	// then go in one call (shardgather.go). Every program calls it the
	// same number of times with the same nodes. It must return once every
	// program's part is in each g.Y, or with an error (it must not wait
	// forever when a peer fails: Run then fails too), and keep no part.
	Gather func(parts []Gathered) error
	// Share, when not nil, shares out the convs split by rows (whose
	// weights every program holds) chunk by chunk as the programs come,
	// instead of one band each: a program the system deschedules then
	// leaves its chunks to the others instead of making them wait for its
	// band. Each call returns a chunk of the current such node's n that no
	// program has taken, or -1 once all are taken; every program calls it
	// for each such node, in the same order, until it returns -1. Which
	// program computes a chunk changes no bit (each is computed as the
	// whole conv computes it), and Gathered.Own says which it took.
	Share func(n int) int
	// Parts, when not nil, names the graph's constants that already hold
	// only this shard's part of their values, as ShardParts planned them
	// for the same graph and Options: a loader that reads a model file
	// slice by slice (modelfile.DecodeShard) then never holds the whole
	// weights. A part's constant has the whole shape but for Shape[Axis],
	// which is Hi-Lo, and, int8, the scales of its part when its scales run
	// along Axis (all of them otherwise); it is absent when Hi == Lo.
	// Compile refuses a part it would not split exactly so.
	Parts map[string]Part
}

// Part is what one shard keeps of a constant of whole shape Shape: indices
// [Lo, Hi) along Axis (0: the rows of the constant seen as (Shape[0],
// rest), the output channels of a conv or of a Gemm stored (out, in); 1:
// the columns of a 2-D Gemm weight stored (in, out)).
type Part struct {
	Shape  []int
	Axis   int
	Lo, Hi int
}

// ConstInfo describes a constant without its values: its shape and whether
// it holds int8 values, with their scales along Axis (see Int8).
type ConstInfo struct {
	Shape []int
	Int8  bool
	Axis  int
}

// ShardParts returns the constants that shard opt.Shard.Index of
// opt.Shard.Count, compiled from g with opt, keeps only a part of, and
// which part: the weights of the nodes it splits that no other node reads
// and that the passes leave as they are (a conv weight a batch norm is
// folded into is not listed: its part is cut from the folded weights, so
// the whole is needed). It runs Compile's checks and passes on consts,
// which describe g's constants (g.Consts is not read), without any value,
// so a loader can ask before it reads the weights. Compile then takes the
// parts in Options.Shard.Parts. Count <= 1 has no parts.
func ShardParts(g *Graph, consts map[string]ConstInfo, opt Options) (map[string]Part, error) {
	if g == nil {
		return nil, errors.New("shard parts: nil graph")
	}
	if opt.Shard.Count <= 1 {
		return nil, nil
	}
	p, stand, err := prepareStandIns(g, consts, opt, "shard parts")
	if err != nil {
		return nil, err
	}
	parts := map[string]Part{}
	for name, pl := range p.plan {
		if stand[name] == pl.t { // not replaced by a pass
			parts[name] = pl.part
		}
	}
	return parts, nil
}

// planned is a part ShardParts found, with the stand-in it was cut from.
type planned struct {
	t    *Tensor
	part Part
}

// checkParts checks Shard.Parts against the graph's constants and records
// their whole shapes for shape inference.
func (p *Program) checkParts(parts map[string]Part) error {
	for name, pt := range parts {
		if _, err := NumElements(pt.Shape); err != nil {
			return fmt.Errorf("compile: shard part %q: whole shape: %w", name, err)
		}
		if pt.Axis < 0 || pt.Axis >= len(pt.Shape) || pt.Lo < 0 || pt.Lo > pt.Hi || pt.Hi > pt.Shape[pt.Axis] {
			return fmt.Errorf("compile: shard part %q: range [%d, %d) along axis %d of shape %v", name, pt.Lo, pt.Hi, pt.Axis, pt.Shape)
		}
		t, ok := p.consts[name]
		if !ok && pt.Hi > pt.Lo {
			return fmt.Errorf("compile: shard part %q is not a constant of the graph", name)
		}
		if ok {
			want := slices.Clone(pt.Shape)
			want[pt.Axis] = pt.Hi - pt.Lo
			if !slices.Equal(t.Shape, want) {
				return fmt.Errorf("compile: shard part %q has shape %v, want %v (range [%d, %d) along axis %d of %v)", name, t.Shape, want, pt.Lo, pt.Hi, pt.Axis, pt.Shape)
			}
		}
		if p.dropped == nil {
			p.dropped = map[string][]int{}
		}
		p.dropped[name] = pt.Shape
	}
	return nil
}

// dequantized is t.Dequantized, or for ShardParts' stand-ins a new
// stand-in (the graph's constant is replaced, so not cut into parts).
func (p *Program) dequantized(t *Tensor) *Tensor {
	if p.planning {
		return &Tensor{Shape: t.Shape}
	}
	return t.Dequantized()
}

// Gathered is one split node's output, seen by one program. Y holds Outer
// blocks of len(Y)/Outer values; in each block this program computed the
// values [Lo*Inner, Hi*Inner) (output channels Lo to Hi of a conv, whose
// blocks are the batch's images and Inner its output pixels; columns of a
// Gemm's rows, Inner 1; output rows Lo to Hi of a conv split by rows, whose
// blocks are its images' channels and Inner a row's pixels). Lo == Hi when
// it computed nothing. Bounds are every program's Lo in order of Index,
// then the last one's Hi: program i computed [Bounds[i], Bounds[i+1]).
//
// A node shared out by chunks (Shard.Share) has Own set instead of Lo and
// Hi: the chunks this program computed, part i being [Bounds[i],
// Bounds[i+1]) (len(Bounds)-1 chunks, whatever the number of programs).
// Own is not nil then, even when the program took no chunk.
type Gathered struct {
	Node         string
	Y            []float32
	Outer, Inner int
	Lo, Hi       int
	Bounds       []int
	Own          []int
}

// minSplit is the fewest output channels a part gets: narrower convs run
// whole on every program (too little work to pay for a gather), and conv
// keeps the algorithm it picks for the whole conv (Winograd wants 16).
const minSplit = 16

// split is how one node of a sharded program runs: its part [lo, hi) of
// the dim output channels (columns), with the weights of that part only.
type split struct {
	lo, hi, dim int
	bounds      []int   // every shard's lo, then dim (Gathered.Bounds)
	w           *Tensor // the part's weights: conv (hi-lo, C, kH, kW); Gemm B's rows or columns
	rows        *rowSplit
	whole       *wholeNode // one shard runs the whole node (shardwhole.go)
}

// splitRange returns part i of n of dim channels, balanced and on
// multiples of 8 (the GEMM's register tiles) when dim allows.
func splitRange(dim, n, i int) (lo, hi int) {
	unit := 1
	if dim%8 == 0 {
		unit = 8
	}
	units := dim / unit
	lo, hi = i*units/n*unit, (i+1)*units/n*unit
	if i == n-1 {
		hi = dim
	}
	return lo, hi
}

// shardNodes replaces, for every node it splits, the weights by this
// program's part (the whole weights are dropped when no other node reads
// them) and records the split. It runs after the constants are final and
// before prepacking. A part given in s.Parts is taken as it is; with
// planning (ShardParts) the parts are only recorded.
func (p *Program) shardNodes(s Shard) error {
	if s.Count <= 1 {
		if len(s.Parts) > 0 {
			return errors.New("compile: shard parts without a shard count")
		}
		return nil
	}
	if s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("compile: shard %d of %d", s.Index, s.Count)
	}
	if s.Gather == nil && !p.planning {
		return errors.New("compile: Shard.Gather is nil")
	}
	p.shard = s
	p.arena.hold = true // see arena
	p.splits = map[*Node]*split{}
	readers := map[string]int{}
	for _, n := range p.nodes {
		for _, in := range n.Inputs {
			readers[in]++
		}
	}
	taken := map[string]bool{}
	p.wholeNodes(s, readers) // their weights stay whole (shardwhole.go)
	for _, n := range p.nodes {
		if p.splits[n] != nil {
			continue
		}
		shape, isInt8, dim, axis, ok := p.splittable(n)
		if !ok {
			continue
		}
		parts := min(s.Count, dim/minSplit)
		if parts <= 1 {
			continue
		}
		if rs := p.rowSplitOf(n, shape, s); rs != nil {
			p.splits[n] = rs // the weights stay whole (shardrows.go)
			continue
		}
		sp := &split{lo: dim, hi: dim, dim: dim, bounds: make([]int, s.Count+1)}
		if s.Index < parts {
			sp.lo, sp.hi = splitRange(dim, parts, s.Index)
		}
		for i := range s.Count {
			sp.bounds[i] = dim
			if i < parts {
				sp.bounds[i], _ = splitRange(dim, parts, i)
			}
		}
		sp.bounds[s.Count] = dim
		name := n.Inputs[1]
		whole := readers[name] == 1 && !p.keep[name] && !slices.ContainsFunc(p.outputs, func(o string) bool { return p.resolve(o) == name })
		w := p.consts[name]
		part := Part{Shape: shape, Axis: axis, Lo: sp.lo, Hi: sp.hi}
		if pt, given := s.Parts[name]; given {
			if !whole {
				return fmt.Errorf("compile: constant %q was given as a shard part, but this program needs all of it (another node reads it, or it is kept or an output)", name)
			}
			if pt.Axis != axis || pt.Lo != sp.lo || pt.Hi != sp.hi {
				return fmt.Errorf("compile: shard part %q is [%d, %d) along axis %d; shard %d of %d keeps [%d, %d) along axis %d", name, pt.Lo, pt.Hi, pt.Axis, s.Index, s.Count, sp.lo, sp.hi, axis)
			}
			taken[name] = true
			sp.w = w
			if w == nil { // Hi == Lo
				sp.w = &Tensor{Shape: slices.Clone(shape)}
				sp.w.Shape[axis] = 0
				if isInt8 {
					sp.w.Int8 = &Int8{Axis: axis}
				}
			}
		} else if p.planning {
			if w != nil {
				sp.w = part.standIn(w) // for PlanFootprint
			}
			if whole {
				if p.plan == nil {
					p.plan = map[string]planned{}
				}
				p.plan[name] = planned{w, part}
			}
		} else {
			sp.w = Part{Axis: axis, Lo: sp.lo, Hi: sp.hi}.Of(w, false)
		}
		p.splits[n] = sp
		if whole {
			if p.dropped == nil {
				p.dropped = map[string][]int{}
			}
			p.dropped[name] = shape
			delete(p.consts, name)
		}
	}
	for name := range s.Parts {
		if !taken[name] {
			return fmt.Errorf("compile: constant %q was given as shard %d of %d's part, but this program does not split it so (plan parts with ShardParts, from the same graph and Options)", name, s.Index, s.Count)
		}
	}
	if p.planning {
		return nil
	}
	p.markOwnOnly(readers)
	p.fusePools()
	p.fuseConvPools()
	p.splitPools()
	p.ownRows()
	p.orderGathers()
	// The int8 constants kept whole (narrow or grouped convs) may be views
	// of the caller's model file (modelfile.DecodeGraph); copying them
	// lets a shard free the file once compiled and keep only its part.
	for name, t := range p.consts {
		if t.Int8 != nil {
			c := *t.Int8
			c.Q, c.Scales = slices.Clone(c.Q), slices.Clone(c.Scales)
			p.consts[name] = &Tensor{Shape: t.Shape, Int8: &c}
		}
	}
	return nil
}

// splittable reports whether n can be split: a Conv without groups or a
// Gemm without transposed A, whose weights are a constant (or a part of
// one, Shard.Parts). It returns the weights' whole shape and whether they
// are int8, the number of output channels (columns) and the axis of the
// weights they run along.
func (p *Program) splittable(n *Node) (shape []int, isInt8 bool, dim, axis int, ok bool) {
	if len(n.Inputs) < 2 {
		return nil, false, 0, 0, false
	}
	w, isConst := p.consts[n.Inputs[1]]
	pt, isPart := p.shard.Parts[n.Inputs[1]]
	switch {
	case isPart:
		shape = pt.Shape
		isInt8 = isConst && w.Int8 != nil
		if isConst && w.Int8 != nil && w.Int8.Axis != 0 && n.Op == OpConv {
			return nil, false, 0, 0, false
		}
	case isConst:
		shape = w.Shape
		isInt8 = w.Int8 != nil
		if isInt8 && w.Int8.Axis != 0 && n.Op == OpConv {
			return nil, false, 0, 0, false
		}
	default:
		return nil, false, 0, 0, false
	}
	switch n.Op {
	case OpConv:
		cp, err := paramsOf[ConvParams](n)
		if err != nil || orOne(cp.Group) != 1 || len(shape) != 4 {
			return nil, false, 0, 0, false
		}
		return shape, isInt8, shape[0], 0, true
	case OpGemm:
		gp, err := paramsOf[GemmParams](n)
		if err != nil || gp.TransA || len(shape) != 2 {
			return nil, false, 0, 0, false
		}
		if gp.TransB {
			return shape, isInt8, shape[0], 0, true // (out, in): rows
		}
		return shape, isInt8, shape[1], 1, true // (in, out): columns
	}
	return nil, false, 0, 0, false
}

// Of returns part pt of t: indices [Lo, Hi) along Axis (0: rows of t seen
// as (Shape[0], rest); 1: columns of a 2-D t), int8 staying int8 with the
// scales of the part. With view, a part of whole rows shares t's values
// (an engine worker that keeps the model file anyway holds no second copy);
// otherwise, and for columns, it is a copy (a program that must not pin
// the file it was decoded from).
func (pt Part) Of(t *Tensor, view bool) *Tensor {
	rows := t.Shape[0]
	cols := t.Len() / rows
	shape := slices.Clone(t.Shape)
	shape[pt.Axis] = pt.Hi - pt.Lo
	out := &Tensor{Shape: shape}
	if t.Int8 == nil {
		out.Data = partValues(t.Data, rows, cols, pt, view)
		return out
	}
	sc := t.Int8.Scales
	if t.Int8.Axis == pt.Axis {
		sc = sc[pt.Lo:pt.Hi:pt.Hi]
	}
	if !view {
		sc = slices.Clone(sc)
	}
	out.Int8 = &Int8{Q: partValues(t.Int8.Q, rows, cols, pt, view), Scales: sc, Axis: t.Int8.Axis}
	return out
}

// partValues returns part pt of the rows x cols matrix v (see Part.Of).
func partValues[T int8 | float32](v []T, rows, cols int, pt Part, view bool) []T {
	if pt.Axis == 0 {
		lo, hi := pt.Lo*cols, pt.Hi*cols
		if view {
			return v[lo:hi:hi]
		}
		return slices.Clone(v[lo:hi])
	}
	out := make([]T, 0, rows*(pt.Hi-pt.Lo))
	for r := range rows {
		out = append(out, v[r*cols+pt.Lo:r*cols+pt.Hi]...)
	}
	return out
}

// prepackSplits lays out the int8 weights of split convs for the GEMM, as
// prepackConvWeights does for whole ones.
func (p *Program) prepackSplits() {
	p.eachPackedSplit(func(n *Node, sp *split, g conv.Geom) {
		if pa := conv.Prepack(g, conv.Weights{Q: sp.w.Int8.Q, Scales: sp.w.Int8.Scales}); pa != nil {
			p.packed[sp.w] = pa
		}
	})
}

// eachPackedSplit calls visit for every conv split by output channels
// whose int8 part Compile lays out (prepackSplits), with its part's
// geometry for one image; PlanFootprint counts the same ones.
func (p *Program) eachPackedSplit(visit func(n *Node, sp *split, g conv.Geom)) {
	for n, sp := range p.splits {
		if n.Op != OpConv || sp.rows != nil || sp.w == nil || sp.w.Int8 == nil || sp.hi == sp.lo {
			continue
		}
		g, err := p.splitGeom(n, sp, p.shapes[n.Inputs[0]])
		if err != nil {
			continue // Run reports it
		}
		visit(n, sp, g)
	}
}

// splitGeom is the geometry of a split conv's part for one image.
func (p *Program) splitGeom(n *Node, sp *split, xs []int) (conv.Geom, error) {
	cp, err := paramsOf[ConvParams](n)
	if err != nil {
		return conv.Geom{}, err
	}
	ws := append([]int{}, sp.w.Shape...)
	g, err := convGeom(cp, xs, ws)
	if err != nil {
		return g, err
	}
	g.N = 1
	return g, nil
}

// runSplit runs this program's part of a split node into the whole output
// and gathers the other parts (called by runNode, which turns a kernel's
// panic into an error).
func (p *Program) runSplit(x *execCtx, n *Node, sp *split, in, out []*Tensor) error {
	if sp.whole != nil {
		return p.runWhole(x, n, sp, in, out)
	}
	if sp.rows != nil {
		return p.runRows(x, n, sp, in, out)
	}
	y := out[0]
	g := Gathered{Node: n.Name, Y: y.Data, Lo: sp.lo, Hi: sp.hi, Bounds: sp.bounds}
	switch n.Op {
	case OpConv:
		cp, _ := paramsOf[ConvParams](n)
		geo, err := p.splitGeom(n, sp, in[0].Shape)
		if err != nil {
			return err
		}
		g.Outer, g.Inner = in[0].Shape[0], geo.OH*geo.OW
		if sp.hi > sp.lo {
			bias, res := convOperands(in)
			if bias != nil {
				bias = bias[sp.lo:sp.hi]
			}
			w := conv.Weights{F: sp.w.Data}
			if q := sp.w.Int8; q != nil {
				w = conv.Weights{Q: q.Q, Scales: q.Scales, Packed: x.packed[sp.w]}
			}
			// One image at a time: the part's channels are contiguous
			// in each image's block of the whole output, and of the
			// whole residual, which every shard holds.
			xn, yn := geo.C*geo.H*geo.W, sp.dim*g.Inner
			for i := range g.Outer {
				xi, off := in[0].Data[i*xn:(i+1)*xn], i*yn+sp.lo*g.Inner
				if res != nil {
					conv.ForwardAdd(geo, xi, w, bias, res[off:], y.Data[off:], cp.Relu, x.workers)
					continue
				}
				conv.Forward(geo, xi, w, bias, y.Data[off:], cp.Relu, x.workers)
			}
		}
	case OpGemm:
		g.Outer, g.Inner = y.Shape[0], 1
		if sp.hi > sp.lo {
			if err := runGemmPart(x, n, in, y, sp); err != nil {
				return err
			}
		}
	case OpMaxPool:
		if err := runPoolPart(x, n, in, y, sp, &g); err != nil {
			return err
		}
	default:
		return fmt.Errorf("internal error: %v is not split", n.Op)
	}
	if !p.ownOnly[n] {
		x.gathers = append(x.gathers, g) // see shardgather.go
	}
	return nil
}

// markOwnOnly records the convs split by output channels whose output is
// read only as the residual of one other such conv with the same channel
// bounds (ResNet's blocks with a downsample: the Add is fused into the
// downsample, which reads the main path's last conv's output, or the other
// way round): that reader adds to its channels [lo, hi) only the residual's
// channels [lo, hi), which this shard computed itself, so the output is
// never gathered. Every shard holds only its own part of it, which no
// other node, output or kept value sees. ResNet-50's four such tensors
// (256x56x56 down to 2048x7x7, 1.5 M values) were copied into the
// exchange buffer and out of it on every run. readers counts the nodes
// reading each value; every shard makes the same choice (the graph and
// the shard count decide it), so their gathers still match.
func (p *Program) markOwnOnly(readers map[string]int) {
	if p.keepAll {
		return
	}
	reader := map[string]*Node{}
	for _, n := range p.nodes {
		if n.Op == OpConv && len(n.Inputs) == 4 && n.Inputs[3] != "" && n.Inputs[3] != n.Inputs[0] {
			reader[n.Inputs[3]] = n
		}
	}
	for n, sp := range p.splits {
		if n.Op != OpConv || sp.rows != nil || sp.whole != nil || len(n.Outputs) != 1 {
			continue
		}
		v := n.Outputs[0]
		r := reader[v]
		if r == nil || readers[v] != 1 || p.keep[v] || slices.ContainsFunc(p.outputs, func(o string) bool { return p.resolve(o) == v }) {
			continue
		}
		rs := p.splits[r]
		if rs == nil || rs.rows != nil || rs.whole != nil || rs.lo != sp.lo || rs.hi != sp.hi || rs.dim != sp.dim || !slices.Equal(rs.bounds, sp.bounds) {
			continue
		}
		if p.ownOnly == nil {
			p.ownOnly = map[*Node]bool{}
		}
		p.ownOnly[n] = true
	}
}
