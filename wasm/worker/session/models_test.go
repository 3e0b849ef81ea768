package session

import (
	"context"
	"io/fs"
	"testing"

	"convscope/engine"
	"convscope/models"
	"convscope/models/builtin"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
	"convscope/web/protocol"
)

// builtinModel returns a built-in model's file bytes and the model; the
// test is skipped when the model is not committed.
func builtinModel(t testing.TB, name string) ([]byte, *models.Model) {
	t.Helper()
	b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
	if err != nil {
		t.Skipf("built-in model %s is not in models/builtin: %v", name, err)
	}
	m, err := models.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// classified loads b into a new session and classifies the test image.
func classified(t *testing.T, b []byte) (*Session, *protocol.Loaded, *protocol.Result) {
	t.Helper()
	var s Session
	loaded, err := s.Load(b, hexSHA(b))
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Classify(context.Background(), testImage(t), false, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &s, loaded, res
}

// graphModel is a small graph written node by node, as an ONNX import
// would give it (one table row per node): a strided conv, a grouped and
// dilated conv, an Identity, global average pooling, Flatten and one Gemm.
// It covers what the built-in definitions do not; transB false stores
// the fc weight (in, out).
func graphModel(t *testing.T, transB bool) []byte {
	t.Helper()
	const side = 16
	rnd := uint32(1)
	tensor := func(shape ...int) *engine.Tensor {
		x, err := engine.NewTensor(shape...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range x.Data {
			rnd = rnd*1664525 + 1013904223
			x.Data[i] = float32(int32(rnd>>8)%2000)/2000 - 0.5
		}
		return x
	}
	g := &engine.Graph{
		Inputs:  []engine.ValueInfo{{Name: "image", Shape: []int{1, 3, side, side}}},
		Outputs: []string{"logits"},
		Consts: map[string]*engine.Tensor{
			"a.w": tensor(6, 3, 3, 3), "a.b": tensor(6),
			"b.w": tensor(4, 3, 3, 3), "b.b": tensor(4), // group 2: 6 -> 4 channels, 3 per group
			"fc.w": tensor(10, 4), "fc.b": tensor(10), // (out, in); (in, out) below without transB
		},
		Nodes: []*engine.Node{
			{Name: "a", Op: engine.OpConv, Inputs: []string{"image", "a.w", "a.b"}, Outputs: []string{"a.out"},
				Params: &engine.ConvParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, Dilations: [2]int{1, 1}, Group: 1}},
			{Name: "a.relu", Op: engine.OpRelu, Inputs: []string{"a.out"}, Outputs: []string{"a.relu.out"}},
			{Name: "b", Op: engine.OpConv, Inputs: []string{"a.relu.out", "b.w", "b.b"}, Outputs: []string{"b.out"},
				Params: &engine.ConvParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{2, 2, 2, 2}, Dilations: [2]int{2, 2}, Group: 2}},
			{Name: "same", Op: engine.OpIdentity, Inputs: []string{"b.out"}, Outputs: []string{"same.out"}},
			{Name: "gap", Op: engine.OpGlobalAveragePool, Inputs: []string{"same.out"}, Outputs: []string{"gap.out"}},
			{Name: "flat", Op: engine.OpFlatten, Inputs: []string{"gap.out"}, Outputs: []string{"flat.out"}, Params: &engine.FlattenParams{Axis: 1}},
			{Name: "fc", Op: engine.OpGemm, Inputs: []string{"flat.out", "fc.w", "fc.b"}, Outputs: []string{"logits"},
				Params: &engine.GemmParams{Alpha: 1, Beta: 1, TransB: transB}},
		},
	}
	if !transB {
		g.Consts["fc.w"].Shape = []int{4, 10}
	}
	spec := preprocess.CIFAR10()
	spec.Crop = side
	f, err := models.ConvertGraph(g, models.Meta{Name: "graph_test", Dataset: "cifar10", Labels: labels.CIFAR10(), Preprocess: spec, Source: "handmade graph (test)"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
