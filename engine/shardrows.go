package engine

import (
	"sync"

	"convscope/engine/internal/conv"
)

// The row split: a conv whose weights are small (the early, wide layers:
// AlexNet's first two, ResNet's first and its 64- and 128-channel blocks,
// most of GoogLeNet) is split between the shards by bands of output rows
// instead of output channels. Each shard then holds all of the conv's
// weights, which costs little for these layers, and does only its share of
// all the work: split by channels, every shard redid the whole im2col (or
// Winograd's input transform, or the GEMM's packing of the input), which is
// most of such a layer's time next to its few channels' products. Each
// output value is computed with the bits of the whole conv (conv.RowBand).

// rowMaxWeights bounds the weights (values) of a conv that is split by rows:
// AlexNet's second conv (192x64x5x5, 307,200) and VGG16's conv3_1
// (256x128x3x3, 294,912) are the largest taken. Every shard holds them all
// (int8, prepacked, and Winograd's transformed kernels where kept), so the
// bound keeps the weights added to a shard to a few MB a model. A variable
// so that tests can have every conv split by channels (-1).
var rowMaxWeights = 320 * 1024

// rowMaxResidual bounds the weights of a conv with a fused residual Add
// (a 4th input) that is split by rows: ResNet-18's layer1 convs (64x64x3x3,
// Winograd on 56x56), which split by channels redid the whole Winograd
// input transform on each shard (TestShardProfile in Node, relaxed build,
// two passes at load 14: layer1.0.conv2 and layer1.1.conv2, the slower
// shard over half the whole, x1.10-1.41 by channels, x0.91-1.10 by rows).
// Layer2's (128x128x3x3 on 28x28) stay split by channels: by rows they
// took x1.15-1.25, by channels x1.02-1.08 in the same passes (but one
// x1.48). A variable so that tests can take every conv.
var rowMaxResidual = 64 * 64 * 3 * 3

// rowMaxPointwise bounds the output channels of a 1x1 stride-1 conv split
// by rows. Such a conv has no im2col: split by channels, all a shard
// redoes is the GEMM's packing of the input, a share of the work of about
// 1/(its channels) (ResNet-50's 256- and 1024-channel 1x1s on 14x14 lose
// nothing to it), while holding all the weights costs memory (3 MB a
// shard for those).
const rowMaxPointwise = 128

// rowScratch bounds, in float32 values, a sub-band's input rows plus
// output rows: a shard's band is computed a sub-band at a time through
// this scratch (conv.Forward wants each channel's rows contiguous), so
// that it stays small beside the activations (VGG16's first band would
// take 13 MB). A variable so that tests can cut bands into several.
var rowScratch = 1 << 19

// rowSplit is how a conv split by rows runs in this shard.
type rowSplit struct {
	// bounds are the row bounds of the parts: part i is rows [bounds[i],
	// bounds[i+1]), shard i's band, or with shared the i-th chunk that
	// Shard.Share hands out.
	bounds []int
	shared bool
	subs   [][]conv.Band // per part (only this shard's band unless shared), a sub-band at a time
	// pool: the conv reads a MaxPool's input and pools each sub-band's
	// rows itself (shardpool.go).
	pool bool
	// conv: this node is a MaxPool that computes the conv before it, and
	// its parts are bands of the pool's output rows (shardpool.go,
	// fuseConvPools).
	conv *convPool
}

// Shared out by Shard.Share, a conv's rows go in chunksPerShard chunks a
// shard, fewer when a chunk would have fewer than minChunkPixels output
// pixels or RowBand refuses its bounds, and at least one a shard (the
// bands of the static split, then handed out as the shards come). More
// chunks let a shard take over more of a descheduled one's work; fewer
// keep each GEMM wide enough to run at its pace. The count is a multiple
// of the shards' (shareChunks): shards that run at the same pace then
// take as many chunks each. A 28x28 map (ResNet-50's layer2, GoogLeNet's
// inception 3a and 3b) went in 3 chunks between 2 shards, of which one
// took 2, two thirds of the node, while the other waited for it at the
// next gather; with 192 pixels a chunk it goes in 4 (7 rows, 196 pixels,
// the width of the 14x14 layers' GEMMs), or for Winograd, whose chunks
// would have 6 rows (too few pixels to keep Winograd's bits), in the two
// halves of the static split, still handed out as the shards come.
const (
	chunksPerShard = 3
	minChunkPixels = 192
)

// shareChunks returns the row bounds of the chunks in which count shards
// share out g's output (see chunksPerShard), or nil when it does not go
// in more chunks than shards.
func shareChunks(g conv.Geom, count int) []int {
	for k := count * chunksPerShard; k > count; k -= count {
		if g.OH*g.OW >= k*minChunkPixels {
			if b := rowBounds(g, k); b != nil {
				return b
			}
		}
	}
	return nil
}

var rowPool = sync.Pool{New: func() any { return new([]float32) }}

// rowSplitOf returns the row split of n (a conv splittable by channels,
// whose weights have the whole shape ws) in shard s, or nil when n is
// split by channels: its weights are too many, its rows too few, or a band
// would not keep the whole conv's bits. The choice depends only on the
// graph and the shard count, so that every shard makes the same.
func (p *Program) rowSplitOf(n *Node, ws []int, s Shard) *split {
	if n.Op != OpConv || len(n.Inputs) > 4 || numElements(ws) > rowMaxWeights {
		return nil
	}
	if len(n.Inputs) == 4 && numElements(ws) > rowMaxResidual {
		return nil
	}
	cp, err := paramsOf[ConvParams](n)
	if err != nil {
		return nil
	}
	xs := p.shapes[n.Inputs[0]]
	g, err := convGeom(cp, xs, ws)
	if err != nil {
		return nil
	}
	if g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.M > rowMaxPointwise && numElements(ws) > rowOwnPointwise {
		return nil
	}
	bounds := rowBounds(g, s.Count)
	if bounds == nil {
		return nil
	}
	r0, r1 := bounds[s.Index], bounds[s.Index+1]
	rs := &rowSplit{bounds: bounds}
	if s.Share != nil {
		rs.shared = true
		if b := shareChunks(g, s.Count); b != nil {
			rs.bounds = b
		}
	}
	rs.subs = make([][]conv.Band, len(rs.bounds)-1)
	for i := range rs.subs {
		if rs.shared || i == s.Index {
			rs.subs[i] = subBands(g, rs.bounds[i], rs.bounds[i+1])
		}
	}
	return &split{lo: r0, hi: r1, dim: g.OH, rows: rs}
}

// subBands cuts rows [r0, r1) of g's output into sub-bands: as many even
// rows (a multiple of conv.RowStep: 4 for F(4x4) Winograd in
// WebAssembly) as fit rowScratch, more when a shorter band would not keep
// the bits (Winograd wants enough pixels).
func subBands(g conv.Geom, r0, r1 int) []conv.Band {
	rowValues := g.C*g.SH*g.W + g.M*g.OW
	st := conv.RowStep(g)
	var subs []conv.Band
	for h := max(st, rowScratch/max(1, rowValues)/st*st); ; h += st {
		subs = subs[:0]
		ok := true
		for a := r0; a < r1 && ok; a += h {
			var b conv.Band
			b, ok = conv.RowBand(g, a, min(a+h, r1))
			subs = append(subs, b)
		}
		if ok {
			return subs
		}
	}
}

// rowBounds returns the row bounds of count bands of g's output, as even
// as conv.RowBand allows, or nil: at least 2 rows each (fewer rows are
// split by channels), of equal rows (im2col and 1x1 convs take any), else
// on even rows (Winograd's 2x2 tiles; on rows a multiple of 4 for
// F(4x4)'s, conv.RowStep), each bound the row of that step nearest its
// share. The slowest shard sets the pace: GoogLeNet's 14x14 1x1s took 8
// rows of 14 on one shard, and AlexNet's second conv 15 of 27, when every
// bound was rounded down to an even row.
func rowBounds(g conv.Geom, count int) []int {
	if g.OH/2 < count {
		return nil
	}
	bounds := make([]int, count+1)
	valid := func() bool {
		for i := range count {
			if bounds[i+1] <= bounds[i] {
				return false
			}
			if _, ok := conv.RowBand(g, bounds[i], bounds[i+1]); !ok {
				return false
			}
		}
		return true
	}
	bounds[count] = g.OH
	for i := range count {
		bounds[i] = i * g.OH / count
	}
	if valid() {
		return bounds
	}
	st := conv.RowStep(g)
	for i := range count {
		bounds[i] = (2*i*g.OH + st*count) / (2 * st * count) * st
	}
	if valid() {
		return bounds
	}
	return nil
}

// runRows computes this shard's rows of a conv split by rows into the
// whole output and gathers the other shards' rows.
func (p *Program) runRows(x *execCtx, n *Node, sp *split, in, out []*Tensor) error {
	if sp.rows.conv != nil {
		return p.runConvPool(x, n, sp, out)
	}
	cp, g, w, err := convArgs(x, n, in)
	if err != nil {
		return err
	}
	bias, _ := convOperands(in)
	buf := rowPool.Get().(*[]float32)
	defer rowPool.Put(buf)
	rs := sp.rows
	gd := Gathered{Node: n.Name, Y: out[0].Data, Outer: g.N * g.M, Inner: g.OW, Lo: sp.lo, Hi: sp.hi, Bounds: rs.bounds}
	if !rs.shared {
		runBand(x, cp, g, rs.subs[p.shard.Index], buf, w, bias, in, out, rs.pool)
		if !p.ownOnly[n] { // see ownRows
			x.gathers = append(x.gathers, gd) // see shardgather.go
		}
		return nil
	}
	gd.Lo, gd.Hi, gd.Own = 0, 0, make([]int, 0, len(rs.subs))
	for {
		c := p.shard.Share(len(rs.subs))
		if c < 0 {
			break
		}
		runBand(x, cp, g, rs.subs[c], buf, w, bias, in, out, rs.pool)
		gd.Own = append(gd.Own, c)
	}
	x.gathers = append(x.gathers, gd)
	return nil
}

// runBand computes the output rows of subs (a band's sub-bands) of every
// image into out, through the scratch buf; with pool, of the conv of the
// 3x3 stride-1 max pool of in[0] (see fusePools).
func runBand(x *execCtx, cp *ConvParams, g conv.Geom, subs []conv.Band, buf *[]float32, w conv.Weights, bias []float32, in, out []*Tensor, pool bool) {
	xn, yn := g.C*g.H*g.W, g.OH*g.OW
	for i := range g.N {
		var res []float32 // the image's residual (a fused Add), whole
		if len(in) == 4 && in[3] != nil {
			res = in[3].Data[i*g.M*yn : (i+1)*g.M*yn]
		}
		// A 1x1 conv's band, all its sub-bands at once, straight from
		// and into the whole planes (no copies).
		if !pool && conv.PointwiseRows(g, in[0].Data[i*xn:(i+1)*xn], w, bias, res, out[0].Data[i*g.M*yn:(i+1)*g.M*yn], subs[0].R0, subs[len(subs)-1].R1, cp.Relu, x.workers) {
			continue
		}
		bandRows(x, cp, g, subs, buf, w, bias, res, in[0].Data[i*xn:(i+1)*xn], out[0].Data[i*g.M*yn:(i+1)*g.M*yn], 0, g.OH, pool)
	}
}

// bandRows computes the output rows of subs of one image, whose input is
// xi (and residual res, when not nil: the image's whole residual, whose
// rows are added as conv.ForwardAdd adds them, each output value keeping
// the whole conv's bits), through the scratch buf, and writes those among rows [d0, d1) into
// dst, which holds rows [d0, d1) of each of the g.M output planes
// ((d1-d0)*g.OW values a plane: the whole output when [0, g.OH), the rows
// a chunk of a fused pool reads otherwise, see runConvPool).
func bandRows(x *execCtx, cp *ConvParams, g conv.Geom, subs []conv.Band, buf *[]float32, w conv.Weights, bias, res, xi, dst []float32, d0, d1 int, pool bool) {
	plane, yn := g.H*g.W, (d1-d0)*g.OW
	for _, b := range subs {
		bx := b.G.C * b.G.H * b.G.W
		by := b.G.M * b.G.OH * b.G.OW
		rows := (b.In1 - b.In0) * g.W
		nv := 0 // the pool's row maxima, when it pools
		if pool {
			nv = rows
		}
		nr := 0 // the residual's rows
		if res != nil {
			nr = by
		}
		if cap(*buf) < bx+by+nv+nr {
			*buf = make([]float32, bx+by+nv+nr)
		}
		sx, sy, vm, sr := (*buf)[:bx], (*buf)[bx:bx+by], (*buf)[bx+by:bx+by+nv], (*buf)[bx+by+nv:bx+by+nv+nr]
		for c := range g.C {
			if pool {
				poolRows(xi[c*plane:(c+1)*plane], g.H, g.W, b.In0, b.In1, sx[c*rows:(c+1)*rows], vm)
				continue
			}
			copy(sx[c*rows:(c+1)*rows], xi[c*plane+b.In0*g.W:])
		}
		if res != nil {
			band := (b.R1 - b.R0) * g.OW
			for m := range g.M {
				copy(sr[m*band:(m+1)*band], res[m*g.OH*g.OW+b.R0*g.OW:])
			}
			conv.ForwardAdd(b.G, sx, w, bias, sr, sy, cp.Relu, x.workers)
		} else {
			conv.Forward(b.G, sx, w, bias, sy, cp.Relu, x.workers)
		}
		r0, r1 := max(b.R0, d0), min(b.R1, d1)
		if r0 >= r1 {
			continue
		}
		band := (b.R1 - b.R0) * g.OW
		for m := range g.M {
			copy(dst[m*yn+(r0-d0)*g.OW:m*yn+(r1-d0)*g.OW], sy[m*band+(r0-b.R0)*g.OW:])
		}
	}
}
