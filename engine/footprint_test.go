package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"convscope/engine/internal/conv"
)

// TestPlanFootprint: what PlanFootprint counts, from the constants'
// shapes alone, is what Compile holds: the constants' bytes (the shard's
// parts of split nodes), and per node the layouts Prepack made, for whole
// programs and for each of 2 and 3 shards (channel and row splits, BN
// folding, a weight two nodes read, the residual fusion).
func TestPlanFootprint(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	wasm := runtime.GOARCH == "wasm"
	for _, c := range []struct {
		name string
		g    *Graph
	}{
		{"shard", shardGraph(t, r)},
		{"rows", rowGraph(t, r)},
		{"residual", residualGraph(t, r)},
		{"bn", bnGraph(t, r)},
	} {
		for _, count := range []int{1, 2, 3} {
			l := NewLocalGather(count)
			for i := range count {
				t.Run(fmt.Sprintf("%s/%d_of_%d", c.name, i, count), func(t *testing.T) {
					var opt Options
					if count > 1 {
						opt.Shard = l.Shard(i)
					}
					p, err := Compile(c.g, opt)
					if err != nil {
						t.Fatal(err)
					}
					opt.Shard.Gather = nil
					f, err := PlanFootprint(c.g, constInfos(c.g), opt, wasm)
					if err != nil {
						t.Fatal(err)
					}
					var weights int64
					for _, w := range p.consts {
						weights += tensorBytes(w)
					}
					derived := map[string]int64{}
					for _, n := range p.nodes {
						if sp := p.splits[n]; sp != nil && sp.rows == nil {
							weights += tensorBytes(sp.w)
							derived[n.Name] += conv.PackedBytes(p.packed[sp.w])
						}
						if n.Op == OpConv {
							if w := p.consts[n.Inputs[1]]; w != nil {
								derived[n.Name] += conv.PackedBytes(p.packed[w])
								delete(p.packed, w) // counted once
							}
						}
					}
					if f.Weights != weights {
						t.Errorf("weights: planned %d bytes, compiled %d", f.Weights, weights)
					}
					for name, b := range derived {
						if f.Derived[name] != b {
							t.Errorf("node %s: planned %d derived bytes, compiled %d", name, f.Derived[name], b)
						}
					}
					for name, b := range f.Derived {
						if _, ok := derived[name]; !ok && b != 0 {
							t.Errorf("node %s: planned %d derived bytes, compiled none", name, b)
						}
					}
					if f.Activations == 0 || c.name != "bn" && f.DerivedBytes() == 0 {
						t.Errorf("nothing derived (only bn's folded conv is float32) or no activations: %+v", f)
					}
				})
			}
		}
	}
}

// tensorBytes is what t's values take.
func tensorBytes(t *Tensor) int64 {
	if t.Int8 != nil {
		return int64(len(t.Int8.Q)) + 4*int64(len(t.Int8.Scales))
	}
	return 4 * int64(len(t.Data))
}

// TestPlanFootprintActivations: the peak of the memory plan, counted by
// hand for a chain (the input stays, each value lives until its reader
// ran), and with a kept value, which the plan holds to the end.
func TestPlanFootprintActivations(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 4, 8, 8}})                         // 256 values
	b.node("c", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}}, "a", "x", b.q("w", 0, 8, 4, 3, 3)) // 512
	b.node("r", OpRelu, nil, "h", "a")                                                            // 512
	b.node("p", OpMaxPool, &PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, "m", "h")    // 128
	b.node("r2", OpRelu, nil, "y", "m")                                                           // 128
	for _, c := range []struct {
		opt  Options
		want int64 // float32 values at the peak
	}{
		{Options{NoFuse: true}, 256 + 512 + 512},                            // at r
		{Options{}, 256 + 512 + 128},                                        // conv+ReLU, then at p
		{Options{NoFuse: true, Keep: []string{"a"}}, 256 + 512 + 512 + 128}, // a held: x a h m at p
		{Options{NoFuse: true, Keep: []string{"h"}}, 256 + 512 + 512},
		{Options{NoFuse: true, Keep: []string{"a", "h"}}, 256 + 512 + 512 + 128 + 128}, // x a h m y
	} {
		f, err := PlanFootprint(b.g, constInfos(b.g), c.opt, false)
		if err != nil {
			t.Fatal(err)
		}
		if f.Activations != 4*c.want {
			t.Errorf("%+v: peak %d bytes, want %d", c.opt, f.Activations, 4*c.want)
		}
	}
	if _, err := PlanFootprint(nil, nil, Options{}, false); err == nil {
		t.Error("a footprint of a nil graph")
	}
	if _, err := PlanFootprint(b.g, map[string]ConstInfo{"w": {Shape: []int{8, 4, 3, 3}, Int8: true, Axis: 4}}, Options{}, false); err == nil {
		t.Error("a footprint with an int8 axis out of range")
	}
}
