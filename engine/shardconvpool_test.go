package engine

import (
	"math/rand/v2"
	"slices"
	"testing"

	"convscope/engine/internal/conv"
)

// convPoolGraph has the stem pools of the catalog's networks after convs
// split by rows: a 7x7 stride-2 conv then a 3x3 stride-2 pool with one
// cell of padding (ResNet; bands overlap by a row, the first padded), a
// Winograd 3x3 conv then a 3x3 stride-2 pool in ceil mode (GoogLeNet's
// maxpool2; parts widened to even rows), a 5x5 conv (im2col) then a 3x3
// stride-2 pool in floor mode on an odd map (AlexNet), a 1x1 conv then a
// 2x2 stride-2 pool (VGG16; no overlap), then a Gemm. With the default
// slack only c1 and c4 are fused at 2 shards: the others' parts would
// take more than a 32nd more rows than their bands.
func convPoolGraph(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 3, 128, 128}})
	f, node := b.f, b.node
	q := func(name string, shape ...int) string { return b.q(name, 0, shape...) }
	pad := func(p int) *ConvParams { return &ConvParams{Pads: [4]int{p, p, p, p}, Relu: true} }
	node("c1", OpConv, &ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{3, 3, 3, 3}, Relu: true}, "a1", "x", q("w1", 32, 3, 7, 7), f("b1", 32)) // 64x64
	node("p1", OpMaxPool, &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, "a2", "a1")                      // 32x32
	node("c2", OpConv, pad(1), "a3", "a2", q("w2", 32, 32, 3, 3), f("b2", 32))                                                                 // Winograd
	node("p2", OpMaxPool, &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, "a4", "a3")                                // 16x16
	node("c3", OpConv, pad(2), "a5", "a4", q("w3", 32, 32, 5, 5), f("b3", 32))
	node("p3", OpMaxPool, &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}}, "a6", "a5") // 7x7
	node("c4", OpConv, nil, "a7", "a6", f("w4", 32, 32, 1, 1))
	node("p4", OpMaxPool, &PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, "a8", "a7") // 3x3
	node("fl", OpFlatten, &FlattenParams{Axis: 1}, "a9", "a8")
	node("fc", OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, "y", "a9", q("w9", 20, 32*3*3), f("b9", 20))
	return b.g
}

// TestShardConvPool: the stem pools computed with the conv before them
// (fuseConvPools) keep every bit of the unsharded program, at 2 and 3
// shards, batch 1 and 2, bands whole or cut into sub-bands, fixed or
// shared out, with every pool that can be fused fused (slack 1) and with
// the default slack; a pool whose conv's output is kept is not fused.
func TestShardConvPool(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	g := convPoolGraph(t, r)
	for _, kept := range []bool{false, true} {
		opt := Options{Workers: 1}
		if kept {
			opt.Keep = []string{"a5"}
		}
		ref, err := Compile(g, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ scratch, slack int }{{rowScratch, 1}, {5000, 1}, {rowScratch, convPoolSlack}} {
			old, oldSlack := rowScratch, convPoolSlack
			rowScratch, convPoolSlack = c.scratch, c.slack
			slack := c.slack
			for _, count := range []int{2, 3, -2, -3} { // negative: shared out
				shared := count < 0
				count = max(count, -count)
				wantFused := []string{"c1", "c2", "c3", "c4"}
				if slack != 1 {
					wantFused = []string{"c1", "c4"}
				}
				if kept {
					wantFused = slices.DeleteFunc(wantFused, func(s string) bool { return s == "c3" })
				}
				check := count == 2 || slack == 1
				l, progs := compileShards(t, g, opt, count, shared)
				for i, p := range progs {
					var fused []string
					for n := range p.convPools {
						fused = append(fused, n.Name)
					}
					slices.Sort(fused)
					if check && !slices.Equal(fused, wantFused) {
						t.Errorf("kept %v, shard %d of %d (shared %v): fused convs %v, want %v", kept, i, count, shared, fused, wantFused)
					}
				}
				for _, batch := range []int{1, 2} {
					in := map[string]*Tensor{"x": randTensor(r, batch, 3, 128, 128)}
					want, res := shardsAndWhole(t, ref, l, progs, in)
					for _, res := range res {
						sameBits(t, "y", res.Outputs["y"], want.Outputs["y"])
						if kept {
							sameBits(t, "a5", res.Kept["a5"], want.Kept["a5"])
						}
					}
				}
			}
			rowScratch, convPoolSlack = old, oldSlack
		}
	}
}

// TestPoolPartsCover: the parts of a fused pool read, between them, every
// conv row its windows read, their sub-bands compute those rows (widened
// to even rows for Winograd), each part's pool is the whole pool's rows,
// and the overlaps are those of the windows (one row for 3x3 stride 2).
func TestPoolPartsCover(t *testing.T) {
	for _, c := range []struct {
		h, pt, kh int
		ceil      bool
	}{{112, 1, 3, false}, {112, 0, 3, true}, {55, 0, 3, false}, {27, 0, 3, false}, {224, 0, 2, false}, {56, 0, 3, true}} {
		pp := &PoolParams{Kernel: [2]int{c.kh, c.kh}, Strides: [2]int{2, 2}, Pads: [4]int{c.pt, c.pt, c.pt, c.pt}, CeilMode: c.ceil}
		pg, err := resolvePool(pp, []int{1, 4, c.h, c.h})
		if err != nil {
			t.Fatal(err)
		}
		for _, cg := range []conv.Geom{convGeomOf(t, c.h, 1), convGeomOf(t, c.h, 3)} {
			for k := 2; k <= 6; k++ {
				b := make([]int, k+1)
				for i := range b {
					b[i] = i * pg.oh / k
				}
				parts, _, _, ok := poolParts(cg, pg, b)
				if !ok {
					if cg.KH == 1 {
						t.Fatalf("%+v: %d parts refused", c, k)
					}
					continue // Winograd's bands of few rows may not keep its bits
				}
				for i, pt := range parts {
					if pt.g.oh != b[i+1]-b[i] || pt.g.h != pt.b-pt.a {
						t.Errorf("%+v part %d: %+v", c, i, pt)
					}
					if i > 0 && pt.a > parts[i-1].b {
						t.Errorf("%+v: part %d reads from row %d, part %d up to %d", c, i, pt.a, i-1, parts[i-1].b)
					}
					// Its sub-bands compute at least the rows it reads.
					if len(pt.subs) == 0 || pt.subs[0].R0 > pt.a || pt.subs[len(pt.subs)-1].R1 < pt.b {
						t.Errorf("%+v part %d: rows [%d, %d), sub-bands %v", c, i, pt.a, pt.b, pt.subs)
					}
					for j := 1; j < len(pt.subs); j++ {
						if pt.subs[j].R0 != pt.subs[j-1].R1 {
							t.Errorf("%+v part %d: sub-bands %v", c, i, pt.subs)
						}
					}
				}
				if parts[0].a != 0 || parts[k-1].b > c.h {
					t.Errorf("%+v: rows [%d, %d)", c, parts[0].a, parts[k-1].b)
				}
			}
		}
	}
}

// convGeomOf is the geometry of a k x k conv (1: pointwise, any rows are a
// band of it; 3: with one cell of padding, Winograd on the larger maps,
// whose bands start on even rows) with h x h outputs.
func convGeomOf(t *testing.T, h, k int) (g conv.Geom) {
	t.Helper()
	g, err := convGeom(&ConvParams{Pads: [4]int{k / 2, k / 2, k / 2, k / 2}}, []int{1, 64, h, h}, []int{64, 64, k, k})
	if err != nil {
		t.Fatal(err)
	}
	g.N = 1
	return g
}

// TestShardSplitPools: the MaxPools split by channels (splitPools, every
// pool that is not fused when poolSplitMin is 0) keep every bit of the
// unsharded program, at 2 and 3 shards, batch 1 and 2, on the inception-
// like graph (p2, read twice; p5, stride 1 and no padding; p6, 32
// channels) and the stem graph (c2's pool, by channels at 2 shards).
func TestShardSplitPools(t *testing.T) {
	defer noWholeNodes()()
	old := poolSplitMin
	poolSplitMin = 0
	defer func() { poolSplitMin = old }()
	r := rand.New(rand.NewPCG(33, 34))
	for _, c := range []struct {
		g    *Graph
		want []string // split by channels at 2 shards
	}{{poolGraph(t, r), []string{"p2", "p5", "p6"}}, {convPoolGraph(t, r), []string{"p2", "p3"}}} {
		ref, err := Compile(c.g, Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, count := range []int{2, 3} {
			l := NewLocalGather(count)
			progs := make([]*Program, count)
			for i := range progs {
				if progs[i], err = Compile(c.g, Options{Workers: 1, Shard: l.Shard(i)}); err != nil {
					t.Fatal(err)
				}
				var split []string
				for n, sp := range progs[i].splits {
					if n.Op == OpMaxPool && sp.rows == nil {
						split = append(split, n.Name)
					}
				}
				slices.Sort(split)
				if count == 2 && !slices.Equal(split, c.want) {
					t.Errorf("shard %d of %d: pools split by channels %v, want %v", i, count, split, c.want)
				}
			}
			for _, batch := range []int{1, 2} {
				shape := slices.Clone(c.g.Inputs[0].Shape)
				shape[0] = batch
				in := map[string]*Tensor{"x": randTensor(r, shape...)}
				want, res := shardsAndWhole(t, ref, l, progs, in)
				for _, res := range res {
					sameBits(t, "y", res.Outputs["y"], want.Outputs["y"])
				}
			}
		}
	}
}

// TestShardRowsResidual: a conv split by rows with a fused residual Add
// (ResNet-18's layer1 and layer2 blocks: Winograd 3x3 on 32x32 here, and a
// pointwise one) adds the residual's rows of its band, each value keeping
// the unsharded program's bits, at 2 and 3 shards, batch 1 and 2, bands
// whole or cut into sub-bands, fixed or shared out.
func TestShardRowsResidual(t *testing.T) {
	old := rowMaxResidual
	rowMaxResidual = 64 * 64 * 3 * 3
	defer func() { rowMaxResidual = old }()
	r := rand.New(rand.NewPCG(35, 36))
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 16, 32, 32}})
	f, node := b.f, b.node
	q := func(name string, shape ...int) string { return b.q(name, 0, shape...) }
	pad := &ConvParams{Pads: [4]int{1, 1, 1, 1}}
	node("c1", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}, "a1", "x", q("w1", 32, 16, 3, 3), f("b1", 32))
	node("c2", OpConv, pad, "a2", "a1", q("w2", 32, 32, 3, 3), f("b2", 32))
	node("add", OpAdd, nil, "a3", "a2", "a1")
	node("relu", OpRelu, nil, "a4", "a3")
	node("c3", OpConv, nil, "a5", "a4", f("w3", 32, 32, 1, 1))
	node("add2", OpAdd, nil, "a6", "a5", "a4")
	node("relu2", OpRelu, nil, "a7", "a6")
	node("gap", OpGlobalAveragePool, nil, "a8", "a7")
	node("fl", OpFlatten, &FlattenParams{Axis: 1}, "a9", "a8")
	node("fc", OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, "y", "a9", q("w9", 20, 32), f("b9", 20))
	g := b.g
	ref, err := Compile(g, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, scratch := range []int{rowScratch, 3000} {
		old := rowScratch
		rowScratch = scratch
		for _, count := range []int{2, 3, -2, -3} { // negative: shared out
			shared := count < 0
			count = max(count, -count)
			l, progs := compileShards(t, g, Options{Workers: 1}, count, shared)
			for i, p := range progs {
				res := 0
				for n, sp := range p.splits {
					if sp.rows != nil && len(n.Inputs) == 4 {
						res++
					}
				}
				if res != 2 {
					t.Errorf("shard %d of %d: %d convs with a residual split by rows, want 2", i, count, res)
				}
			}
			for _, batch := range []int{1, 2} {
				in := map[string]*Tensor{"x": randTensor(r, batch, 16, 32, 32)}
				want, res := shardsAndWhole(t, ref, l, progs, in)
				for _, res := range res {
					sameBits(t, "y", res.Outputs["y"], want.Outputs["y"])
				}
			}
		}
		rowScratch = old
	}
}
