package engine

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// shardGraph is a small network with every kind of node Shard splits or
// replicates: convs taking im2col, 1x1 and Winograd (C >= 128, M >= 32 so
// each of 2 parts keeps Winograd), a grouped conv (run whole), a conv too
// narrow to split, Gemm with B stored (out, in) and (in, out), int8 and
// float32 weights, bias and fused ReLU.
func shardGraph(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	g := &Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, 3, 24, 24}}},
		Outputs: []string{"y"},
		Consts:  map[string]*Tensor{},
	}
	q := func(name string, axis int, shape ...int) string {
		g.Consts[name], _ = quantConst(t, r, axis, shape...)
		return name
	}
	f := func(name string, shape ...int) string {
		g.Consts[name] = randTensor(r, shape...)
		return name
	}
	node := func(name string, op OpKind, params any, out string, in ...string) {
		g.Nodes = append(g.Nodes, &Node{Name: name, Op: op, Params: params, Inputs: in, Outputs: []string{out}})
	}
	pad1 := &ConvParams{Pads: [4]int{1, 1, 1, 1}}
	node("c1", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}, "a1", "x", q("w1", 0, 40, 3, 3, 3), f("b1", 40))
	node("c2", OpConv, pad1, "a2", "a1", q("w2", 0, 136, 40, 3, 3), f("b2", 136))
	node("r2", OpRelu, nil, "a2r", "a2")
	node("c3", OpConv, pad1, "a3", "a2r", q("w3", 0, 72, 136, 3, 3), f("b3", 72)) // Winograd
	node("c4", OpConv, nil, "a4", "a3", f("w4", 48, 72, 1, 1))                    // 1x1, float32, no bias
	node("c5", OpConv, &ConvParams{Group: 4, Pads: [4]int{1, 1, 1, 1}}, "a5", "a4", q("w5", 0, 48, 12, 3, 3), f("b5", 48))
	node("c6", OpConv, &ConvParams{Strides: [2]int{2, 2}}, "a6", "a5", q("w6", 0, 20, 48, 2, 2), f("b6", 20)) // too narrow
	node("p", OpMaxPool, &PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, "a7", "a6")
	node("fl", OpFlatten, &FlattenParams{Axis: 1}, "a8", "a7")
	node("fc1", OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, "a9", "a8", q("w9", 0, 70, 720), f("b9", 70))
	node("fc2", OpGemm, &GemmParams{Alpha: 1, Beta: 1}, "y", "a9", f("w10", 70, 37), f("b10", 37))
	return g
}

// runSharded compiles g count times as shards of one LocalGather and runs
// them together.
func runSharded(t *testing.T, g *Graph, count int, opt Options, in map[string]*Tensor) []*Result {
	t.Helper()
	l := NewLocalGather(count)
	progs := make([]*Program, count)
	for i := range progs {
		o := opt
		o.Shard = l.Shard(i)
		p, err := Compile(g, o)
		if err != nil {
			t.Fatal(err)
		}
		progs[i] = p
	}
	res, err := RunShards(l, progs, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// sameBits fails unless got and want hold the same float32 bits.
func sameBits(t *testing.T, what string, got, want *Tensor) {
	t.Helper()
	if got == nil || want == nil || len(got.Data) != len(want.Data) {
		t.Fatalf("%s: missing or wrong length", what)
	}
	for i := range want.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Fatalf("%s: element %d is %v, want %v (bit for bit)", what, i, got.Data[i], want.Data[i])
		}
	}
}

// TestShardBitIdentical: 2 and 3 shards give every shard the bits of the
// unsharded program, for the output and for every kept value (so each
// split node's gathered output is whole), at batch 1 and 2, fused and not.
func TestShardBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	g := shardGraph(t, r)
	for _, opt := range []Options{{Workers: 1, Keep: []string{"*"}}, {Workers: 2, Keep: []string{"*"}, NoFuse: true}} {
		ref, err := Compile(g, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range []int{1, 2} {
			in := map[string]*Tensor{"x": randTensor(r, batch, 3, 24, 24)}
			want, err := ref.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, count := range []int{2, 3} {
				for i, res := range runSharded(t, g, count, opt, in) {
					sameBits(t, "y", res.Outputs["y"], want.Outputs["y"])
					for name, v := range want.Kept {
						sameBits(t, name, res.Kept[name], v)
					}
					if len(res.Kept) != len(want.Kept) {
						t.Errorf("shard %d/%d: %d kept values, want %d", i, count, len(res.Kept), len(want.Kept))
					}
				}
			}
		}
	}
}

// TestShardSplitsWeights: each shard holds only its part of the split
// weights (the whole ones are dropped), the parts cover every channel
// once, and narrow or grouped convs stay whole.
func TestShardSplitsWeights(t *testing.T) {
	g := shardGraph(t, rand.New(rand.NewPCG(1, 2)))
	l := NewLocalGather(2)
	covered := map[string]int{}
	for i := range 2 {
		p, err := Compile(g, Options{Workers: 1, Shard: l.Shard(i)})
		if err != nil {
			t.Fatal(err)
		}
		for n, sp := range p.splits {
			covered[n.Name] += sp.hi - sp.lo
			if _, ok := p.consts[n.Inputs[1]]; ok {
				t.Errorf("shard %d: %s still holds the whole weights %s", i, n.Name, n.Inputs[1])
			}
			if sp.w.Shape[0]*sp.w.Shape[1] == 0 && sp.hi > sp.lo {
				t.Errorf("shard %d: %s has empty weights for %d channels", i, n.Name, sp.hi-sp.lo)
			}
		}
		for _, whole := range []string{"w5", "w6"} {
			if _, ok := p.consts[whole]; !ok {
				t.Errorf("shard %d: %s (grouped or narrow conv) was split", i, whole)
			}
		}
	}
	want := map[string]int{"c1": 40, "c2": 136, "c3": 72, "c4": 48, "fc1": 70, "fc2": 37}
	for name, n := range want {
		if covered[name] != n {
			t.Errorf("%s: parts cover %d channels, want %d", name, covered[name], n)
		}
	}
	if len(covered) != len(want) {
		t.Errorf("split nodes %v, want %v", covered, want)
	}
}

func TestSplitRange(t *testing.T) {
	for _, c := range []struct{ dim, n int }{{64, 2}, {136, 3}, {37, 2}, {1000, 3}, {4096, 2}, {40, 2}} {
		next := 0
		for i := range c.n {
			lo, hi := splitRange(c.dim, c.n, i)
			if lo != next || hi <= lo {
				t.Fatalf("splitRange(%d, %d, %d) = %d, %d after %d", c.dim, c.n, i, lo, hi, next)
			}
			if c.dim%8 == 0 && lo%8 != 0 {
				t.Errorf("splitRange(%d, %d, %d) starts at %d, not a multiple of 8", c.dim, c.n, i, lo)
			}
			next = hi
		}
		if next != c.dim {
			t.Errorf("splitRange(%d, %d, ...) ends at %d", c.dim, c.n, next)
		}
	}
}

// TestShardErrors: bad shard settings are compile errors, and a shard
// whose gather fails makes Run fail (and the others' gathers with it)
// instead of hanging.
func TestShardErrors(t *testing.T) {
	g := shardGraph(t, rand.New(rand.NewPCG(3, 4)))
	for _, s := range []Shard{{Index: 2, Count: 2, Gather: func(Gathered) error { return nil }}, {Index: 0, Count: 2}} {
		if _, err := Compile(g, Options{Shard: s}); err == nil {
			t.Errorf("shard %+v compiled", s)
		}
	}
	boom := errors.New("peer gone")
	p, err := Compile(g, Options{Shard: Shard{Index: 0, Count: 2, Gather: func(Gathered) error { return boom }}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(map[string]*Tensor{"x": randTensor(rand.New(rand.NewPCG(5, 6)), 1, 3, 24, 24)}); !errors.Is(err, boom) {
		t.Errorf("run with a failing gather: %v", err)
	}
	l := NewLocalGather(2)
	l.Abort(boom)
	if err := l.gather(Gathered{Node: "n", Y: make([]float32, 4), Outer: 1, Inner: 1, Lo: 0, Hi: 2}); err == nil || !strings.Contains(err.Error(), "peer gone") {
		t.Errorf("gather after Abort: %v", err)
	}
}
