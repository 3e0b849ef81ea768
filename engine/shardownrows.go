package engine

import (
	"slices"

	"convscope/engine/internal/conv"
)

// Rows that stay with their shard. A conv split by rows computes each
// output row from the input rows its kernel covers; a 1x1 stride-1 conv
// without padding reads exactly the rows it writes, and adds exactly those
// rows of its residual. So when every reader of a conv's output split by
// rows is such a 1x1 conv, split by rows over the same static bands (as
// its input or as its residual), each shard reads only the rows it
// computed itself: the output is never gathered, and each shard holds
// only its band of it (markOwnOnly's rows, as it does for output
// channels). ResNet-50's layer1 (56x56 maps, 64 and 256 channels, weights
// of 16 K values at most) is such a chain: conv2's output is read only by
// conv3, conv3's by the downsample as its residual (or the other way
// round), and a block's output by the next block's conv1 and conv3; only
// conv1's output, which a 3x3 conv reads with one row above and below the
// band, is gathered: 3 gathers for layer1 instead of 9, of the 50 a run
// made (each a wait for the slower shard).
//
// The bands must be the same on every shard and from node to node, so the
// convs of such a chain are not shared out chunk by chunk (Shard.Share):
// each computes its static band (rowBounds). Every value is computed as
// the whole conv computes it (conv.RowBand), so the bits stay; and every
// shard makes the same choices (they depend only on the graph and the
// shard count), so their gathers still match.

// rowOwnPointwise bounds the weights (values) of a 1x1 stride-1 conv with
// more than rowMaxPointwise output channels that is split by rows all the
// same: ResNet-50's layer1 1x1s (64x256, 256x64), so that the whole of
// layer1 goes by rows and its values stay with their shards. Larger ones
// go by channels (see rowMaxPointwise).
const rowOwnPointwise = 64 * 256

// ownRows marks the convs split by rows whose output only such 1x1 convs
// read (see above) as not gathered (ownOnly), and makes them and their
// readers compute their static bands.
func (p *Program) ownRows() {
	if p.keepAll || p.planning {
		return
	}
	count := p.shard.Count
	readers := map[string][]*Node{}
	reads := map[string]int{}
	for _, n := range p.nodes {
		for _, in := range n.Inputs {
			reads[in]++
		}
		for _, in := range slices.Compact(slices.Clone(n.Inputs)) {
			readers[in] = append(readers[in], n)
		}
	}
	// static returns n's static row bounds, or nil when n is not a conv
	// split by rows that computes its own conv from its own input (not a
	// pool that computes it, nor one pooling its input).
	static := func(n *Node) []int {
		sp := p.splits[n]
		if n.Op != OpConv || sp == nil || sp.rows == nil || sp.rows.conv != nil || sp.rows.pool {
			return nil
		}
		g, ok := p.convGeomOf(n)
		if !ok {
			return nil
		}
		return rowBounds(g, count)
	}
	var unshare []*Node
	for _, n := range p.nodes {
		b := static(n)
		if b == nil || len(n.Outputs) != 1 {
			continue
		}
		v := n.Outputs[0]
		rs := readers[v]
		if len(rs) == 0 || p.keep[v] || slices.ContainsFunc(p.outputs, func(o string) bool { return p.resolve(o) == v }) {
			continue
		}
		ok, seen := true, 0
		for _, r := range rs {
			for k, in := range r.Inputs {
				if in != v {
					continue
				}
				seen++
				if k != 0 && k != 3 {
					ok = false
				}
			}
			g, gok := p.convGeomOf(r)
			ok = ok && gok && isPointwise(g) && slices.Equal(static(r), b)
		}
		if !ok || seen != reads[v] {
			continue
		}
		if p.ownOnly == nil {
			p.ownOnly = map[*Node]bool{}
		}
		p.ownOnly[n] = true
		unshare = append(unshare, n)
		unshare = append(unshare, rs...)
	}
	for _, n := range unshare {
		sp := p.splits[n]
		if !sp.rows.shared {
			continue
		}
		g, _ := p.convGeomOf(n)
		b := rowBounds(g, count)
		rs := &rowSplit{bounds: b, subs: make([][]conv.Band, count)}
		rs.subs[p.shard.Index] = subBands(g, b[p.shard.Index], b[p.shard.Index+1])
		sp.lo, sp.hi, sp.rows = b[p.shard.Index], b[p.shard.Index+1], rs
	}
}

// convGeomOf is conv n's geometry for one image, from its compiled shapes.
func (p *Program) convGeomOf(n *Node) (conv.Geom, bool) {
	cp, err := paramsOf[ConvParams](n)
	if err != nil || len(n.Inputs) < 2 {
		return conv.Geom{}, false
	}
	ws := p.shapes[n.Inputs[1]]
	if w := p.consts[n.Inputs[1]]; w != nil {
		ws = w.Shape
	}
	g, err := convGeom(cp, p.shapes[n.Inputs[0]], ws)
	if err != nil {
		return conv.Geom{}, false
	}
	g.N = 1
	return g, true
}

// isPointwise reports whether g is a 1x1 stride-1 conv without padding:
// output row r reads input row r only.
func isPointwise(g conv.Geom) bool {
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PT == 0 && g.PB == 0 && g.PL == 0 && g.PR == 0 && g.Group == 1
}
