package engine

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
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
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 3, 24, 24}})
	q, f, node := b.q, b.f, b.node
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
	return b.g
}

// compileShards compiles g count times with opt as the shards of one
// LocalGather: shared, they share out their work (Shard.Share, as the
// browser's workers do); not, each owns a fixed part.
func compileShards(t *testing.T, g *Graph, opt Options, count int, shared bool) (*LocalGather, []*Program) {
	t.Helper()
	l := NewLocalGather(count)
	progs := make([]*Program, count)
	for i := range progs {
		o := opt
		o.Shard = l.Shard(i)
		if !shared {
			o.Shard.Share = nil
		}
		p, err := Compile(g, o)
		if err != nil {
			t.Fatal(err)
		}
		progs[i] = p
	}
	return l, progs
}

// runSharded compiles g count times as shards of one LocalGather and runs
// them together.
func runSharded(t *testing.T, g *Graph, count int, opt Options, in map[string]*Tensor) []*Result {
	t.Helper()
	l, progs := compileShards(t, g, opt, count, true)
	res, err := RunShards(l, progs, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// shardsAndWhole runs the unsharded program ref and the shards progs
// (through l) on in, and returns ref's result and each shard's.
func shardsAndWhole(t *testing.T, ref *Program, l *LocalGather, progs []*Program, in map[string]*Tensor) (*Result, []*Result) {
	t.Helper()
	want, err := ref.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunShards(l, progs, in)
	if err != nil {
		t.Fatal(err)
	}
	return want, res
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
	channelsOnly(t)
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
	channelsOnly(t)
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
	for _, s := range []Shard{{Index: 2, Count: 2, Gather: func([]Gathered) error { return nil }}, {Index: 0, Count: 2}} {
		if _, err := Compile(g, Options{Shard: s}); err == nil {
			t.Errorf("shard %+v compiled", s)
		}
	}
	boom := errors.New("peer gone")
	p, err := Compile(g, Options{Shard: Shard{Index: 0, Count: 2, Gather: func([]Gathered) error { return boom }}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(map[string]*Tensor{"x": randTensor(rand.New(rand.NewPCG(5, 6)), 1, 3, 24, 24)}); !errors.Is(err, boom) {
		t.Errorf("run with a failing gather: %v", err)
	}
	l := NewLocalGather(2)
	l.Abort(boom)
	if err := l.gather(0, []Gathered{{Node: "n", Y: make([]float32, 4), Outer: 1, Inner: 1, Lo: 0, Hi: 2}}); err == nil || !strings.Contains(err.Error(), "peer gone") {
		t.Errorf("gather after Abort: %v", err)
	}
}

// constInfos describes g's constants as a model file's tensor table does.
func constInfos(g *Graph) map[string]ConstInfo {
	m := map[string]ConstInfo{}
	for name, t := range g.Consts {
		c := ConstInfo{Shape: t.Shape}
		if t.Int8 != nil {
			c.Int8, c.Axis = true, t.Int8.Axis
		}
		m[name] = c
	}
	return m
}

// cutParts returns g with the constants named in parts replaced by the
// parts (absent when empty), as a loader reading only its slice holds them.
func cutParts(g *Graph, parts map[string]Part) *Graph {
	c := *g
	c.Consts = map[string]*Tensor{}
	for name, t := range g.Consts {
		pt, ok := parts[name]
		switch {
		case !ok:
			c.Consts[name] = t
		case pt.Hi > pt.Lo:
			c.Consts[name] = pt.Of(t, false)
		}
	}
	return &c
}

// bnGraph is a conv whose batch norm Compile folds (unless NoFuse) and a
// Gemm whose weights another node also reads: neither weight may be
// handed over as a part, since the shard needs the whole of each.
func bnGraph(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 3, 8, 8}})
	b.g.Outputs = []string{"y", "z"}
	w, fw := b.q("w", 0, 32, 3, 3, 3), b.q("fw", 0, 32, 32)
	bias := b.f("b", 32)
	bn := []string{"a", b.f("s", 32), b.f("beta", 32), b.f("m", 32), b.f("v", 32)}
	for i := range b.g.Consts["v"].Data {
		b.g.Consts["v"].Data[i] = 1 + float32(i)/32
	}
	b.node("c", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}}, "a", "x", w, bias)
	b.node("bn", OpBatchNorm, &BatchNormParams{Epsilon: 1e-5}, "a2", bn...)
	b.node("gp", OpGlobalAveragePool, nil, "a3", "a2")
	b.node("fl", OpFlatten, &FlattenParams{Axis: 1}, "a4", "a3")
	b.node("fc", OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, "y", "a4", fw)
	b.node("fc2", OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, "z", "y", fw)
	return b.g
}

// TestShardPartsBitIdentical: shards compiled from graphs that hold only
// their parts of the weights (ShardParts, Shard.Parts: the loader's path)
// give every shard the bits of the unsharded program, like shards cutting
// their parts themselves; ShardParts lists exactly the weights only split
// nodes read, never a folded conv's or a shared one's.
func TestShardPartsBitIdentical(t *testing.T) {
	channelsOnly(t)
	r := rand.New(rand.NewPCG(9, 9))
	for _, c := range []struct {
		name  string
		g     *Graph
		parts []string // weights each shard of 2 gets as parts, with Options opts[0]
	}{
		{"splits", shardGraph(t, r), []string{"w1", "w10", "w2", "w3", "w4", "w9"}},
		{"folded and shared", bnGraph(t, r), nil},
	} {
		for k, opt := range []Options{{Workers: 1, Keep: []string{"*"}}, {Workers: 1, NoFuse: true}} {
			ref, err := Compile(c.g, opt)
			if err != nil {
				t.Fatal(err)
			}
			in := map[string]*Tensor{"x": randTensor(r, c.g.Inputs[0].Shape...)}
			want, err := ref.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, count := range []int{2, 3} {
				l := NewLocalGather(count)
				progs := make([]*Program, count)
				for i := range progs {
					o := opt
					o.Shard = l.Shard(i)
					parts, err := ShardParts(c.g, constInfos(c.g), o)
					if err != nil {
						t.Fatal(err)
					}
					if k == 0 && count == 2 {
						var names []string
						for name := range parts {
							names = append(names, name)
						}
						slices.Sort(names)
						if !slices.Equal(names, c.parts) {
							t.Errorf("%s: shard %d of 2 parts %v, want %v", c.name, i, names, c.parts)
						}
					}
					o.Shard.Parts = parts
					if progs[i], err = Compile(cutParts(c.g, parts), o); err != nil {
						t.Fatalf("%s: shard %d of %d: %v", c.name, i, count, err)
					}
				}
				res, err := RunShards(l, progs, in)
				if err != nil {
					t.Fatal(err)
				}
				for _, res := range res {
					for name, v := range want.Outputs {
						sameBits(t, c.name+" "+name, res.Outputs[name], v)
					}
					for name, v := range want.Kept {
						sameBits(t, c.name+" "+name, res.Kept[name], v)
					}
				}
			}
		}
	}
}

// TestShardPartsRefused: Compile refuses parts it would not cut so (a
// wrong range, a weight it does not split or needs whole, a part of the
// wrong shape or missing, parts without shards) instead of computing wrong
// values.
func TestShardPartsRefused(t *testing.T) {
	channelsOnly(t)
	g := shardGraph(t, rand.New(rand.NewPCG(3, 5)))
	l := NewLocalGather(2)
	opt := Options{Workers: 1, Shard: l.Shard(0)}
	parts, err := ShardParts(g, constInfos(g), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(m map[string]Part, g *Graph)
		want string
	}{
		{"range", func(m map[string]Part, g *Graph) {
			p := m["w2"]
			p.Lo, p.Hi = 8, 8+p.Hi-p.Lo
			m["w2"] = p
		}, "keeps [0, 64)"},
		{"not split", func(m map[string]Part, g *Graph) {
			m["w6"] = Part{Shape: []int{20, 48, 2, 2}, Axis: 0, Lo: 0, Hi: 20}
		}, "does not split it"},
		{"shape", func(m map[string]Part, g *Graph) {
			g.Consts["w2"] = g.Consts["w3"]
		}, "has shape"},
		{"missing", func(m map[string]Part, g *Graph) {
			delete(g.Consts, "w2")
		}, "not a constant"},
	} {
		m := maps.Clone(parts)
		cg := cutParts(g, parts)
		c.edit(m, cg)
		o := opt
		o.Shard.Parts = m
		if _, err := Compile(cg, o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: compile error %v, want one with %q", c.name, err, c.want)
		}
	}
	if _, err := Compile(cutParts(g, parts), Options{Shard: Shard{Parts: parts}}); err == nil {
		t.Error("parts without shards compiled")
	}
	// Kept, w2 is needed whole: the parts planned without Keep do not do.
	o := opt
	o.Keep = []string{"w2"}
	o.Shard.Parts = parts
	if _, err := Compile(cutParts(g, parts), o); err == nil || !strings.Contains(err.Error(), "needs all of it") {
		t.Errorf("a kept weight given as a part: %v", err)
	}
}

// TestPartOf: with view, rows of a weight share its values (no second copy
// of the share a split engine worker keeps), columns are a copy; without,
// both are copies; int8 scales are cut along their own axis only.
func TestPartOf(t *testing.T) {
	for _, view := range []bool{true, false} {
		w := &Tensor{Shape: []int{4, 3}, Int8: &Int8{Q: []int8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, Scales: []float32{1, 2, 3, 4}, Axis: 0}}
		rows := Part{Axis: 0, Lo: 1, Hi: 3}.Of(w, view)
		if fmt.Sprint(rows.Shape, rows.Int8.Q, rows.Int8.Scales) != "[2 3] [3 4 5 6 7 8] [2 3]" || (&rows.Int8.Q[0] == &w.Int8.Q[3]) != view || (&rows.Int8.Scales[0] == &w.Int8.Scales[1]) != view {
			t.Errorf("view %v: rows: %v %v %v (shares values: %v)", view, rows.Shape, rows.Int8.Q, rows.Int8.Scales, &rows.Int8.Q[0] == &w.Int8.Q[3])
		}
		w.Int8.Axis, w.Int8.Scales = 1, []float32{1, 2, 3}
		cols := Part{Axis: 1, Lo: 1, Hi: 3}.Of(w, view)
		if fmt.Sprint(cols.Shape, cols.Int8.Q, cols.Int8.Scales) != "[4 2] [1 2 4 5 7 8 10 11] [2 3]" {
			t.Errorf("view %v: columns: %v %v %v", view, cols.Shape, cols.Int8.Q, cols.Int8.Scales)
		}
		f := &Tensor{Shape: []int{2, 2, 1, 1}, Data: []float32{1, 2, 3, 4}}
		if r := (Part{Axis: 0, Lo: 1, Hi: 2}).Of(f, view); fmt.Sprint(r.Shape, r.Data) != "[1 2 1 1] [3 4]" || (&r.Data[0] == &f.Data[2]) != view {
			t.Errorf("view %v: float32 rows: %v %v", view, r.Shape, r.Data)
		}
	}
}
