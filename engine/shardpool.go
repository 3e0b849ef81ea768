package engine

import (
	"slices"

	"convscope/engine/internal/vec"
)

// Pools fused into the row split. A MaxPool is not split between the
// shards: each runs it on the whole tensor. GoogLeNet's nine inception
// pools (3x3, stride 1, one cell of padding) feed only a 1x1 conv, which
// goes by rows: there each shard pooled the whole map (5.3 ms a run on one
// worker, all of it on every shard) and then took its rows of the result.
// Such a conv now reads the pool's input, and a shard computes the pooled
// rows of each chunk it takes straight from it into the chunk's scratch
// (poolRows), in place of copying them from the pooled map; the pool node
// itself runs as nothing (its timing stays, near zero). Each pooled value
// is the maximum over the same taps, taken by the same vec calls as
// maxPool3x3Same, so the conv's input, and every bit after it, are the
// unsharded program's.

// fusePools fuses into its conv every MaxPool that can be (see above): its
// output is read by that conv only, as its input, and is neither kept nor
// an output; the conv goes by rows. The conv's node is replaced by a copy
// reading the pool's input, so that the memory plan (made after) keeps
// that input until the conv has run and releases the pool's unwritten
// output at once.
func (p *Program) fusePools() {
	if p.keepAll || p.planning {
		return
	}
	readers := map[string]int{}
	maker := map[string]*Node{}
	for _, n := range p.nodes {
		for _, in := range n.Inputs {
			readers[in]++
		}
		for _, o := range n.Outputs {
			maker[o] = n
		}
	}
	for k, c := range p.nodes {
		sp := p.splits[c]
		if sp == nil || sp.rows == nil || len(c.Inputs) == 0 {
			continue
		}
		v := c.Inputs[0]
		pool := maker[v]
		if pool == nil || pool.Op != OpMaxPool || len(pool.Outputs) != 1 || len(pool.Inputs) != 1 ||
			readers[v] != 1 || p.keep[v] || slices.ContainsFunc(p.outputs, func(o string) bool { return p.resolve(o) == v }) {
			continue
		}
		pp, err := poolParams(pool)
		if err != nil {
			continue
		}
		g, err := resolvePool(pp, p.shapes[pool.Inputs[0]])
		if err != nil || !same3x3(&g) {
			continue
		}
		fused := *c
		fused.Inputs = slices.Clone(c.Inputs)
		fused.Inputs[0] = pool.Inputs[0]
		p.nodes[k] = &fused
		delete(p.splits, c)
		p.splits[&fused] = sp
		sp.rows.pool = true
		if p.fusedPools == nil {
			p.fusedPools = map[*Node]bool{}
		}
		p.fusedPools[pool] = true
	}
}

// poolRows writes rows [r0, r1) of the 3x3 stride-1 max pool with one
// cell of padding of the (h, w) map x (h >= 2) into dst ((r1-r0)*w
// values), through vm (as many): the maximum of the rows above, at and
// below each row, then of the cells left of, at and right of each cell,
// as maxPool3x3Same takes them.
func poolRows(x []float32, h, w, r0, r1 int, dst, vm []float32) {
	n := (r1 - r0) * w
	vm, dst = vm[:n], dst[:n]
	a, b := max(r0, 1), min(r1, h-1) // rows with a row above and below
	if a < b {
		vec.Max3(vm[(a-r0)*w:(b-r0)*w], x[(a-1)*w:(b-1)*w], x[a*w:b*w], x[(a+1)*w:(b+1)*w])
	}
	if r0 == 0 {
		vec.Max(vm[:w], x[:w], x[w:2*w])
	}
	if r1 == h {
		bot := (h - 1 - r0) * w
		vec.Max(vm[bot:bot+w], x[(h-2)*w:(h-1)*w], x[(h-1)*w:h*w])
	}
	vec.Max3(dst[1:n-1], vm[:n-2], vm[1:n-1], vm[2:])
	for r := 0; r < n; r += w {
		dst[r] = vec.Maxf(vm[r], vm[r+1])
		dst[r+w-1] = vec.Maxf(vm[r+w-2], vm[r+w-1])
	}
}
