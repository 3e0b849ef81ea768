package lessons

import (
	"strings"
	"testing"

	"convscope/web/protocol"
)

// TestNetsMatchPublishedCounts checks the hand-built tables against the
// real networks: torchvision's parameter counts (models/arch_test.go) and
// PyTorch's parameter and MAC counts of the CIFAR nets
// (train/state_dicts.json).
func TestNetsMatchPublishedCounts(t *testing.T) {
	want := map[string][2]int64{ // params, MACs (0 = not checked)
		"alexnet":         {61100840, 0},
		"vgg16":           {138357544, 0},
		"googlenet":       {6624904, 0},
		"resnet18":        {11689512, 0},
		"resnet20_cifar":  {272474, 40813184},
		"plain20_cifar":   {269722, 40551040},
		"vgg_cifar":       {307946, 38653952},
		"googlenet_cifar": {516554, 58502912},
		"alexnet_cifar":   {1446282, 73927168},
	}
	for _, l := range allNets() {
		w, ok := want[l.Name]
		if !ok {
			continue
		}
		delete(want, l.Name)
		if l.Params != w[0] {
			t.Errorf("%s: %d params, PyTorch has %d", l.Name, l.Params, w[0])
		}
		if w[1] != 0 && l.MACs != w[1] {
			t.Errorf("%s: %d MACs, PyTorch has %d", l.Name, l.MACs, w[1])
		}
	}
	for name := range want {
		t.Errorf("no table for %s", name)
	}
}

func TestReceptiveFieldsOfRealNets(t *testing.T) {
	for _, tc := range []struct {
		net   *protocol.Loaded
		layer string
		size  int
		jump  int
		start float64
	}{
		// AlexNet conv1: 11x11 stride 4 pad 2: unit (0, 0) is centred on
		// pixel 5-2 = 3.
		{alexnetNet(), "features.0", 11, 4, 3},
		// pool5 of AlexNet sees 195x195, a published figure.
		{alexnetNet(), "features.12", 195, 32, 31},
		// The adaptive 6x6 pool is the identity at 224x224.
		{alexnetNet(), "avgpool", 195, 32, 31},
		// Two 3x3 convs see 5x5; after the first 2x2 pool the field
		// has an even size and a centre between pixels.
		{vgg16Net(), "features.2", 5, 1, 0},
		{vgg16Net(), "features.4", 6, 2, 0.5},
		// VGG16's pool5 sees 212x212 (published).
		{vgg16Net(), "features.30", 212, 32, 15.5},
		// ResNet-18's last block sees 435x435 (published); global
		// average pooling adds (7-1)*32.
		{resnet18Net(), "layer4.1", 435, 32, 0},
		{resnet18Net(), "avgpool", 435 + 6*32, 32, 96},
		{resnet18Net(), "fc", 435 + 6*32, 32, 96},
		// ResNet-20: three 3x3 convs (conv1 + the first block) see 7x7,
		// and the identity shortcut (3x3) does not enlarge the sum.
		{resnetCIFARNet(true), "layer1.0.conv2", 7, 1, 0},
		{resnetCIFARNet(true), "layer1.0.add", 7, 1, 0},
		{resnetCIFARNet(true), "layer1.0", 7, 1, 0},
		// The inception module's field is its widest branch (the 5x5
		// after a 3x3 stem and a 3x3/2 pool: 5 + 4*2).
		{googlenetCIFARNet(), "inception3a.branch3.1", 13, 2, 0},
		{googlenetCIFARNet(), "inception3a", 13, 2, 0},
	} {
		fields, err := ReceptiveFields(tc.net)
		if err != nil {
			t.Fatalf("%s: %v", tc.net.Name, err)
		}
		got, ok := fields[tc.layer]
		if !ok {
			t.Errorf("%s: no field for %s", tc.net.Name, tc.layer)
			continue
		}
		want := Field{Size: [2]int{tc.size, tc.size}, Jump: [2]int{tc.jump, tc.jump}, Start: [2]float64{tc.start, tc.start}}
		if got != want {
			t.Errorf("%s %s: field %+v, want %+v", tc.net.Name, tc.layer, got, want)
		}
	}
}

func TestBox(t *testing.T) {
	fields, err := ReceptiveFields(alexnetNet())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		layer          string
		y, x           int
		y0, x0, y1, x1 int
	}{
		{"features.0", 0, 0, 0, 0, 9, 9},           // hangs 2 pixels over the top-left border
		{"features.0", 1, 2, 2, 6, 13, 17},         // 4 pixels per unit
		{"features.0", 54, 54, 214, 214, 224, 224}, // last unit: 214..224 (pad 2, 225 would be padding)
		{"features.12", 0, 0, 0, 0, 31 + 98, 31 + 98},
		{"classifier.6", 0, 0, 0, 0, 224, 224}, // the classifier sees the whole image
	} {
		y0, x0, y1, x1 := fields[tc.layer].Box(tc.y, tc.x, 224, 224)
		if [4]int{y0, x0, y1, x1} != [4]int{tc.y0, tc.x0, tc.y1, tc.x1} {
			t.Errorf("%s (%d,%d): box %d,%d..%d,%d, want %d,%d..%d,%d", tc.layer, tc.y, tc.x, y0, x0, y1, x1, tc.y0, tc.x0, tc.y1, tc.x1)
		}
	}
}

// span is the half-open range of input pixels one unit depends on.
type span struct{ lo, hi int }

// bruteFields computes, independently of the recurrence, which input rows
// each output row of every layer depends on (and the same for columns,
// by symmetry the same for these square nets): it follows the actual taps
// of every window, ignoring taps that land in the padding.
func bruteFields(t *testing.T, l *protocol.Loaded) map[string][]span {
	t.Helper()
	spans := map[string][]span{}
	img := make([]span, l.Crop)
	for i := range img {
		img[i] = span{i, i + 1}
	}
	get := func(name string) []span {
		if name == InputName {
			return img
		}
		s, ok := spans[name]
		if !ok {
			t.Fatalf("%s: layer %s read before it is computed", l.Name, name)
		}
		return s
	}
	union := func(ss []span) span {
		u := span{1 << 30, -1 << 30}
		for _, s := range ss {
			u = span{min(u.lo, s.lo), max(u.hi, s.hi)}
		}
		return u
	}
	for _, li := range l.Layers {
		in := get(li.Inputs[0])
		var out []span
		switch {
		case len(li.Inputs) > 1:
			out = make([]span, len(in))
			for i := range out {
				var at []span
				for _, n := range li.Inputs {
					at = append(at, get(n)[i])
				}
				out[i] = union(at)
			}
		case len(li.Shape) == 2 && len(li.InShape) == 4:
			out = []span{union(in)}
		case len(li.Shape) == 2 || len(li.Kernel) == 0 && li.Shape[2] == len(in):
			out = in
		default:
			k, s, p, d := li.Kernel[0], 1, 0, 1
			if len(li.Kernel) == 0 { // adaptive pool
				s = len(in) / li.Shape[2]
				k = len(in) - (li.Shape[2]-1)*s
			} else {
				s, p, d = li.Stride[0], li.Pads[0], li.Dilation[0]
			}
			out = make([]span, li.Shape[2])
			for o := range out {
				var at []span
				for j := range k {
					if tap := o*s - p + j*d; tap >= 0 && tap < len(in) {
						at = append(at, in[tap])
					}
				}
				out[o] = union(at)
			}
		}
		spans[li.Name] = out
	}
	return spans
}

// TestReceptiveFieldsMatchTaps checks every unit of every layer of every
// table: the clipped Box must be exactly the rows its taps reach.
func TestReceptiveFieldsMatchTaps(t *testing.T) {
	for _, l := range allNets() {
		fields, err := ReceptiveFields(l)
		if err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		brute := bruteFields(t, l)
		checked := 0
		for _, li := range l.Layers {
			for i, want := range brute[li.Name] {
				y0, x0, y1, x1 := fields[li.Name].Box(i, i, l.Crop, l.Crop)
				if y0 != want.lo || y1 != want.hi || x0 != want.lo || x1 != want.hi {
					t.Errorf("%s %s unit %d: box rows %d..%d cols %d..%d, taps reach %d..%d", l.Name, li.Name, i, y0, y1, x0, x1, want.lo, want.hi)
					break
				}
				checked++
			}
		}
		t.Logf("%s: %d units of %d layers agree", l.Name, checked, len(l.Layers))
	}
}

func TestReceptiveFieldsErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(l *protocol.Loaded)
		want   string
	}{
		{"no model", nil, "no model"},
		{"missing producer", func(l *protocol.Loaded) { l.Layers[3].Inputs = []string{"features.99"} }, `reads "features.99", which is not a layer`},
		{"no edges", func(l *protocol.Loaded) { l.Layers[3].Inputs = nil }, "layer graph is missing"},
		{"duplicate name", func(l *protocol.Loaded) { l.Layers[4].Name = l.Layers[3].Name }, "two layers are named"},
		{"wrong output size", func(l *protocol.Loaded) { l.Layers[0].Shape = []int{1, 64, 50, 50} }, "does not follow from input 224x224"},
		// 56 would be right with ceil rounding, which only pooling has.
		{"conv rounded up", func(l *protocol.Loaded) { l.Layers[0].Shape = []int{1, 64, 56, 56} }, "output 56x56 does not follow"},
		{"in shape disagrees", func(l *protocol.Loaded) { l.Layers[3].InShape = []int{1, 64, 28, 28} }, "says its input is [1 64 28 28], but features.2 outputs [1 64 27 27]"},
		{"conv without kernel", func(l *protocol.Loaded) { l.Layers[3].Kernel = nil }, "without kernel geometry"},
		{"bad stride", func(l *protocol.Loaded) { l.Layers[3].Stride = []int{0, 1} }, "stride [0 1]"},
		{"kernel too large", func(l *protocol.Loaded) { l.Layers[0].Kernel = []int{300, 300} }, "larger than the padded input"},
		{"relu changes size", func(l *protocol.Loaded) { l.Layers[1].Shape = []int{1, 64, 50, 50} }, "changes the size"},
		{"cycle", func(l *protocol.Loaded) { l.Layers[0].Inputs = []string{"features.1"} }, "cycle"},
	} {
		var l *protocol.Loaded
		if tc.break_ != nil {
			l = alexnetNet()
			tc.break_(l)
		}
		_, err := ReceptiveFields(l)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestMergeErrors(t *testing.T) {
	// A residual sum of the strided path with the unstrided input.
	l := resnet18Net()
	for i := range l.Layers {
		if l.Layers[i].Name == "layer2.0.add" {
			l.Layers[i].Inputs[1] = "layer1.1"
		}
	}
	if _, err := ReceptiveFields(l); err == nil || !strings.Contains(err.Error(), "layer2.0.add (add) outputs 28x28 maps but its input layer1.1 is [1 64 56 56]") {
		t.Errorf("add of 28x28 and 56x56: %v", err)
	}
	// Same size, different strides so far: a 17x17 conv and a 2x2
	// stride-2 conv both take a 32x32 image to 16x16, but neighbouring
	// units are 1 and 2 pixels apart.
	n, x := newNet("jumps", 32)
	a := n.conv("a", x, 4, 17, 1, 0, false)
	b := n.conv("b", x, 4, 2, 2, 0, false)
	n.sum("sum", a, b)
	if _, err := ReceptiveFields(n.done()); err == nil || !strings.Contains(err.Error(), "merges a (stride [1 1] so far) with b (stride [2 2])") {
		t.Errorf("sum of units 1 and 2 pixels apart: %v", err)
	}
}
