package models

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"convscope/engine"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

func mustArch(t testing.TB, name string, c Config) *Def {
	t.Helper()
	d, err := ArchConfig(name, c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func run(t testing.TB, g *engine.Graph, x *engine.Tensor) []float32 {
	t.Helper()
	p, err := engine.Compile(g, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(map[string]*engine.Tensor{InputName: x})
	if err != nil {
		t.Fatal(err)
	}
	return res.Outputs[g.Outputs[0]].Data
}

func randomInput(shape []int, seed uint64) *engine.Tensor {
	r := rand.New(rand.NewPCG(seed, 1))
	x, _ := engine.NewTensor(shape...)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	return x
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func testMeta(d *Def) Meta {
	names := labels.CIFAR10()
	if d.NumClasses == 1000 {
		names = labels.ImageNet()
	}
	spec := preprocess.Spec{Crop: d.Input[2], Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25}}
	return Meta{Name: d.Name + "_random", Dataset: "test", Labels: names[:d.NumClasses], Preprocess: spec, Source: "random weights (test)"}
}

// TestConvertRoundTrip converts random weights, encodes, decodes and
// compares the int8 model's logits with the float32 definition's.
func TestConvertRoundTrip(t *testing.T) {
	cases := []struct {
		arch string
		cfg  Config
	}{
		{"tinynet", Config{}},
		{"resnet18", Config{Height: 64, Width: 64, Classes: 10}},
		{"googlenet", Config{Height: 64, Width: 64, Classes: 10}},
	}
	for _, c := range cases {
		t.Run(c.arch, func(t *testing.T) {
			d := mustArch(t, c.arch, c.cfg)
			ref, b := randomModelFile(t, d, 7)
			m, err := LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range m.Graph().Nodes {
				if n.Op == engine.OpBatchNorm {
					t.Errorf("batch norm %s was not folded", n.Name)
				}
			}
			minCos := 1.0
			for seed := range uint64(3) {
				x := randomInput(d.Input, seed)
				want, got := run(t, ref, x), run(t, m.Graph(), x)
				cl := cosine(f64(want), f64(got))
				cp := cosine(Softmax(want), Softmax(got))
				minCos = min(minCos, cl, cp)
				if cl < 0.99 || cp < 0.99 {
					t.Errorf("input %d: cosine logits %.5f, probabilities %.5f; want >= 0.99", seed, cl, cp)
				}
			}
			t.Logf("%s: %d bytes, min cosine %.5f", c.arch, len(b), minCos)
		})
	}
}

// TestFoldBatchNormExact checks the folding alone, in float32: the folded
// graph computes what the unfolded one does up to rounding.
func TestFoldBatchNormExact(t *testing.T) {
	d := mustArch(t, "tinynet", Config{})
	g, err := d.Graph(d.RandomStateDict(3))
	if err != nil {
		t.Fatal(err)
	}
	nodes, consts, renamed, err := foldBatchNorm(g)
	if err != nil {
		t.Fatal(err)
	}
	if len(renamed) != 4 { // bn1, layer1.0.bn1, layer1.0.bn2, layer1.0.downsample.1
		t.Errorf("folded %d batch norms, want 4: %v", len(renamed), renamed)
	}
	folded := &engine.Graph{Inputs: g.Inputs, Outputs: g.Outputs, Nodes: nodes, Consts: consts}
	x := randomInput(d.Input, 1)
	want, got := run(t, g, x), run(t, folded, x)
	for i := range want {
		if diff := math.Abs(float64(want[i] - got[i])); diff > 1e-4*(1+math.Abs(float64(want[i]))) {
			t.Errorf("logit %d: folded %v, reference %v", i, got[i], want[i])
		}
	}
}

func TestConvertErrors(t *testing.T) {
	d := mustArch(t, "tinynet", Config{})
	sd := d.RandomStateDict(1)
	delete(sd, "layer1.0.bn2.running_var")
	if _, err := Convert(d, sd, testMeta(d)); err == nil {
		t.Error("missing state_dict entry accepted")
	}
	sd = d.RandomStateDict(1)
	sd["fc.weight"] = &engine.Tensor{Shape: []int{10, 3}, Data: make([]float32, 30)}
	if _, err := Convert(d, sd, testMeta(d)); err == nil {
		t.Error("wrong shape accepted")
	}
	sd = d.RandomStateDict(1)
	meta := testMeta(d)
	meta.Labels = meta.Labels[:3]
	if _, err := Convert(d, sd, meta); err == nil {
		t.Error("3 labels for 10 classes accepted")
	}
	sd["conv1.weight"].Data[0] = float32(math.NaN())
	if _, err := Convert(d, sd, testMeta(d)); err == nil {
		t.Error("NaN weight accepted")
	}
}

// TestConvertGraph converts a bare graph (as an ONNX import would): the
// table it derives must agree with the definition's on params and MACs,
// and the int8 model with the float32 graph.
func TestConvertGraph(t *testing.T) {
	for _, arch := range []string{"tinynet", "googlenet"} {
		d := mustArch(t, arch, Config{Height: 64, Width: 64, Classes: 10})
		g, err := d.Graph(d.RandomStateDict(2))
		if err != nil {
			t.Fatal(err)
		}
		meta := testMeta(d)
		f, err := ConvertGraph(g, meta)
		if err != nil {
			t.Fatal(err)
		}
		var fixed int64 // GoogLeNet's input transform: not a torchvision parameter
		for _, t := range d.fixed {
			fixed += int64(len(t.Data))
		}
		if f.Meta.Arch != "onnx" || len(f.Meta.Layers) != len(d.Layers) || f.Meta.Params != d.ParamCount()+fixed || f.Meta.MACs < d.MACs() {
			t.Errorf("%s: arch %q, %d layers (want %d), %d params (want %d), %d MACs (want >= %d)",
				arch, f.Meta.Arch, len(f.Meta.Layers), len(d.Layers), f.Meta.Params, d.ParamCount()+fixed, f.Meta.MACs, d.MACs())
		}
		for i, l := range f.Meta.Layers {
			if want := d.Layers[i]; l.Name != want.Name || !slices.Equal(l.Shape, want.Shape) || l.Kind != want.Kind && want.Kind != modelfile.LayerInputTransform {
				t.Errorf("%s: layer %d is %+v, definition has %+v", arch, i, l, want)
				break
			}
		}
		b, err := modelfile.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		x := randomInput(d.Input, 5)
		if c := cosine(f64(run(t, g, x)), f64(run(t, m.Graph(), x))); c < 0.99 {
			t.Errorf("%s: cosine %.5f", arch, c)
		}
	}
}
