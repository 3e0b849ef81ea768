package models

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"convscope/engine"
)

// torchvision's parameter counts, sum(p.numel() for p in m.parameters())
// (DESIGN.md; the ones it does not list from torchvision's documentation).
var wantParams = map[string]int64{
	"alexnet":   61100840,
	"vgg11":     132863336,
	"vgg11_bn":  132868840,
	"vgg13":     133047848,
	"vgg13_bn":  133053736,
	"vgg16":     138357544,
	"vgg16_bn":  138365992,
	"vgg19":     143667240,
	"vgg19_bn":  143678248,
	"googlenet": 6624904,
	"resnet18":  11689512,
	"resnet34":  21797672,
	"resnet50":  25557032,
	"resnet101": 44549160,
	"resnet152": 60192808,
}

func TestParamCounts(t *testing.T) {
	for name, want := range wantParams {
		d, err := Arch(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := d.ParamCount(); got != want {
			t.Errorf("%s: %d params, torchvision has %d (off by %d)", name, got, want, got-want)
		}
		// Params() must list the same learnable count plus the buffers.
		var learn int64
		for _, p := range d.Params() {
			if !p.Buffer {
				learn += int64(shapeLen(p.Shape))
			}
		}
		if learn != want {
			t.Errorf("%s: Params() lists %d learnable values, want %d", name, learn, want)
		}
	}
}

// Published multiply-accumulate counts at 224x224: torchvision's
// documentation lists "GFLOPS" that are in fact GMACs of the conv and linear
// layers (AlexNet 0.71, VGG16 15.47, GoogLeNet 1.50, ResNet-18 1.81,
// ResNet-50 4.09), which is what the table counts, so they agree to within
// rounding (measured: 0.7142, 15.4703, 1.4984, 1.8141, 4.0892). Batch norm,
// ReLU, pooling, additions and biases are not counted by either.
var wantGMACs = map[string]float64{
	"alexnet":   0.714,
	"vgg16":     15.47,
	"googlenet": 1.50,
	"resnet18":  1.81,
	"resnet50":  4.09,
}

func TestMACs(t *testing.T) {
	for name, want := range wantGMACs {
		d, err := Arch(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := float64(d.MACs()) / 1e9
		t.Logf("%s: %.4f GMACs (published %.3f)", name, got, want)
		if math.Abs(got-want)/want > 0.01 {
			t.Errorf("%s: %.4f GMACs, published %.3f", name, got, want)
		}
	}
}

// TestShapesMatchEngine compiles definitions with the engine and checks
// that every layer's shape in the table is the shape the engine infers
// (the builder's own inference follows PyTorch's rules, ceil_mode included).
func TestShapesMatchEngine(t *testing.T) {
	for _, name := range []string{"tinynet", "resnet18", "resnet50", "googlenet"} {
		d, err := Arch(name)
		if err != nil {
			t.Fatal(err)
		}
		// One backing array for every tensor: only shapes matter here.
		biggest := 0
		for _, p := range d.Params() {
			biggest = max(biggest, shapeLen(p.Shape))
		}
		backing := make([]float32, biggest)
		sd := map[string]*engine.Tensor{}
		for _, p := range d.Params() {
			sd[p.Name] = &engine.Tensor{Shape: p.Shape, Data: backing[:shapeLen(p.Shape)]}
		}
		g, err := d.Graph(sd)
		if err != nil {
			t.Fatal(err)
		}
		p, err := engine.Compile(g, engine.Options{NoFuse: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		shapes := p.Shapes()
		for _, l := range d.Layers {
			if !slices.Equal(shapes[l.Value], l.Shape) {
				t.Errorf("%s: layer %s: table says %v, engine infers %v", name, l.Name, l.Shape, shapes[l.Value])
			}
		}
	}
}

func TestTable(t *testing.T) {
	d, err := Arch("googlenet")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{
		"maxpool1": {1, 64, 56, 56}, "maxpool2": {1, 192, 28, 28}, "inception3b": {1, 480, 28, 28},
		"maxpool3": {1, 480, 14, 14}, "maxpool4": {1, 832, 7, 7}, "inception5b": {1, 1024, 7, 7}, "fc": {1, 1000},
	}
	for _, l := range d.Layers {
		if w, ok := want[l.Name]; ok && !slices.Equal(w, l.Shape) {
			t.Errorf("googlenet %s: %v, want %v", l.Name, l.Shape, w)
		}
	}
	if len(d.Blocks) != 9 {
		t.Errorf("googlenet has %d blocks, want 9 inception modules", len(d.Blocks))
	}
	r, err := Arch("resnet50")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) != 16 {
		t.Errorf("resnet50 has %d blocks, want 16 bottlenecks", len(r.Blocks))
	}
	var sum int64
	for _, b := range r.Blocks {
		sum += b.Params
		if b.Output != b.Name {
			t.Errorf("block %s output %q", b.Name, b.Output)
		}
	}
	// Outside the blocks: conv1 (9408), bn1 (128), fc (2049000).
	if want := r.ParamCount() - 9408 - 128 - 2049000; sum != want {
		t.Errorf("resnet50 blocks hold %d params, want %d", sum, want)
	}
	// Names follow torchvision's state_dict.
	names := map[string]bool{}
	for _, p := range r.Params() {
		names[p.Name] = true
	}
	for _, n := range []string{"conv1.weight", "bn1.running_var", "layer1.0.downsample.0.weight", "layer4.2.bn3.bias", "fc.bias"} {
		if !names[n] {
			t.Errorf("resnet50 has no %s", n)
		}
	}
	if _, err := Arch("resnet9000"); err == nil {
		t.Error("unknown architecture accepted")
	}
}

// TestBuilderPoolAndLRN checks the layers no torchvision definition here
// uses against the engine: AvgPool and LRN shapes.
func TestBuilderPoolAndLRN(t *testing.T) {
	b, x := NewBuilder("t", 15, 15, 4)
	x = b.Conv("c", x, 4, 3, ConvOpts{Bias: true})
	x = b.LRN("n", x, 5, 1e-4, 0.75, 2)
	x = b.AvgPool("p", x, 3, 2, 1)
	x = b.Flatten("f", x)
	x = b.Linear("fc", x, 4)
	d, err := b.Finish(x)
	if err != nil {
		t.Fatal(err)
	}
	g, err := d.Graph(d.RandomStateDict(1))
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.Compile(g, engine.Options{NoFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Layers {
		if got := p.Shapes()[l.Value]; !slices.Equal(got, l.Shape) {
			t.Errorf("%s: table %v, engine %v", l.Name, l.Shape, got)
		}
	}
	if d.Layers[2].Shape[2] != 7 {
		t.Errorf("avgpool output %v, want 7x7", d.Layers[2].Shape)
	}
}

// TestStateDictMatchesTorchvision compares every definition's Params()
// with the state_dict torchvision 0.14 builds (testdata/archs/dump.py
// wrote the file): same names, same shapes, same order.
func TestStateDictMatchesTorchvision(t *testing.T) {
	b, err := os.ReadFile("testdata/archs/torchvision_params.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Archs map[string]struct {
			Params    int64
			StateDict [][2]json.RawMessage `json:"state_dict"`
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Archs) != len(wantParams) {
		t.Errorf("reference has %d architectures, want %d", len(ref.Archs), len(wantParams))
	}
	for name, a := range ref.Archs {
		d, err := Arch(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d.ParamCount() != a.Params || wantParams[name] != a.Params {
			t.Errorf("%s: %d params, torchvision %d", name, d.ParamCount(), a.Params)
		}
		ps := d.Params()
		if len(ps) != len(a.StateDict) {
			t.Errorf("%s: %d state_dict entries, torchvision has %d", name, len(ps), len(a.StateDict))
		}
		for i := range min(len(ps), len(a.StateDict)) {
			var key string
			var shape []int
			if json.Unmarshal(a.StateDict[i][0], &key) != nil || json.Unmarshal(a.StateDict[i][1], &shape) != nil {
				t.Fatalf("%s: bad entry %d", name, i)
			}
			if ps[i].Name != key || !slices.Equal(ps[i].Shape, shape) {
				t.Errorf("%s: entry %d is %s %v, torchvision has %s %v", name, i, ps[i].Name, ps[i].Shape, key, shape)
				break
			}
		}
	}
}
