package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// rowChain is a ResNet-50 layer1 in small (24x24 maps, every conv split
// by rows): c0's output is read by two 1x1 convs (c1 and the downsample
// d), c1's by a 3x3 (c2), c2's by a 1x1 (c3) whose output and d's make a
// residual Add, the block's output is read by a 1x1 (o) only, and o's by a
// 3x3 (y).
func rowChain(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 8, 24, 24}})
	q, f, node := b.q, b.f, b.node
	pad1 := [4]int{1, 1, 1, 1}
	node("c0", OpConv, &ConvParams{Pads: pad1, Relu: true}, "a", "x", q("w0", 0, 48, 8, 3, 3), f("b0", 48))
	node("c1", OpConv, &ConvParams{Relu: true}, "h1", "a", q("w1", 0, 48, 48, 1, 1), f("b1", 48))
	node("c2", OpConv, &ConvParams{Pads: pad1, Relu: true}, "h2", "h1", q("w2", 0, 48, 48, 3, 3), f("b2", 48))
	node("c3", OpConv, nil, "m", "h2", q("w3", 0, 64, 48, 1, 1), f("b3", 64))
	node("d", OpConv, nil, "s", "a", q("wd", 0, 64, 48, 1, 1), f("bd", 64))
	node("add", OpAdd, nil, "sum", "m", "s")
	node("relu", OpRelu, nil, "blk", "sum")
	node("o", OpConv, &ConvParams{Relu: true}, "z", "blk", f("wo", 48, 64, 1, 1), f("bo", 48))
	node("y", OpConv, &ConvParams{Pads: pad1}, "y", "z", q("wy", 0, 48, 48, 3, 3), f("by", 48))
	return b.g
}

// TestShardOwnRows: a conv split by rows whose output only 1x1 convs split
// by rows over the same bands read (as input or residual) is not gathered
// (ownRows), and every shard still gets the unsharded program's bits, at
// batch 1 and 2, with 2 and 3 shards, sharing out or not. Unfused (the
// Add reads two outputs) or with every value kept, they are gathered.
func TestShardOwnRows(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 5))
	g := rowChain(t, r)
	for _, opt := range []Options{{Workers: 1}, {Workers: 1, Keep: []string{"*"}}, {Workers: 1, NoFuse: true}} {
		ref, err := Compile(g, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range []int{1, 2} {
			in := map[string]*Tensor{"x": randTensor(r, batch, 8, 24, 24)}
			want, err := ref.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, count := range []int{2, 3} {
				for _, shared := range []bool{false, true} {
					name := fmt.Sprintf("keep %v nofuse %v batch %d, %d shards, shared %v", opt.Keep, opt.NoFuse, batch, count, shared)
					l := NewLocalGather(count)
					progs, calls := compileLogged(t, g, opt, l, count, !shared)
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
					// Fused, d takes the Add and reads c3's output: a
					// (c0), h2 (c2), m (c3) and blk (d) stay with their
					// shards; h1 (c1, read by a 3x3) and z (o, likewise)
					// are gathered, and the output y.
					wantCalls := []string{"c1", "o", "y"}
					switch {
					case opt.NoFuse:
						// The Add reads c3's and d's outputs: d reads
						// only a, so it runs before c2, which waits for
						// c1's parts (orderGathers), and its parts go
						// with them.
						wantCalls = []string{"c1+d", "c3", "o", "y"}
					case opt.Keep != nil:
						wantCalls = []string{"c0", "c1", "c2", "c3", "d", "o", "y"}
					}
					if !slices.Equal(calls[0], wantCalls) {
						t.Errorf("%s: gathers %q, want %q", name, calls[0], wantCalls)
					}
				}
			}
		}
	}
}
