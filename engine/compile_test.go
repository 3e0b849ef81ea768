package engine

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// convBNReluGraph builds x -> Conv -> BatchNormalization -> Relu -> GAP with
// constant weights: the pattern every ResNet and VGG-BN layer has.
func convBNReluGraph(r *rand.Rand) *Graph {
	c := map[string]*Tensor{
		"w":     randTensor(r, 4, 3, 3, 3), // (outC, inC, kH, kW)
		"b":     randTensor(r, 4),
		"scale": randTensor(r, 4),
		"beta":  randTensor(r, 4),
		"mean":  randTensor(r, 4),
		"var":   randTensor(r, 4),
	}
	for i := range c["var"].Data {
		c["var"].Data[i] = c["var"].Data[i]*c["var"].Data[i] + 0.1
	}
	return &Graph{
		Inputs:  []ValueInfo{{"x", []int{1, 3, 7, 7}}},
		Outputs: []string{"y"},
		Consts:  c,
		Nodes: []*Node{
			{Name: "conv", Op: OpConv, Inputs: []string{"x", "w", "b"}, Outputs: []string{"c"}, Params: &ConvParams{Pads: [4]int{1, 1, 1, 1}}},
			{Name: "bn", Op: OpBatchNorm, Inputs: []string{"c", "scale", "beta", "mean", "var"}, Outputs: []string{"n"}, Params: &BatchNormParams{Epsilon: 1e-5}},
			{Name: "relu", Op: OpRelu, Inputs: []string{"n"}, Outputs: []string{"r"}},
			{Name: "id", Op: OpIdentity, Inputs: []string{"r"}, Outputs: []string{"i"}},
			{Name: "gap", Op: OpGlobalAveragePool, Inputs: []string{"i"}, Outputs: []string{"y"}},
		},
	}
}

func runGraph(t *testing.T, g *Graph, opt Options, feeds map[string]*Tensor) (*Program, *Result) {
	t.Helper()
	p, err := Compile(g, opt)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	return p, res
}

// TestFusion: BN folding and ReLU fusion leave conv+GAP, and give the same
// result as the graph as written.
func TestFusion(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	g := convBNReluGraph(r)
	feeds := map[string]*Tensor{"x": randTensor(r, 1, 3, 7, 7)}
	slow, want := runGraph(t, g, Options{NoFuse: true}, feeds)
	fast, got := runGraph(t, g, Options{}, feeds)
	if n := len(slow.Nodes()); n != 5 {
		t.Fatalf("NoFuse kept %d nodes, want 5", n)
	}
	ops := []OpKind{}
	for _, n := range fast.Nodes() {
		ops = append(ops, n.Op)
	}
	if len(ops) != 2 || ops[0] != OpConv || ops[1] != OpGlobalAveragePool {
		t.Fatalf("fused program runs %v, want [Conv GlobalAveragePool]", ops)
	}
	if !fast.Nodes()[0].Params.(*ConvParams).Relu {
		t.Fatal("ReLU not fused")
	}
	if g.Nodes[0].Params.(*ConvParams).Relu || len(g.Consts) != 6 {
		t.Fatal("Compile modified the caller's graph")
	}
	if len(fast.consts) != 2 {
		t.Fatalf("program holds %d constants, want the 2 folded ones", len(fast.consts))
	}
	wantTensor(t, got.Outputs["y"], want.Outputs["y"].Shape, want.Outputs["y"].Data, 1e-5)
	if len(got.Timings) != 2 || len(want.Timings) != 5 {
		t.Fatalf("timings %d and %d, want 2 and 5", len(got.Timings), len(want.Timings))
	}
	// Every value of the original graph keeps its inferred shape.
	if s := fast.Shapes()["c"]; !sameShape(s, []int{1, 4, 7, 7}) {
		t.Fatalf("shape of fused-away value c: %v", s)
	}
}

// TestFusionWithoutBias: folding a BatchNormalization into a conv that has
// no bias creates one.
func TestFusionWithoutBias(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	g := convBNReluGraph(r)
	g.Nodes[0].Inputs = []string{"x", "w", ""}
	delete(g.Consts, "b")
	feeds := map[string]*Tensor{"x": randTensor(r, 1, 3, 7, 7)}
	_, want := runGraph(t, g, Options{NoFuse: true}, feeds)
	p, got := runGraph(t, g, Options{}, feeds)
	if len(p.Nodes()) != 2 || len(p.Nodes()[0].Inputs) != 3 || p.Nodes()[0].Inputs[2] == "" {
		t.Fatalf("BN not folded into a bias: %+v", p.Nodes()[0])
	}
	wantTensor(t, got.Outputs["y"], want.Outputs["y"].Shape, want.Outputs["y"].Data, 1e-5)
}

// TestKeepBlocksFusion: a kept value is computed and returned, so the node
// producing it is not fused away; "*" returns every computed value.
func TestKeepBlocksFusion(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	g := convBNReluGraph(r)
	feeds := map[string]*Tensor{"x": randTensor(r, 1, 3, 7, 7)}
	_, ref := runGraph(t, g, Options{NoFuse: true, Keep: []string{"*"}}, feeds)
	p, res := runGraph(t, g, Options{Keep: []string{"n", "i"}}, feeds)
	if len(p.Nodes()) != 3 { // conv+bn, relu, gap
		t.Fatalf("%d nodes, want 3 (BN folded, ReLU kept apart)", len(p.Nodes()))
	}
	for _, k := range []string{"n", "i"} {
		got, ok := res.Kept[k]
		if !ok {
			t.Fatalf("kept value %q missing", k)
		}
		wantTensor(t, got, ref.Kept[k].Shape, ref.Kept[k].Data, 1e-5)
	}
	for _, k := range []string{"c", "n", "r", "i", "y"} {
		if _, ok := ref.Kept[k]; !ok {
			t.Errorf(`Keep "*" with NoFuse lacks %q`, k)
		}
	}
}

// TestFusionNeedsSingleConsumer: a conv output read twice is not fused.
func TestFusionNeedsSingleConsumer(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	g := convBNReluGraph(r)
	g.Nodes = append(g.Nodes[:4], &Node{Name: "add", Op: OpAdd, Inputs: []string{"c", "i"}, Outputs: []string{"s"}},
		&Node{Name: "gap", Op: OpGlobalAveragePool, Inputs: []string{"s"}, Outputs: []string{"y"}})
	feeds := map[string]*Tensor{"x": randTensor(r, 1, 3, 7, 7)}
	_, want := runGraph(t, g, Options{NoFuse: true}, feeds)
	p, got := runGraph(t, g, Options{}, feeds)
	if p.Nodes()[0].Op != OpConv || p.Nodes()[1].Op != OpBatchNorm {
		t.Fatalf("conv with two consumers was fused: %v", p.Nodes()[1].Op)
	}
	wantTensor(t, got.Outputs["y"], want.Outputs["y"].Shape, want.Outputs["y"].Data, 1e-5)
}

// TestCompileErrors: malformed graphs are errors that say what is wrong.
func TestCompileErrors(t *testing.T) {
	w := &Tensor{Shape: []int{2, 1, 1, 1}, Data: []float32{1, 2}}
	conv := func(in ...string) *Node {
		return &Node{Name: "c", Op: OpConv, Inputs: in, Outputs: []string{"y"}}
	}
	in := []ValueInfo{{"x", []int{1, 1, 4, 4}}}
	for _, c := range []struct {
		name, want string
		g          *Graph
	}{
		{"nil graph", "nil graph", nil},
		{"huge input", "too large", &Graph{Inputs: []ValueInfo{{"x", []int{1 << 20, 1 << 20}}}, Outputs: []string{"x"}}},
		{"2^40 elements", "too large", &Graph{Inputs: []ValueInfo{{"x", []int{1 << 10, 1 << 10, 1 << 10, 1 << 10}}}, Outputs: []string{"x"}}},
		{"zero dim", "not positive", &Graph{Inputs: []ValueInfo{{"x", []int{1, 0}}}, Outputs: []string{"x"}}},
		{"negative dim", "not positive", &Graph{Inputs: []ValueInfo{{"x", []int{1, -3}}}, Outputs: []string{"x"}}},
		{"undefined input", "not defined", &Graph{Inputs: in, Outputs: []string{"y"}, Nodes: []*Node{conv("x", "nope")}}},
		{"no outputs", "no outputs", &Graph{Inputs: in, Consts: map[string]*Tensor{"w": w}, Nodes: []*Node{conv("x", "w")}}},
		{"unknown output", "not computed", &Graph{Inputs: in, Consts: map[string]*Tensor{"w": w}, Outputs: []string{"z"}, Nodes: []*Node{conv("x", "w")}}},
		{"defined twice", "defined twice", &Graph{Inputs: in, Consts: map[string]*Tensor{"w": w}, Outputs: []string{"y"},
			Nodes: []*Node{conv("x", "w"), conv("x", "w")}}},
		{"input is output", "defined twice", &Graph{Inputs: in, Consts: map[string]*Tensor{"w": w}, Outputs: []string{"x"},
			Nodes: []*Node{{Name: "r", Op: OpRelu, Inputs: []string{"x"}, Outputs: []string{"x"}}}}},
		{"invalid op", "invalid operator", &Graph{Inputs: in, Outputs: []string{"y"}, Nodes: []*Node{{Name: "z", Inputs: []string{"x"}, Outputs: []string{"y"}}}}},
		{"bad const", "needs 2 elements", &Graph{Inputs: in, Consts: map[string]*Tensor{"w": {Shape: []int{2}, Data: []float32{1}}}, Outputs: []string{"y"}, Nodes: []*Node{conv("x", "w")}}},
		{"nil node", "nil", &Graph{Inputs: in, Outputs: []string{"x"}, Nodes: []*Node{nil}}},
		{"params type", "params are", &Graph{Inputs: in, Outputs: []string{"y"}, Nodes: []*Node{{Name: "s", Op: OpSoftmax, Inputs: []string{"x"}, Outputs: []string{"y"}, Params: ConvParams{}}}}},
		{"unknown keep", "kept value", &Graph{Inputs: in, Outputs: []string{"x"}}},
		{"no node output", "no output", &Graph{Inputs: in, Outputs: []string{"x"}, Nodes: []*Node{{Name: "r", Op: OpRelu, Inputs: []string{"x"}}}}},
	} {
		opt := Options{}
		if c.name == "unknown keep" {
			opt.Keep = []string{"ghost"}
		}
		_, err := Compile(c.g, opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		// InferShapes checks the graph as Compile does (it has no Keep).
		if c.name != "unknown keep" {
			if _, err := InferShapes(c.g); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: InferShapes error %v, want one containing %q", c.name, err, c.want)
			}
		}
	}
	_, err := Compile(&Graph{Inputs: []ValueInfo{{"x", []int{1 << 10, 1 << 10, 1 << 10, 1 << 10}}}, Outputs: []string{"x"}}, Options{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("2^40-element input: %v, want ErrTooLarge", err)
	}
}

// TestInferShapes: every value of the graph as written gets the shape
// Compile infers, including values the passes fuse away.
func TestInferShapes(t *testing.T) {
	g := convBNReluGraph(rand.New(rand.NewPCG(1, 2)))
	got, err := InferShapes(g)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := p.Shapes()
	for _, v := range []string{"x", "c", "n", "r", "i", "y"} {
		if !slices.Equal(got[v], want[v]) || got[v] == nil {
			t.Errorf("%s: InferShapes %v, Compile %v", v, got[v], want[v])
		}
	}
	if !slices.Equal(got["y"], []int{1, 4, 1, 1}) {
		t.Errorf("y: %v, want [1 4 1 1]", got["y"])
	}
}

// TestConvOutputTooLarge: a conv whose output would exceed MaxElements is
// rejected at compile time, before any allocation.
func TestConvOutputTooLarge(t *testing.T) {
	g := &Graph{
		Inputs:  []ValueInfo{{"x", []int{1, 1, 1 << 15, 1 << 15}}, {"w", []int{1 << 10, 1, 1, 1}}},
		Outputs: []string{"y"},
		Nodes:   []*Node{{Name: "c", Op: OpConv, Inputs: []string{"x", "w"}, Outputs: []string{"y"}}},
	}
	if _, err := Compile(g, Options{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

func TestNumElements(t *testing.T) {
	if n, err := NumElements([]int{2, 3, 4}); n != 24 || err != nil {
		t.Fatal(n, err)
	}
	if n, err := NumElements(nil); n != 1 || err != nil {
		t.Fatal("rank 0:", n, err)
	}
	for _, s := range [][]int{{0}, {-1, 2}, {math.MaxInt, 2}, {1 << 31}, {1 << 16, 1 << 16}} {
		if _, err := NumElements(s); err == nil {
			t.Errorf("%v accepted", s)
		}
	}
	if _, err := NewTensor(1<<20, 1<<20); err == nil {
		t.Error("NewTensor of 2^40 elements accepted")
	}
}
