package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// residualGraph has the residual Adds of ResNet blocks: conv + conv (a
// downsample branch; the later conv takes the Add), an identity skip with
// the conv as the Add's second operand, a conv without bias (its 3rd input
// ""), an Add followed by no ReLU, an Add whose other conv has a fused ReLU
// (that one cannot take it), and an Add of a constant (a broadcast, never
// fused). Weights are int8 and float32; channels are wide enough for 2 and
// 3 shards to split every conv.
func residualGraph(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 8, 16, 16}})
	f, node := b.f, b.node
	q := func(name string, shape ...int) string { return b.q(name, 0, shape...) }
	pad1 := func() *ConvParams { return &ConvParams{Pads: [4]int{1, 1, 1, 1}} }
	node("c1", OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}, "a1", "x", q("w1", 40, 8, 3, 3), f("b1", 40))
	node("c2", OpConv, pad1(), "a2", "a1", q("w2", 40, 40, 3, 3), f("b2", 40)) // Winograd
	node("cd", OpConv, &ConvParams{}, "d", "x", f("wd", 40, 8, 1, 1))          // no bias
	node("add1", OpAdd, nil, "s1", "a2", "d")
	node("relu1", OpRelu, nil, "h1", "s1")
	node("c3", OpConv, &ConvParams{}, "a3", "h1", q("w3", 40, 40, 1, 1), f("b3", 40))
	node("add2", OpAdd, nil, "s2", "h1", "a3")
	node("relu2", OpRelu, nil, "h2", "s2")
	node("c4", OpConv, &ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, "a4", "h2", q("w4", 36, 40, 3, 3), "")
	node("ce", OpConv, &ConvParams{Strides: [2]int{2, 2}, Relu: true}, "e", "h2", q("we", 36, 40, 1, 1), f("be", 36))
	node("add3", OpAdd, nil, "s3", "a4", "e")
	node("add4", OpAdd, nil, "s4", "s3", f("k", 1, 36, 1, 1))
	node("gap", OpGlobalAveragePool, nil, "y", "s4")
	return b.g
}

// opsOf lists the ops a program runs, with the residual convs as "Conv+Add".
func opsOf(p *Program) []string {
	var ops []string
	for _, n := range p.Nodes() {
		s := n.Op.String()
		if cp, ok := n.Params.(*ConvParams); ok {
			if cp.Residual {
				s += "+Add"
			}
			if cp.Relu {
				s += "+Relu"
			}
		}
		ops = append(ops, s)
	}
	return ops
}

// TestFuseResidual: the Adds that qualify become their conv's epilogue
// (with the ReLU that follows), the others stay, and the fused program
// gives the bits of the graph as written, at batch 1 and 2 and any number
// of workers; values the caller keeps stay visible, and a kept conv output
// stops its Add's fusion into that conv.
func TestFuseResidual(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	g := residualGraph(t, r)
	ref, err := Compile(g, Options{NoFuse: true, Workers: 1, Keep: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		keep []string
		ops  []string
	}{
		{nil, []string{"Conv+Relu", "Conv", "Conv+Add+Relu", "Conv+Add+Relu", "Conv+Relu", "Conv+Add", "Add", "GlobalAveragePool"}},
		// Kept a2: the downsample conv still takes the Add.
		{[]string{"a2", "s2"}, []string{"Conv+Relu", "Conv", "Conv+Add+Relu", "Conv+Add", "Relu", "Conv+Relu", "Conv+Add", "Add", "GlobalAveragePool"}},
		// Both operands of add1 kept: it stays an Add.
		{[]string{"a2", "d", "a4"}, []string{"Conv+Relu", "Conv", "Conv", "Add", "Relu", "Conv+Add+Relu", "Conv", "Conv+Relu", "Add", "Add", "GlobalAveragePool"}},
	} {
		for _, batch := range []int{1, 2} {
			in := map[string]*Tensor{"x": randTensor(r, batch, 8, 16, 16)}
			want, err := ref.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 3} {
				p, err := Compile(g, Options{Workers: workers, Keep: c.keep})
				if err != nil {
					t.Fatal(err)
				}
				if ops := opsOf(p); !slices.Equal(ops, c.ops) {
					t.Fatalf("keep %v: program runs %v, want %v", c.keep, ops, c.ops)
				}
				res, err := p.Run(in)
				if err != nil {
					t.Fatal(err)
				}
				sameBits(t, "y", res.Outputs["y"], want.Kept["y"])
				for _, k := range c.keep {
					sameBits(t, k, res.Kept[k], want.Kept[k])
				}
			}
		}
	}
	if len(g.Nodes[3].Inputs) != 2 || g.Nodes[2].Params.(*ConvParams).Residual {
		t.Fatal("Compile modified the caller's graph")
	}
}

// TestFuseResidualEarly: natively with several workers (not a shard) the
// Add of two convs goes to the one that runs first, the main path's c2,
// which then runs after the downsample cd, so that cd runs beside c1 in a
// group of the schedule; with one worker, and in a shard, the later cd
// takes it as ever. The bits are those of the one-worker program (and so
// of the graph as written, TestFuseResidual).
func TestFuseResidualEarly(t *testing.T) {
	r := rand.New(rand.NewPCG(65, 66))
	g := residualGraph(t, r)
	in := map[string]*Tensor{"x": randTensor(r, 2, 8, 16, 16)}
	adder := func(p *Program) string {
		for _, n := range p.Nodes() {
			if cp, ok := n.Params.(*ConvParams); ok && cp.Residual && slices.Contains(n.Outputs, "h1") {
				return n.Name
			}
		}
		return ""
	}
	var want *Result
	for _, workers := range []int{1, 2, 3} {
		p, err := Compile(g, Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		wantAdder := "c2"
		if workers == 1 {
			wantAdder = "cd"
		}
		if a := adder(p); a != wantAdder {
			t.Fatalf("workers %d: add1 fused into %q, want %q", workers, a, wantAdder)
		}
		if workers > 1 {
			var groups []string
			for _, st := range p.steps {
				var desc []string
				for _, c := range st.chains {
					var names []string
					for _, i := range c {
						names = append(names, p.nodes[i].Name)
					}
					desc = append(desc, strings.Join(names, ","))
				}
				if desc != nil {
					groups = append(groups, strings.Join(desc, " | "))
				}
			}
			if !slices.Contains(groups, "c1 | cd") {
				t.Fatalf("workers %d: groups %q, want one of c1 and cd", workers, groups)
			}
		}
		res, err := p.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = res
			continue
		}
		sameBits(t, fmt.Sprintf("workers %d y", workers), res.Outputs["y"], want.Outputs["y"])
	}
	sh, err := Compile(g, Options{Workers: 2, Shard: Shard{Index: 0, Count: 2, Gather: func([]Gathered) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	if a := adder(sh); a != "cd" {
		t.Fatalf("shard: add1 fused into %q, want cd", a)
	}
}

// TestFuseResidualShards: 2 and 3 shards of the fused program (each adds
// its channels' slice of the whole residual) give the unsharded program's
// bits, for the output and every value the program computes, with the
// weights cut by Compile or given as ShardParts' parts.
func TestFuseResidualShards(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	g := residualGraph(t, r)
	opt := Options{Workers: 1, Keep: []string{"*"}}
	ref, err := Compile(g, opt)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ref.Nodes()); n != 8 {
		t.Fatalf("%d nodes: the Adds were not fused", n)
	}
	in := map[string]*Tensor{"x": randTensor(r, 2, 8, 16, 16)}
	want, err := ref.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, count := range []int{2, 3} {
		for _, res := range runSharded(t, g, count, opt, in) {
			sameBits(t, "y", res.Outputs["y"], want.Outputs["y"])
			for name, v := range want.Kept {
				sameBits(t, name, res.Kept[name], v)
			}
		}
		l := NewLocalGather(count)
		progs := make([]*Program, count)
		for i := range progs {
			o := opt
			o.Shard = l.Shard(i)
			parts, err := ShardParts(g, constInfos(g), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) == 0 {
				t.Fatalf("shard %d of %d: no parts planned", i, count)
			}
			o.Shard.Parts = parts
			if progs[i], err = Compile(cutParts(g, parts), o); err != nil {
				t.Fatalf("shard %d of %d: %v", i, count, err)
			}
		}
		res, err := RunShards(l, progs, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range res {
			sameBits(t, "y from parts", res.Outputs["y"], want.Outputs["y"])
		}
	}
}

// TestResidualParamRefused: a conv marked Residual needs its 4th input, of
// the output's shape.
func TestResidualParamRefused(t *testing.T) {
	r := rand.New(rand.NewPCG(65, 66))
	for _, in := range [][]string{{"x", "w", "b"}, {"x", "w", "b", "z"}} {
		g := &Graph{
			Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, 2, 5, 5}}, {Name: "z", Shape: []int{1, 3, 4, 5}}},
			Outputs: []string{"y"},
			Consts:  map[string]*Tensor{"w": randTensor(r, 3, 2, 1, 1), "b": randTensor(r, 3)},
			Nodes:   []*Node{{Name: "c", Op: OpConv, Params: &ConvParams{Residual: true}, Inputs: in, Outputs: []string{"y"}}},
		}
		if _, err := Compile(g, Options{}); err == nil {
			t.Errorf("inputs %v: compiled", in)
		}
	}
}
