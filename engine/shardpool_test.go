package engine

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// poolGraph has inception-like blocks: 3x3 stride-1 pools with one cell
// of padding feeding only a 1x1 conv (fused: p1 on 14x14, p4 on 13x13,
// odd) or a padded 5x5 conv (p3, fused: its bands need pooled rows past
// their own), one also read by a second node (p2: not fused), p4's output
// kept in the "kept" variant (not fused then), and stride-2 pools (not
// the kind fused).
func poolGraph(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 3, 28, 28}})
	f, node := b.f, b.node
	q := func(name string, shape ...int) string { return b.q(name, 0, shape...) }
	same := &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}
	node("c0", OpConv, &ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Relu: true}, "a0", "x", q("w0", 40, 3, 3, 3), f("b0", 40))
	node("p1", OpMaxPool, same, "a1", "a0")
	node("c1", OpConv, &ConvParams{Relu: true}, "a2", "a1", q("w1", 32, 40, 1, 1), f("b1", 32))
	node("c1b", OpConv, &ConvParams{Relu: true}, "a2b", "a0", q("w1b", 32, 40, 1, 1), f("b1b", 32))
	node("cat", OpConcat, &ConcatParams{Axis: 1}, "a3", "a2", "a2b")
	node("p2", OpMaxPool, same, "a4", "a3")
	node("c2b", OpConv, nil, "a5b", "a4", q("w2b", 32, 64, 1, 1))
	node("c2", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}}, "a5", "a4", q("w2", 32, 64, 3, 3), f("b2", 32))
	node("add", OpAdd, nil, "a6", "a5", "a5b")
	node("p5", OpMaxPool, &PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{1, 1}}, "a7", "a6") // 13x13
	node("p3", OpMaxPool, same, "a8", "a7")
	node("c3", OpConv, &ConvParams{Pads: [4]int{2, 2, 2, 2}, Relu: true}, "a9", "a8", q("w3", 32, 32, 5, 5), f("b3", 32)) // im2col
	node("p4", OpMaxPool, same, "a10", "a9")
	node("c4", OpConv, nil, "a11", "a10", f("w4", 32, 32, 1, 1))
	node("p6", OpMaxPool, &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}}, "a12", "a11")
	node("fl", OpFlatten, &FlattenParams{Axis: 1}, "a13", "a12")
	node("fc", OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, "y", "a13", q("w9", 20, 32*6*6), f("b9", 20))
	return b.g
}

// TestShardFusedPool: the pools a conv split by rows computes (fusePools),
// and the split convs writing into a Concat's output (planConcats), keep
// every bit of the unsharded program, at 2 and 3 shards, batch 1
// and 2, bands whole or cut into sub-bands (the pooled rows then start and
// end inside the map), fixed or shared out; only the pools that may be
// fused are, and a kept pool output is not.
func TestShardFusedPool(t *testing.T) {
	defer noWholeNodes()()
	r := rand.New(rand.NewPCG(21, 22))
	g := poolGraph(t, r)
	for _, kept := range []bool{false, true} {
		opt := Options{Workers: 1}
		wantFused := []string{"p1", "p3", "p4"}
		if kept {
			opt.Keep = []string{"a10"}
			wantFused = []string{"p1", "p3"}
		}
		ref, err := Compile(g, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, scratch := range []int{rowScratch, 1500} {
			old := rowScratch
			rowScratch = scratch
			for _, count := range []int{2, 3, -2, -3} { // negative: shared out
				shared := count < 0
				count = max(count, -count)
				l, progs := compileShards(t, g, opt, count, shared)
				for i, p := range progs {
					var fused []string
					for n := range p.fusedPools {
						fused = append(fused, n.Name)
					}
					slices.Sort(fused)
					if !slices.Equal(fused, wantFused) {
						t.Errorf("kept %v, shard %d of %d: fused pools %v, want %v", kept, i, count, fused, wantFused)
					}
					// The split convs c1 and c1b write into the Concat's output.
					if _, ok := p.parts["a2"]; !ok {
						t.Errorf("shard %d of %d: a2 is not written in place", i, count)
					}
					if _, ok := p.parts["a2b"]; !ok {
						t.Errorf("shard %d of %d: a2b is not written in place", i, count)
					}
				}
				for _, batch := range []int{1, 2} {
					in := map[string]*Tensor{"x": randTensor(r, batch, 3, 28, 28)}
					want, res := shardsAndWhole(t, ref, l, progs, in)
					for _, res := range res {
						sameBits(t, "y", res.Outputs["y"], want.Outputs["y"])
						if kept {
							sameBits(t, "a10", res.Kept["a10"], want.Kept["a10"])
						}
					}
				}
			}
			rowScratch = old
		}
	}
}

// TestPoolRows: poolRows gives, for every range of rows, the rows of the
// whole map's pool (runMaxPool), on maps of 2 to 9 rows and 2 to 7
// columns.
func TestPoolRows(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for h := 2; h <= 9; h++ {
		for w := 2; w <= 7; w++ {
			x := randTensor(r, 1, 1, h, w)
			y := runOp(t, OpMaxPool, &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, 1, x)[0]
			for r0 := 0; r0 < h; r0++ {
				for r1 := r0 + 1; r1 <= h; r1++ {
					dst, vm := make([]float32, (r1-r0)*w), make([]float32, (r1-r0)*w)
					poolRows(x.Data, h, w, r0, r1, dst, vm)
					for i, v := range dst {
						if want := y.Data[r0*w+i]; v != want {
							t.Fatalf("%dx%d rows [%d, %d): value %d = %v, want %v", h, w, r0, r1, i, v, want)
						}
					}
				}
			}
		}
	}
}

// TestPoolPartInto: poolPartInto gives maxPoolInto's bits for the parts
// of a 3x3 stride-2 pool a fused stem pool hands it: parts inside the map
// (no padding row on top, an odd number of rows: the kernel on all rows
// but the first, then the first output row fixed, in WebAssembly), and
// the others (the first part, odd widths, too narrow for the kernel),
// several planes, values with ties and signed zeros.
func TestPoolPartInto(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, s := range []struct{ c, h, w, pt, oh int }{
		{3, 57, 112, 0, 28}, {2, 5, 8, 0, 2}, {4, 3, 16, 0, 1}, {1, 9, 10, 0, 4},
		{3, 56, 112, 1, 28}, {2, 7, 9, 0, 3}, {2, 5, 6, 0, 2}, {1, 4, 8, 0, 1},
	} {
		ow := (s.w+2-3)/2 + 1
		g := poolGeom{n: 1, c: s.c, h: s.h, w: s.w, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: s.pt, pl: 1, pr: 1, oh: s.oh, ow: ow}
		if last := (s.oh-1)*2 - s.pt + 3; last > s.h {
			g.pb = last - s.h
		}
		x := randTensor(r, s.c*s.h*s.w).Data
		for i := range x {
			switch i % 7 {
			case 1:
				x[i] = 0
			case 2:
				x[i] = float32(math.Copysign(0, -1))
			case 3:
				x[i] = x[i-3]
			}
		}
		want := make([]float32, s.c*s.oh*ow)
		maxPoolInto(&g, x, want, 1)
		got := make([]float32, len(want)+1)
		got[len(want)] = 7
		poolPartInto(&g, x, got[:len(want)], 1)
		for i, v := range want {
			if math.Float32bits(got[i]) != math.Float32bits(v) {
				t.Fatalf("%+v: value %d = %v, want %v", s, i, got[i], v)
			}
		}
		if got[len(want)] != 7 {
			t.Fatalf("%+v: wrote past its output", s)
		}
	}
}
