package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// tensor builds a tensor for tests; it fails the test on a bad shape.
func tensor(t testing.TB, shape []int, data ...float32) *Tensor {
	t.Helper()
	if data == nil {
		n, err := NumElements(shape)
		if err != nil {
			t.Fatal(err)
		}
		data = make([]float32, n)
	}
	x, err := FromData(data, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func randTensor(r *rand.Rand, shape ...int) *Tensor {
	x, err := NewTensor(shape...)
	if err != nil {
		panic(err)
	}
	for i := range x.Data {
		x.Data[i] = r.Float32()*2 - 1
	}
	return x
}

// oneNode builds a graph of a single node whose inputs are graph inputs i0,
// i1, ... (nil inputs become absent optional inputs) and whose outputs are
// o0, o1, ...
func oneNode(op OpKind, params any, nOut int, ins ...*Tensor) (*Graph, map[string]*Tensor) {
	g := &Graph{}
	feeds := map[string]*Tensor{}
	n := &Node{Name: "n", Op: op, Params: params}
	for i, x := range ins {
		if x == nil {
			n.Inputs = append(n.Inputs, "")
			continue
		}
		name := fmt.Sprintf("i%d", i)
		n.Inputs = append(n.Inputs, name)
		g.Inputs = append(g.Inputs, ValueInfo{Name: name, Shape: x.Shape})
		feeds[name] = x
	}
	for i := 0; i < nOut; i++ {
		name := fmt.Sprintf("o%d", i)
		n.Outputs = append(n.Outputs, name)
		g.Outputs = append(g.Outputs, name)
	}
	g.Nodes = []*Node{n}
	return g, feeds
}

// runOp compiles and runs one node and returns its outputs.
func runOp(t testing.TB, op OpKind, params any, nOut int, ins ...*Tensor) []*Tensor {
	t.Helper()
	g, feeds := oneNode(op, params, nOut, ins...)
	p, err := Compile(g, Options{NoFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*Tensor, nOut)
	for i := range out {
		out[i] = res.Outputs[fmt.Sprintf("o%d", i)]
	}
	return out
}

// compileErr returns the error Compile gives a one-node graph.
func compileErr(op OpKind, params any, ins ...*Tensor) error {
	g, _ := oneNode(op, params, 1, ins...)
	_, err := Compile(g, Options{})
	return err
}

// wantTensor fails unless got has the shape and values (within tol).
func wantTensor(t testing.TB, got *Tensor, shape []int, want []float32, tol float64) {
	t.Helper()
	if !sameShape(got.Shape, shape) {
		t.Fatalf("shape %v, want %v", got.Shape, shape)
	}
	if len(got.Data) != len(want) {
		t.Fatalf("%d values, want %d", len(got.Data), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got.Data[i] - want[i])); !(d <= tol) {
			t.Fatalf("value %d = %v, want %v (all: %v)", i, got.Data[i], want[i], got.Data)
		}
	}
}

// testNet builds a test graph with input x and output y.
type testNet struct {
	t *testing.T
	r *rand.Rand
	g *Graph
}

func newTestNet(t *testing.T, r *rand.Rand, x ValueInfo) *testNet {
	return &testNet{t, r, &Graph{Inputs: []ValueInfo{x}, Outputs: []string{"y"}, Consts: map[string]*Tensor{}}}
}

// q adds a random int8 constant with scales along axis, f a float32 one.
func (b *testNet) q(name string, axis int, shape ...int) string {
	b.g.Consts[name], _ = quantConst(b.t, b.r, axis, shape...)
	return name
}

func (b *testNet) f(name string, shape ...int) string {
	b.g.Consts[name] = randTensor(b.r, shape...)
	return name
}

func (b *testNet) node(name string, op OpKind, params any, out string, in ...string) {
	b.g.Nodes = append(b.g.Nodes, &Node{Name: name, Op: op, Params: params, Inputs: in, Outputs: []string{out}})
}

// wholeRun compiles g unsplit on one worker and runs it on in: the
// reference a split's shards are held to.
func wholeRun(t testing.TB, g *Graph, in map[string]*Tensor) *Result {
	t.Helper()
	ref, err := Compile(g, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	return want
}
