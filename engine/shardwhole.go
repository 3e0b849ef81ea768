package engine

import "slices"

// Whole nodes in branches. GoogLeNet's inception blocks on 14x14 and 7x7
// maps are mostly small convs side by side (each branch's 1x1, the narrow
// 1x1 and the 3x3 after it, the pool and its 1x1) that only the block's
// Concat reads, directly or through the branch's next node. Split by rows
// (7 rows of 14, 3 or 4 of 7) or by channels, each shard did far more
// than half of each: in Node (TestShardProfile, plain SIMD, load 7-10)
// the slower shard's nodes of inceptions 4a-5b took 42.4 ms a pass against
// half of one program's 29.5; the pool branches' 1x1 convs x2.0-2.6 of
// half, those with 16-24 outputs (never split) twice. Such a node now
// runs whole, as in the unsharded program (same kernels, so the same
// bits), on one shard, which holds all its weights (a few hundred KB at
// most); the node after it in its branch (a 3x3 after its 1x1, a 1x1 after
// its pool) runs on the same shard, and the first one's output, which only
// that one reads, is never exchanged (nor waited for). With Shard.Share,
// each branch goes to the first shard that comes for it, so a shard the
// system deschedules leaves the others the branches it has not taken;
// without, to the shard with the fewest multiply-adds so far. The widest
// conv of a branch (the 3x3 after the narrow 1x1, 22-90 M multiply-adds)
// stays split: whole, it would leave the other shard idle.

// wholeMaxPixels and wholeMaxMACs bound the output map and the work of a
// conv that runs whole in a branch (see above): GoogLeNet's 14x14 and 7x7
// blocks; on 28x28 maps the row split shares out chunks of 7 rows
// (shareChunks) at a pace close to half the whole. Variables so that
// tests of the other splits can have none (wholeMaxMACs -1).
var (
	wholeMaxPixels = 14 * 14
	wholeMaxMACs   = 20 << 20
)

// wholeNode is how a node that one shard runs whole goes (wholeNodes).
type wholeNode struct {
	// follow is the node before it in its branch whose shard runs it too,
	// or nil: it is the branch's first, given out on its own.
	follow *Node
	// owner is the shard that runs it when the shards do not share
	// (Shard.Share nil), else -1.
	owner int
	// mine records whether this shard ran it in the current run, for
	// the node that follows it (a sharded program never runs
	// concurrently with itself).
	mine bool
}

// wholeNodes picks the nodes that run whole on one shard (see above): the
// convs of at most wholeMaxPixels outputs and wholeMaxMACs multiply-adds,
// with at most rowMaxWeights weights, whose output only a Concat reads, or
// only one such conv as its input (a branch's first conv), and the
// MaxPools whose output only such a conv reads. A node whose output only
// the next one of its branch reads is that one's follow (and its output is
// not gathered: ownOnly). It runs before shardNodes' splits, on the graph's
// order, so that every shard makes the same choices.
func (p *Program) wholeNodes(s Shard, readers map[string]int) {
	if p.keepAll || s.Count <= 1 {
		return
	}
	reader := map[string]*Node{}
	concat := map[string]bool{}
	for _, n := range p.nodes {
		for _, in := range n.Inputs {
			reader[in] = n
			if n.Op == OpConcat {
				concat[in] = true
			}
		}
	}
	private := func(v string) bool { // read once, neither kept nor an output
		return readers[v] == 1 && !p.keep[v] && !slices.ContainsFunc(p.outputs, func(o string) bool { return p.resolve(o) == v })
	}
	macs := map[*Node]int{}
	whole := map[*Node]bool{}
	for i := len(p.nodes) - 1; i >= 0; i-- {
		n := p.nodes[i]
		if len(n.Outputs) != 1 || !private(n.Outputs[0]) {
			continue
		}
		v := n.Outputs[0]
		r := reader[v]
		switch n.Op {
		case OpConv:
			if !concat[v] && (r == nil || r.Op != OpConv || !whole[r] || r.Inputs[0] != v) {
				continue
			}
			m, ok := p.wholeConv(n)
			if !ok {
				continue
			}
			macs[n] = m
		case OpMaxPool:
			if r == nil || r.Op != OpConv || !whole[r] || r.Inputs[0] != v || len(n.Inputs) != 1 {
				continue
			}
		default:
			continue
		}
		whole[n] = true
	}
	if len(whole) == 0 {
		return
	}
	maker := map[string]*Node{}
	for _, n := range p.nodes {
		for _, o := range n.Outputs {
			maker[o] = n
		}
	}
	load := make([]int, s.Count)
	for _, n := range p.nodes {
		if !whole[n] {
			continue
		}
		w := &wholeNode{owner: -1}
		if len(n.Inputs) > 0 {
			if f := maker[n.Inputs[0]]; f != nil && whole[f] && !concat[f.Outputs[0]] {
				w.follow = f
				if p.ownOnly == nil {
					p.ownOnly = map[*Node]bool{}
				}
				p.ownOnly[f] = true
			}
		}
		if s.Share == nil {
			if w.follow != nil {
				w.owner = p.splits[w.follow].whole.owner
			} else {
				w.owner = 0
				for i := range load {
					if load[i] < load[w.owner] {
						w.owner = i
					}
				}
			}
			load[w.owner] += macs[n]
		}
		p.splits[n] = &split{whole: w}
	}
}

// wholeConv reports whether conv n may run whole on one shard (see
// wholeNodes) and its multiply-adds.
func (p *Program) wholeConv(n *Node) (int, bool) {
	shape, _, _, _, ok := p.splittable(n)
	if !ok || len(n.Inputs) > 3 || numElements(shape) > rowMaxWeights {
		return 0, false
	}
	cp, err := paramsOf[ConvParams](n)
	if err != nil {
		return 0, false
	}
	g, err := convGeom(cp, p.shapes[n.Inputs[0]], shape)
	if err != nil {
		return 0, false
	}
	m := g.N * g.M * g.OH * g.OW * g.C * g.KH * g.KW
	return m, g.OH*g.OW <= wholeMaxPixels && m <= wholeMaxMACs
}

// runWhole runs node n (a wholeNodes node) when this shard is the one
// that runs it, and gathers its output (unless only the next node of its
// branch, on the same shard, reads it).
func (p *Program) runWhole(x *execCtx, n *Node, sp *split, in, out []*Tensor) error {
	w := sp.whole
	var mine bool
	switch {
	case w.follow != nil:
		mine = p.splits[w.follow].whole.mine
	case w.owner >= 0:
		mine = w.owner == p.shard.Index
	default:
		mine = p.shard.Share(1) == 0
		for mine && p.shard.Share(1) >= 0 {
		}
	}
	w.mine = mine
	if mine {
		if err := ops[n.Op].run(x, n, in, out); err != nil {
			return err
		}
	}
	if p.ownOnly[n] {
		return nil
	}
	y := out[0].Data
	g := Gathered{Node: n.Name, Y: y, Outer: 1, Inner: len(y)}
	if w.owner < 0 {
		g.Bounds, g.Own = []int{0, 1}, []int{}
		if mine {
			g.Own = []int{0}
		}
	} else {
		g.Bounds = make([]int, p.shard.Count+1)
		for i := w.owner + 1; i <= p.shard.Count; i++ {
			g.Bounds[i] = 1
		}
		g.Lo, g.Hi = g.Bounds[p.shard.Index], g.Bounds[p.shard.Index+1]
	}
	x.gathers = append(x.gathers, g)
	return nil
}
