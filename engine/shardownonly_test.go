package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// downsampleBlock is a ResNet bottleneck with a downsample: the main path's
// last conv (m2) and the downsample (d) make the Add's two operands, and
// a conv (out) reads the block's output. Fused, one of m2 and d takes the
// Add and reads the other's output as its residual.
func downsampleBlock(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 3, 12, 12}})
	q, f, node := b.q, b.f, b.node
	node("c0", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}, "a", "x", q("w0", 0, 48, 3, 3, 3), f("b0", 48))
	node("m1", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}, "h", "a", q("w1", 0, 32, 48, 3, 3), f("b1", 32))
	node("m2", OpConv, nil, "m", "h", q("w2", 0, 64, 32, 1, 1), f("b2", 64))
	node("d", OpConv, nil, "s", "a", q("wd", 0, 64, 48, 1, 1), f("bd", 64))
	node("add", OpAdd, nil, "sum", "m", "s")
	node("relu", OpRelu, nil, "blk", "sum")
	node("out", OpConv, nil, "y", "blk", q("wy", 0, 40, 64, 1, 1), f("by", 40))
	return b.g
}

// TestShardResidualNotGathered: a split conv whose output only another
// split conv reads, as its residual, over the same channels, is not
// gathered (markOwnOnly), and every shard still gets the unsharded
// program's bits, at batch 1 and 2 and with 2 and 3 shards. Not fused,
// or with every value kept, it is gathered as before.
func TestShardResidualNotGathered(t *testing.T) {
	channelsOnly(t)
	r := rand.New(rand.NewPCG(11, 3))
	g := downsampleBlock(t, r)
	for _, opt := range []Options{{Workers: 1}, {Workers: 1, Keep: []string{"*"}}, {Workers: 1, NoFuse: true}} {
		ref, err := Compile(g, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range []int{1, 2} {
			in := map[string]*Tensor{"x": randTensor(r, batch, 3, 12, 12)}
			want, err := ref.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, count := range []int{2, 3} {
				name := fmt.Sprintf("keep %v nofuse %v batch %d, %d shards", opt.Keep, opt.NoFuse, batch, count)
				l := NewLocalGather(count)
				progs, calls := compileLogged(t, g, opt, l, count, false)
				res, err := RunShards(l, progs, in)
				if err != nil {
					t.Fatal(err)
				}
				for i := range count {
					sameBits(t, name+": y", res[i].Outputs["y"], want.Outputs["y"])
					for k, v := range want.Kept {
						sameBits(t, name+": "+k, res[i].Kept[k], v)
					}
					if !slices.Equal(calls[i], calls[0]) {
						t.Errorf("%s: the shards' gathers differ: %q and %q", name, calls[0], calls[i])
					}
				}
				// Fused, d takes the Add (it runs later) and reads m2's
				// output, which stays with each shard: d's gather holds
				// the block's output alone.
				wantCalls := []string{"c0", "m1", "d", "out"}
				switch {
				case opt.NoFuse:
					// d reads only c0's output: it runs before m2, which
					// waits for m1's parts (orderGathers), and its parts
					// go with them.
					wantCalls = []string{"c0", "m1+d", "m2", "out"}
				case opt.Keep != nil: // kept, m is not fused away; every kept value is whole after its node
					wantCalls = []string{"c0", "m1", "m2", "d", "out"}
				}
				if !slices.Equal(calls[0], wantCalls) {
					t.Errorf("%s: gathers %q, want %q", name, calls[0], wantCalls)
				}
			}
		}
	}
}
