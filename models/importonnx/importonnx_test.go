package importonnx

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"convscope/engine"
	"convscope/engine/onnx"
	"convscope/models"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// The fixtures come from tools/pytorch/make_fixtures.py onnx: a small CNN
// exported by torch.onnx.export, its input and PyTorch's logits.
const dir = "../testdata/onnx/"

func meta(classes int) models.Meta {
	labels := make([]string, classes)
	for i := range labels {
		labels[i] = fmt.Sprintf("class %d", i)
	}
	spec := preprocess.CIFAR10()
	return models.Meta{Name: "small", Dataset: "cifar10", Labels: labels, Preprocess: spec, Source: "onnx small.onnx"}
}

func TestConvertMatchesPyTorch(t *testing.T) {
	data, err := os.ReadFile(dir + "small.onnx")
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ Input, Logits []float32 }
	b, err := os.ReadFile(dir + "small.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	x := &engine.Tensor{Shape: []int{1, 3, 32, 32}, Data: g.Input}

	// float32, straight from the ONNX graph: same tolerance and reason as
	// the importpth goldens (summation order only).
	m, err := onnx.ReadModel(data)
	if err != nil {
		t.Fatal(err)
	}
	graph, err := m.ToGraph()
	if err != nil {
		t.Fatal(err)
	}
	got := run(t, graph, x)
	var maxErr, maxAbs float64
	for i := range g.Logits {
		maxErr = max(maxErr, math.Abs(float64(got[i]-g.Logits[i])))
		maxAbs = max(maxAbs, math.Abs(float64(g.Logits[i])))
	}
	if maxErr/maxAbs > 1e-4 {
		t.Errorf("float32: relative logit error %.3g > 1e-4", maxErr/maxAbs)
	}

	// int8 model file.
	f, err := Convert(data, meta(10))
	if err != nil {
		t.Fatal(err)
	}
	quantized := 0
	for _, tt := range f.Tensors {
		if tt.Q != nil {
			quantized++
		}
	}
	// Both convs and the Gemm (three weights) are stored as int8.
	if quantized != 3 {
		t.Errorf("%d int8 tensors, want 3 (two conv weights, one fc weight)", quantized)
	}
	enc, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := models.LoadBytes(enc)
	if err != nil {
		t.Fatal(err)
	}
	q := run(t, mod.Graph(), x)
	pw, pq := models.Softmax(g.Logits), models.Softmax(q)
	var ab, aa, bb float64
	for i := range pw {
		ab, aa, bb = ab+pw[i]*pq[i], aa+pw[i]*pw[i], bb+pq[i]*pq[i]
	}
	cos := ab / math.Sqrt(aa*bb)
	t1w, t1q := models.TopK(pw, nil, 1)[0].Index, models.TopK(pq, nil, 1)[0].Index
	t.Logf("float32 relative error %.3g; int8 top-1 %d (PyTorch %d), cosine %.5f, %d bytes", maxErr/maxAbs, t1q, t1w, cos, len(enc))
	if t1q != t1w || cos < 0.99 {
		t.Errorf("int8: top-1 %d vs %d, cosine %.5f", t1q, t1w, cos)
	}
}

func TestConvertErrors(t *testing.T) {
	bad, err := os.ReadFile(dir + "unsupported.onnx")
	if err != nil {
		t.Fatal(err)
	}
	small, err := os.ReadFile(dir + "small.onnx")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		meta models.Meta
		want string
	}{
		{"unsupported op", bad, meta(10), "HardSwish"},
		{"labels", small, meta(1000), "there are 1000 labels"},
		{"not onnx", []byte("hello"), meta(10), "onnx:"},
	} {
		_, err := Convert(c.data, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func run(t *testing.T, g *engine.Graph, x *engine.Tensor) []float32 {
	t.Helper()
	p, err := engine.Compile(g, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(map[string]*engine.Tensor{g.Inputs[0].Name: x})
	if err != nil {
		t.Fatal(err)
	}
	return res.Outputs[g.Outputs[0]].Data
}
