package engine

import (
	"fmt"
	"slices"

	"convscope/engine/internal/conv"
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

// The stem pools, fused into the conv before them. A conv split by rows
// whose output only a strided MaxPool reads (the first pools of ResNet,
// GoogLeNet's maxpool1-2, AlexNet's first two, VGG16's first two) had its
// output gathered, whole, for every shard to pool all of it (GoogLeNet's
// maxpool1 and 2, 3.5 ms a run on one worker, all of it on each shard).
// Now the pool's node computes both, a band of the pool's output rows at a
// time: the conv's rows that the band's windows read, through the row
// split's sub-bands, then the band's pooled rows from them, and only the
// pool's output (a quarter of the conv's) is gathered. Bands of a 3x3
// stride-2 pool overlap by one conv row (two for Winograd's even rows),
// which both compute: a shard does that many rows more than half the conv,
// so a pool is fused only when its widest part computes at most a 32nd
// more conv rows than the conv's widest band alone: the stems of ResNet
// and GoogLeNet (57 rows of 112 instead of 56) are; GoogLeNet's conv3
// before maxpool2 (Winograd, 30 rows of 56 instead of 28: in Node its
// shards lost more in the conv than they gained in the pool) and AlexNet's
// (29 of 55 instead of 28, 15 of 27 instead of 14) are not. A shared-out
// pool goes in more chunks than shards only when the
// overlaps add at most a 32nd of the conv's rows (VGG16's 2x2 pools
// overlap not at all). The conv's node runs as nothing and makes no
// output (no buffer: it hands its inputs to the pool's node, execCtx.convIn,
// and the memory plan keeps them until that has run). Every value is the whole
// conv's (conv.RowBand), and the maximum of the same taps (max is exact
// whatever the order), so every bit is the unsharded program's.

// convPoolSlack bounds the conv rows that fusing a pool adds (see above):
// a 32nd. A variable so that tests can fuse every pool they can (1: up
// to twice the rows).
var convPoolSlack = 32

// convPool is how a pool node computes the conv before it.
type convPool struct {
	conv  *Node      // the conv as compiled (its params)
	parts []poolPart // per part of the row split (only this shard's unless shared)
}

// poolPart is one band of pool output rows: its pool over the conv rows
// [a, b) its windows read, for one image, and the sub-bands of the conv's
// rows [ca, cb) (a, b widened to rows conv.RowBand takes) that compute
// them.
type poolPart struct {
	g    poolGeom
	a, b int
	subs []conv.Band
}

// fuseConvPools fuses every MaxPool that can be into the conv before it
// (see above): a pool with stride 2 or more and no dilation along the rows,
// whose input is the output of a conv split by rows (not already pooling
// its own input, fusePools) that nothing else reads, keeps or outputs.
func (p *Program) fuseConvPools() {
	if p.keepAll || p.planning {
		return
	}
	readers := map[string]int{}
	maker := map[string]int{}
	for i, n := range p.nodes {
		for _, in := range n.Inputs {
			readers[in]++
		}
		for _, o := range n.Outputs {
			maker[o] = i
		}
	}
	count := p.shard.Count
	for _, pn := range p.nodes {
		if pn.Op != OpMaxPool || len(pn.Inputs) != 1 || len(pn.Outputs) != 1 {
			continue
		}
		v := pn.Inputs[0]
		ci, ok := maker[v]
		if !ok {
			continue
		}
		c := p.nodes[ci]
		sp := p.splits[c]
		if sp == nil || sp.rows == nil || sp.rows.pool || sp.rows.conv != nil || len(c.Inputs) > 3 || len(c.Outputs) != 1 ||
			readers[v] != 1 || p.keep[v] || slices.ContainsFunc(p.outputs, func(o string) bool { return p.resolve(o) == v }) {
			continue
		}
		pp, err := poolParams(pn)
		if err != nil {
			continue
		}
		pg, err := resolvePool(pp, p.shapes[v])
		if err != nil || pg.sh < 2 || pg.dh != 1 {
			continue
		}
		cp, err := paramsOf[ConvParams](c)
		if err != nil {
			continue
		}
		w := p.consts[c.Inputs[1]]
		if w == nil {
			continue
		}
		cg, err := convGeom(cp, p.shapes[c.Inputs[0]], w.Shape)
		if err != nil {
			continue
		}
		cg.N = 1
		ks := []int{count}
		if sp.rows.shared {
			ks = []int{count * chunksPerShard, count * 2, count}
		}
		band := 0 // the widest static band of the conv alone
		if rb := rowBounds(cg, count); rb != nil {
			for i := range count {
				band = max(band, rb[i+1]-rb[i])
			}
		}
		var bounds []int
		var parts []poolPart
		for _, k := range ks {
			b := make([]int, k+1)
			for i := range b {
				b[i] = i * pg.oh / k
			}
			pts, extra, widest, ok := poolParts(cg, pg, b)
			if !ok {
				continue
			}
			if k == count && widest*convPoolSlack > band*(convPoolSlack+1) || k > count && extra*convPoolSlack > cg.OH {
				continue
			}
			bounds, parts = b, pts
			break
		}
		if bounds == nil {
			continue
		}
		if !sp.rows.shared { // only this shard's band is kept
			for i := range parts {
				if i != p.shard.Index {
					parts[i].subs = nil
				}
			}
		}
		delete(p.splits, c)
		p.splits[pn] = &split{lo: bounds[p.shard.Index], hi: bounds[p.shard.Index+1], dim: pg.oh,
			rows: &rowSplit{bounds: bounds, shared: sp.rows.shared, conv: &convPool{conv: c, parts: parts}}}
		if p.convPools == nil {
			p.convPools = map[*Node]*Node{}
		}
		p.convPools[c] = pn
	}
}

// poolParts returns the parts of pool pg (one image) over conv cg's
// output whose output rows are bounds, how many conv rows they compute
// beyond cg.OH (their overlaps) and the most one part computes, and
// whether every part has rows conv.RowBand takes.
func poolParts(cg conv.Geom, pg poolGeom, bounds []int) ([]poolPart, int, int, bool) {
	parts := make([]poolPart, len(bounds)-1)
	extra, widest := -cg.OH, 0
	for i := range parts {
		p0, p1 := bounds[i], bounds[i+1]
		if p1 <= p0 {
			return nil, 0, 0, false
		}
		ya := p0*pg.sh - pg.pt             // the first window's first row
		yb := (p1-1)*pg.sh - pg.pt + pg.kh // past the last window's last
		a, b := max(0, ya), min(pg.h, yb)
		if b <= a {
			return nil, 0, 0, false
		}
		g := pg
		g.n, g.c = 1, 1 // one image; runConvPool sets the planes
		g.h, g.pt, g.pb, g.oh = b-a, a-ya, max(0, yb-b), p1-p0
		ca, cb := -1, -1
		cands := [][2]int{{a, b}, {a &^ 1, b}, {a, min(cg.OH, b+1)}, {a &^ 1, min(cg.OH, b+1)}}
		if conv.RowStep(cg) == 4 {
			// F(4x4) Winograd's bands (WebAssembly): from a row a
			// multiple of 4, of a multiple of 4 rows or to the end.
			a4 := a &^ 3
			cands = append(cands, [2]int{a4, min(cg.OH, a4+(b-a4+3)&^3)})
		}
		for _, r := range cands {
			if _, ok := conv.RowBand(cg, r[0], r[1]); ok {
				ca, cb = r[0], r[1]
				break
			}
		}
		if ca < 0 {
			return nil, 0, 0, false
		}
		parts[i] = poolPart{g: g, a: a, b: b, subs: subBands(cg, ca, cb)}
		extra += cb - ca
		widest = max(widest, cb-ca)
	}
	return parts, extra, widest, true
}

// runConvPool computes this shard's bands of the pool node n's output (see
// fuseConvPools) into out[0], from the conv's inputs that its node left in
// x.convIn.
func (p *Program) runConvPool(x *execCtx, n *Node, sp *split, out []*Tensor) error {
	rs := sp.rows
	in := x.convIn
	x.convIn = nil
	if len(in) < 2 || in[0] == nil || in[1] == nil {
		return fmt.Errorf("internal error: pool %s without its conv's inputs", n.Name)
	}
	cp, g, w, err := convArgs(x, rs.conv.conv, in)
	if err != nil {
		return err
	}
	bias, _ := convOperands(in)
	buf, band := rowPool.Get().(*[]float32), rowPool.Get().(*[]float32)
	defer rowPool.Put(buf)
	defer rowPool.Put(band)
	oh, ow := sp.dim, rs.conv.parts[0].g.ow
	xn, yn := g.C*g.H*g.W, g.M*oh*ow
	run := func(c int) {
		pt := &rs.conv.parts[c]
		pg := pt.g
		pg.c = g.M
		nb, np := g.M*pg.h*g.OW, g.M*pg.oh*ow // the conv's rows, the pooled rows
		if cap(*band) < nb+np {
			*band = make([]float32, nb+np)
		}
		bd, pd := (*band)[:nb], (*band)[nb:nb+np]
		p0 := rs.bounds[c]
		for i := range g.N {
			bandRows(x, cp, g, pt.subs, buf, w, bias, nil, in[0].Data[i*xn:(i+1)*xn], bd, pt.a, pt.b, false)
			// All planes in one call, as the whole pool's; the output's
			// planes lie oh*ow apart, not pg.oh*ow.
			poolPartInto(&pg, bd, pd, x.workers)
			for m := range g.M {
				copy(out[0].Data[i*yn+m*oh*ow+p0*ow:], pd[m*pg.oh*ow:(m+1)*pg.oh*ow])
			}
		}
	}
	gd := Gathered{Node: n.Name, Y: out[0].Data, Outer: g.N * g.M, Inner: ow, Lo: sp.lo, Hi: sp.hi, Bounds: rs.bounds}
	if !rs.shared {
		run(p.shard.Index)
		x.gathers = append(x.gathers, gd) // see shardgather.go
		return nil
	}
	gd.Lo, gd.Hi, gd.Own = 0, 0, make([]int, 0, len(rs.conv.parts))
	for {
		c := p.shard.Share(len(rs.conv.parts))
		if c < 0 {
			break
		}
		run(c)
		gd.Own = append(gd.Own, c)
	}
	x.gathers = append(x.gathers, gd)
	return nil
}

// poolPartInto pools a part's conv rows src into dst as maxPoolInto
// does. A part inside the map (ResNet's and GoogLeNet's stem pools on
// their second shard: the 3x3 stride-2 pool's output rows 28-55 read conv
// rows 55-111, so no padding row on top, pt 0, and an odd 57 rows) is not
// a geometry of WebAssembly's pool kernel (vec.MaxPool3x3S2P1: one padding
// row on top, even rows), and maxPoolInto took the scalar loop
// (maxPoolPlane) for it: the stem of the bottom shard cost 10-30% more
// than the top one's in the browser and in TestShardProfile (in Node,
// conv+pool of one 224x224 image, min of 30: 7.03 top, 8.17 bottom; the
// conv bands alone 6.87 and 7.27). Its rows after the first are such a
// geometry: output row r reads part rows 2r, 2r+1, 2r+2, which are rows
// 2r-1, 2r, 2r+1 of the map that starts one row down, whose row -1 the
// kernel takes for padding. So the kernel pools that map plane by plane,
// which is exact but for each plane's first output row, which lacks its
// windows' taps on the part's first row; the kernel on the part's first
// two rows alone (its row -1 padding) gives the maximum over those two
// rows of the same columns, and the first output row takes the maximum of
// both (vec.Max): every window's taps, the second row's twice. Max is
// exact whatever the order of the taps (NaN aside, as the kernel), so
// every bit stays the whole pool's. Node, 64x57x112 part, min of 40:
// maxPoolInto 0.80 ms, this 0.31, the top part (kernel alone) 0.29.
func poolPartInto(g *poolGeom, src, dst []float32, workers int) {
	h1 := g.h - 1
	if g.pt != 0 || !s2x3(g) || h1 != 2*g.oh || g.pl != 1 || !vec.MaxPool3x3S2Wasm(h1, g.w, g.oh, g.ow, 1, g.pl) {
		maxPoolInto(g, src, dst, workers)
		return
	}
	buf := poolScratch(g.w + 2 + g.ow)
	defer scratchPool.Put(buf)
	vp, top := (*buf)[:g.w+2], (*buf)[g.w+2:]
	hw, ohw := g.h*g.w, g.oh*g.ow
	for m := range g.n * g.c {
		plane := src[m*hw : (m+1)*hw]
		d := dst[m*ohw : (m+1)*ohw]
		vec.MaxPool3x3S2P1(d, plane[g.w:], vp, 1, h1, g.w)
		vec.MaxPool3x3S2P1(top, plane[:2*g.w], vp, 1, 2, g.w)
		vec.Max(d[:g.ow], d[:g.ow], top)
	}
}

// The other MaxPools (GoogLeNet's maxpool2-4 after a conv or a Concat, the
// pools of AlexNet and VGG16 past the stem) ran whole on every shard: each
// now pools its part of the channels (every plane is pooled alone) and
// the parts are gathered. That costs a gather where the pool's reader
// would have read the whole output at once; GoogLeNet's three (192x56x56,
// 480x28x28, 832x14x14 in) took 3.9 ms a run on one worker, all of it on
// each shard. Pools with fewer than poolSplitMin input values stay whole
// (a variable so that tests can split every pool).
var poolSplitMin = 1 << 16

// splitPools splits by channels every MaxPool that runs whole (see
// above): not fused, not kept whole by keepAll, with at least 2*minSplit
// channels.
func (p *Program) splitPools() {
	if p.keepAll || p.planning {
		return
	}
	count := p.shard.Count
	for _, n := range p.nodes {
		if n.Op != OpMaxPool || p.splits[n] != nil || p.fusedPools[n] || len(n.Inputs) != 1 || len(n.Outputs) != 1 {
			continue
		}
		xs := p.shapes[n.Inputs[0]]
		if len(xs) != 4 || numElements(xs) < poolSplitMin {
			continue
		}
		dim := xs[1]
		parts := min(count, dim/minSplit)
		if parts <= 1 {
			continue
		}
		sp := &split{lo: dim, hi: dim, dim: dim, bounds: make([]int, count+1)}
		if p.shard.Index < parts {
			sp.lo, sp.hi = splitRange(dim, parts, p.shard.Index)
		}
		for i := range count {
			sp.bounds[i] = dim
			if i < parts {
				sp.bounds[i], _ = splitRange(dim, parts, i)
			}
		}
		sp.bounds[count] = dim
		p.splits[n] = sp
	}
}

// runPoolPart pools this shard's channels [sp.lo, sp.hi) of every image
// of in[0] into y and sets g's blocks (the images) and their inner size
// (a plane).
func runPoolPart(x *execCtx, n *Node, in []*Tensor, y *Tensor, sp *split, g *Gathered) error {
	pp, err := poolParams(n)
	if err != nil {
		return err
	}
	pg, err := resolvePool(pp, in[0].Shape)
	if err != nil {
		return err
	}
	g.Outer, g.Inner = pg.n, pg.oh*pg.ow
	if sp.hi == sp.lo {
		return nil
	}
	part := pg
	part.n, part.c = 1, sp.hi-sp.lo
	xn, yn := pg.c*pg.h*pg.w, pg.c*pg.oh*pg.ow
	for i := range pg.n {
		src := in[0].Data[i*xn+sp.lo*pg.h*pg.w : i*xn+sp.hi*pg.h*pg.w]
		dst := y.Data[i*yn+sp.lo*g.Inner : i*yn+sp.hi*g.Inner]
		maxPoolInto(&part, src, dst, x.workers)
	}
	return nil
}
