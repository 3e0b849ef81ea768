package onnx_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"convscope/engine"
	"convscope/engine/onnx"
	"convscope/models"
)

// runGraph compiles g (fusion on, as the app runs it) and returns its
// single output for input x.
func runGraph(t *testing.T, g *engine.Graph, x *engine.Tensor) *engine.Tensor {
	t.Helper()
	p, err := engine.Compile(g, engine.Options{Workers: 1})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	res, err := p.Run(map[string]*engine.Tensor{g.Inputs[0].Name: x})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res.Outputs[g.Outputs[0]]
}

func randomInput(seed uint64, shape ...int) *engine.Tensor {
	x, err := engine.NewTensor(shape...)
	if err != nil {
		panic(err)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	return x
}

// roundTrip writes g, reads it back and converts it to an engine graph.
func roundTrip(t *testing.T, g *engine.Graph) (*engine.Graph, *onnx.Model) {
	t.Helper()
	var buf bytes.Buffer
	if err := onnx.WriteModel(&buf, g); err != nil {
		t.Fatalf("WriteModel: %v", err)
	}
	m, err := onnx.ReadModel(buf.Bytes())
	if err != nil {
		t.Fatalf("ReadModel of the written bytes: %v", err)
	}
	back, err := m.ToGraph()
	if err != nil {
		t.Fatalf("ToGraph of the written model: %v", err)
	}
	return back, m
}

func assertClose(t *testing.T, got, want *engine.Tensor, tol float64) {
	t.Helper()
	if len(got.Data) != len(want.Data) || !equalInts(got.Shape, want.Shape) {
		t.Fatalf("output shape %v, want %v", got.Shape, want.Shape)
	}
	scale := 0.0
	for _, v := range want.Data {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range got.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > tol*math.Max(scale, 1) || math.IsNaN(d) {
			t.Fatalf("output[%d] = %g, want %g (max |want| %g)", i, got.Data[i], want.Data[i], scale)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWriteModelRoundTripTinynet: the test network (conv + BN + ReLU, a
// residual block, an inception concat, ceil-mode max pooling, global
// average pooling, dropout, fc) with random weights gives the same logits
// after a trip through WriteModel, ReadModel and ToGraph.
func TestWriteModelRoundTripTinynet(t *testing.T) {
	def, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	g, err := def.Graph(def.RandomStateDict(7))
	if err != nil {
		t.Fatal(err)
	}
	back, m := roundTrip(t, g)
	if m.Opset() != onnx.WriteOpset || m.IRVersion != 7 {
		t.Errorf("opset %d, IR version %d; want %d, 7", m.Opset(), m.IRVersion, onnx.WriteOpset)
	}
	if len(m.Graph.Initializers) != len(g.Consts) {
		t.Errorf("%d initializers, want %d (one per constant)", len(m.Graph.Initializers), len(g.Consts))
	}
	if len(back.Nodes) != len(g.Nodes) {
		t.Errorf("%d nodes back, want %d", len(back.Nodes), len(g.Nodes))
	}
	for name, c := range g.Consts {
		bc, ok := back.Consts[name]
		if !ok {
			t.Fatalf("constant %q lost", name)
		}
		if !equalInts(bc.Shape, c.Shape) || !slicesEqual(bc.Data, c.Data) {
			t.Fatalf("constant %q changed: shape %v, want %v", name, bc.Shape, c.Shape)
		}
	}
	x := randomInput(3, def.Input...)
	assertClose(t, runGraph(t, back, x), runGraph(t, g, x), 1e-5)
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func konst(seed uint64, shape ...int) *engine.Tensor { return randomInput(seed, shape...) }

// TestWriteModelOps covers the operators tinynet does not use: a conv
// with a fused ReLU and padding, LRN, average pooling with
// count_include_pad, AdaptiveAvgPool (as AveragePool), Pad, Reshape,
// MatMul, Mul, Sigmoid, Softmax and Identity.
func TestWriteModelOps(t *testing.T) {
	g := &engine.Graph{
		Inputs:  []engine.ValueInfo{{Name: "x", Shape: []int{1, 3, 12, 12}}},
		Outputs: []string{"prob"},
		Consts: map[string]*engine.Tensor{
			"w":    konst(1, 4, 3, 3, 3), // (outC, inC, kH, kW)
			"b":    konst(2, 4),
			"w2":   konst(6, 4, 4, 3, 3), // (outC, inC, kH, kW)
			"fc":   konst(3, 84, 5),      // (in, out) for MatMul
			"gain": konst(4, 1, 5),
		},
		Nodes: []*engine.Node{
			{Name: "conv", Op: engine.OpConv, Inputs: []string{"x", "w", "b"}, Outputs: []string{"conv"},
				Params: &engine.ConvParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 0, 1, 2}, Dilations: [2]int{1, 1}, Group: 1, Relu: true}},
			// Zero strides, dilations, group and kernel mean the defaults.
			{Name: "conv0", Op: engine.OpConv, Inputs: []string{"conv", "w2"}, Outputs: []string{"conv0"},
				Params: &engine.ConvParams{Pads: [4]int{1, 1, 1, 1}}},
			{Name: "lrn", Op: engine.OpLRN, Inputs: []string{"conv0"}, Outputs: []string{"lrn"},
				Params: &engine.LRNParams{Size: 3, Alpha: 1e-3, Beta: 0.75, Bias: 2}},
			{Name: "pad", Op: engine.OpPad, Inputs: []string{"lrn"}, Outputs: []string{"pad"},
				Params: &engine.PadParams{Pads: []int{0, 0, 1, 0, 0, 0, 1, 0}, Value: 0.5}},
			{Name: "avg", Op: engine.OpAveragePool, Inputs: []string{"pad"}, Outputs: []string{"avg"},
				Params: &engine.PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}, Dilations: [2]int{1, 1}, CountIncludePad: true}},
			{Name: "adapt", Op: engine.OpAdaptiveAvgPool, Inputs: []string{"avg"}, Outputs: []string{"adapt"},
				Params: &engine.AdaptiveAvgPoolParams{Out: [2]int{7, 3}}},
			{Name: "id", Op: engine.OpIdentity, Inputs: []string{"adapt"}, Outputs: []string{"id"}},
			{Name: "sig", Op: engine.OpSigmoid, Inputs: []string{"id"}, Outputs: []string{"sig"}},
			{Name: "flat", Op: engine.OpReshape, Inputs: []string{"sig"}, Outputs: []string{"flat"},
				Params: &engine.ReshapeParams{Shape: []int64{0, 28, -1}}},
			{Name: "flat2", Op: engine.OpFlatten, Inputs: []string{"flat"}, Outputs: []string{"flat2"},
				Params: &engine.FlattenParams{Axis: 1}},
			{Name: "fc", Op: engine.OpMatMul, Inputs: []string{"flat2", "fc"}, Outputs: []string{"logits"}},
			{Name: "scale", Op: engine.OpMul, Inputs: []string{"logits", "gain"}, Outputs: []string{"scaled"}},
			{Name: "softmax", Op: engine.OpSoftmax, Inputs: []string{"scaled"}, Outputs: []string{"prob"},
				Params: &engine.SoftmaxParams{Axis: -1}},
		},
	}
	back, m := roundTrip(t, g)
	ops := map[string]int{}
	for _, n := range m.Graph.Nodes {
		ops[n.OpType]++
	}
	if ops["Relu"] != 1 || ops["AveragePool"] != 2 || ops["Pad"] != 1 {
		t.Errorf("written operators %v: want the fused ReLU as its own Relu and AdaptiveAvgPool as an AveragePool", ops)
	}
	x := randomInput(5, 1, 3, 12, 12)
	assertClose(t, runGraph(t, back, x), runGraph(t, g, x), 1e-5)
}

// TestWriteModelErrors: graphs with no ONNX form are errors naming the
// node, not files another runtime would misread.
func TestWriteModelErrors(t *testing.T) {
	base := func(n *engine.Node) *engine.Graph {
		return &engine.Graph{
			Inputs:  []engine.ValueInfo{{Name: "x", Shape: []int{1, 2, 5, 5}}},
			Outputs: []string{n.Outputs[0]},
			Nodes:   []*engine.Node{n},
			Consts:  map[string]*engine.Tensor{},
		}
	}
	cases := []struct {
		name string
		g    *engine.Graph
		want string
	}{
		{"nil graph", nil, "nil graph"},
		{"adaptive pool not a multiple", base(&engine.Node{Name: "ap", Op: engine.OpAdaptiveAvgPool, Inputs: []string{"x"}, Outputs: []string{"y"},
			Params: &engine.AdaptiveAvgPoolParams{Out: [2]int{2, 2}}}), `node "ap"`},
		{"graph the engine refuses", base(&engine.Node{Name: "c", Op: engine.OpConv, Inputs: []string{"x", "missing"}, Outputs: []string{"y"},
			Params: &engine.ConvParams{Kernel: [2]int{1, 1}}}), "missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := onnx.MarshalModel(c.g)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("MarshalModel: %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// failWriter fails after n bytes, like a full disk.
type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

var errFull = &fullError{}

type fullError struct{}

func (*fullError) Error() string { return "disk full" }

func TestWriteModelWriterError(t *testing.T) {
	def, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	g, err := def.Graph(def.RandomStateDict(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := onnx.WriteModel(&failWriter{n: 100}, g); err != errFull {
		t.Fatalf("WriteModel to a failing writer: %v, want the writer's error", err)
	}
}

// TestWriteModelInt8Weights: int8 constants (a loaded model file's
// weights) are written as their float32 values.
func TestWriteModelInt8Weights(t *testing.T) {
	q := []int8{1, -2, 3, -4, 5, -6}
	w, err := engine.NewInt8Tensor(q, []float32{0.5, 0.25}, 0, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	g := &engine.Graph{
		Inputs:  []engine.ValueInfo{{Name: "x", Shape: []int{1, 3}}},
		Outputs: []string{"y"},
		Consts:  map[string]*engine.Tensor{"w": w},
		Nodes: []*engine.Node{{Name: "fc", Op: engine.OpGemm, Inputs: []string{"x", "w"}, Outputs: []string{"y"},
			Params: &engine.GemmParams{Alpha: 1, Beta: 1, TransB: true}}},
	}
	back, _ := roundTrip(t, g)
	got := back.Consts["w"]
	want := []float32{0.5, -1, 1.5, -1, 1.25, -1.5}
	if got == nil || got.Int8 != nil || len(got.Data) != len(want) {
		t.Fatalf("weights read back: %+v", got)
	}
	for i, v := range want {
		if got.Data[i] != v {
			t.Fatalf("weight %d = %v, want %v", i, got.Data[i], v)
		}
	}
}
