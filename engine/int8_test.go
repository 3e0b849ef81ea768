package engine

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// quantConst returns a random int8 tensor of shape with scales along axis,
// and the float32 tensor of its dequantized values.
func quantConst(t *testing.T, r *rand.Rand, axis int, shape ...int) (*Tensor, *Tensor) {
	t.Helper()
	n, err := NumElements(shape)
	if err != nil {
		t.Fatal(err)
	}
	q := make([]int8, n)
	for i := range q {
		q[i] = int8(r.IntN(255) - 127)
	}
	scales := make([]float32, shape[axis])
	for i := range scales {
		scales[i] = r.Float32() / 32
	}
	qt, err := NewInt8Tensor(q, scales, axis, shape...)
	if err != nil {
		t.Fatal(err)
	}
	return qt, &Tensor{Shape: append([]int{}, shape...), Data: qt.Float32()}
}

// TestInt8Consts: a graph whose weights are int8 constants gives exactly
// the bits of the same graph with their float32 values, fused and unfused:
// convs (im2col, 1x1, Winograd-sized), a batch norm folded into an int8
// conv, Gemm with weights stored (out, in) and (in, out), MatMul, and int8
// constants read by ops that take only float32 (Add, a bias, an output).
// The one exception is a Gemm at batch 1 with (out, in) int8 weights (fc1
// here, every classifier layer of the built-in models): gemv applies each
// row's scale to the finished dot product instead of to every weight, so
// its output and what follows agree within rounding (1e-5 of the largest
// value; a wrong or missing scale is off by orders of magnitude), while
// everything before it (z3, kept) is still compared bit for bit.
func TestInt8Consts(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	qc := map[string]*Tensor{}
	fc := map[string]*Tensor{}
	add := func(name string, axis int, shape ...int) {
		qc[name], fc[name] = quantConst(t, r, axis, shape...)
	}
	flt := func(name string, shape ...int) {
		x := randTensor(r, shape...)
		qc[name], fc[name] = x, x
	}
	add("w1", 0, 24, 3, 3, 3)
	flt("b1", 24)
	add("w2", 0, 128, 24, 3, 3)
	add("b2", 0, 128) // int8 bias: dequantized by Compile
	for _, s := range []string{"scale", "beta", "mean"} {
		flt(s, 128)
	}
	v := randTensor(r, 128)
	for i := range v.Data {
		v.Data[i] = v.Data[i]*v.Data[i] + 0.1
	}
	qc["var"], fc["var"] = v, v
	add("w3", 0, 32, 128, 1, 1)
	add("shift", 1, 1, 32, 1, 1) // int8 Add operand
	add("fc1", 0, 10, 32*20*20)  // Gemm, (out, in), transB
	flt("fcb", 10)
	add("fc2", 1, 10, 7) // MatMul, (in, out)
	add("k", 0, 2, 3)    // an int8 constant returned as an output
	pad := ConvParams{Pads: [4]int{1, 1, 1, 1}}
	nodes := []*Node{
		{Name: "c1", Op: OpConv, Inputs: []string{"x", "w1", "b1"}, Outputs: []string{"y1"}, Params: &pad},
		{Name: "r1", Op: OpRelu, Inputs: []string{"y1"}, Outputs: []string{"z1"}},
		{Name: "c2", Op: OpConv, Inputs: []string{"z1", "w2", "b2"}, Outputs: []string{"y2"}, Params: &pad},
		{Name: "bn", Op: OpBatchNorm, Inputs: []string{"y2", "scale", "beta", "mean", "var"}, Outputs: []string{"z2"}, Params: &BatchNormParams{Epsilon: 1e-5}},
		{Name: "c3", Op: OpConv, Inputs: []string{"z2", "w3"}, Outputs: []string{"y3"}, Params: &ConvParams{}},
		{Name: "a", Op: OpAdd, Inputs: []string{"y3", "shift"}, Outputs: []string{"z3"}},
		{Name: "f", Op: OpFlatten, Inputs: []string{"z3"}, Outputs: []string{"f3"}, Params: &FlattenParams{Axis: 1}},
		{Name: "fc1", Op: OpGemm, Inputs: []string{"f3", "fc1", "fcb"}, Outputs: []string{"logits"}, Params: &GemmParams{Alpha: 1, Beta: 1, TransB: true}},
		{Name: "fc2", Op: OpMatMul, Inputs: []string{"logits", "fc2"}, Outputs: []string{"out"}},
	}
	graph := func(consts map[string]*Tensor) *Graph {
		return &Graph{Inputs: []ValueInfo{{Name: "x", Shape: []int{1, 3, 20, 20}}}, Outputs: []string{"out", "k"}, Nodes: nodes, Consts: consts}
	}
	x := randTensor(r, 1, 3, 20, 20)
	for _, opt := range []Options{{Keep: []string{"z3"}}, {NoFuse: true, Keep: []string{"z3"}}, {Workers: 1, Keep: []string{"z3"}}} {
		run := func(consts map[string]*Tensor) *Result {
			p, err := Compile(graph(consts), opt)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Run(map[string]*Tensor{"x": x})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		want, got := run(fc), run(qc)
		for _, o := range []string{"out", "k", "z3"} {
			w, g := want.Outputs[o], got.Outputs[o]
			if o == "z3" {
				w, g = want.Kept[o], got.Kept[o]
			}
			if g.Int8 != nil || len(g.Data) != len(w.Data) {
				t.Fatalf("%+v: output %q is not float32 of %d values", opt, o, len(w.Data))
			}
			var largest float64
			for _, v := range w.Data {
				largest = max(largest, math.Abs(float64(v)))
			}
			for i := range w.Data {
				if o == "out" {
					if d := math.Abs(float64(g.Data[i] - w.Data[i])); d > 1e-5*largest {
						t.Fatalf("%+v: %s[%d] = %v with int8 weights, %v with float32 (largest %v)", opt, o, i, g.Data[i], w.Data[i], largest)
					}
					continue
				}
				if math.Float32bits(g.Data[i]) != math.Float32bits(w.Data[i]) {
					t.Fatalf("%+v: %s[%d] = %v with int8 weights, %v with float32", opt, o, i, g.Data[i], w.Data[i])
				}
			}
		}
	}
	// The int8 weights are what the program holds: Compile copies only
	// those read where float32 is needed.
	p, err := Compile(graph(qc), Options{NoFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, isInt8 := range map[string]bool{"w1": true, "w2": true, "w3": true, "fc1": true, "fc2": true, "b2": false, "shift": false} {
		if got := p.consts[name].Int8 != nil; got != isInt8 {
			t.Errorf("constant %s: int8 %v, want %v", name, got, isInt8)
		}
	}
}

func TestInt8TensorCheck(t *testing.T) {
	q := make([]int8, 6)
	for _, c := range []struct {
		scales []float32
		axis   int
		shape  []int
		err    string
	}{
		{make([]float32, 2), 0, []int{2, 3}, ""},
		{make([]float32, 3), 1, []int{2, 3}, ""},
		{make([]float32, 3), 0, []int{2, 3}, "3 scales"},
		{make([]float32, 2), 2, []int{2, 3}, "axis 2 out of range"},
		{make([]float32, 2), 0, []int{2, 4}, "int8 data has 6"},
	} {
		_, err := NewInt8Tensor(q, c.scales, c.axis, c.shape...)
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("scales %d axis %d shape %v: error %v, want %q", len(c.scales), c.axis, c.shape, err, c.err)
		}
	}
	both := &Tensor{Shape: []int{2, 3}, Data: make([]float32, 6), Int8: &Int8{Q: q, Scales: make([]float32, 2)}}
	if err := both.Check(); err == nil {
		t.Error("a tensor with both float32 and int8 values passed Check")
	}
}

// TestInt8Values: Values and Float32 give the values of Dequantized, along
// either axis.
func TestInt8Values(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, axis := range []int{0, 1, 2} {
		q, f := quantConst(t, r, axis, 3, 4, 5)
		if got := q.Dequantized(); got.Int8 != nil || len(got.Data) != 60 {
			t.Fatalf("axis %d: Dequantized is not float32", axis)
		}
		for lo := 0; lo < 60; lo += 7 {
			hi := min(lo+11, 60)
			for i, v := range q.Values(lo, hi) {
				if v != f.Data[lo+i] {
					t.Fatalf("axis %d: Values(%d, %d)[%d] = %v, want %v", axis, lo, hi, i, v, f.Data[lo+i])
				}
			}
		}
	}
}

// TestInt8InputRefused: int8 values are for constants; a fed input with
// them is an error, not a kernel reading nil float32 data.
func TestInt8InputRefused(t *testing.T) {
	g, _ := oneNode(OpRelu, nil, 1, tensor(t, []int{2, 3}))
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewInt8Tensor(make([]int8, 6), make([]float32, 2), 0, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(map[string]*Tensor{"i0": x}); err == nil || !strings.Contains(err.Error(), "int8") {
		t.Fatalf("int8 input: error %v", err)
	}
}
