package session

import (
	"fmt"
	"slices"
	"testing"

	"convscope/engine"
	"convscope/web/protocol"
)

// checkGraph checks what holds for any model's table: the edges name
// earlier rows or the image, and every conv and pooling row's geometry
// gives its output size from its input size.
func checkGraph(t *testing.T, l *protocol.Loaded) {
	t.Helper()
	at := map[string]int{}
	for i, li := range l.Layers {
		for _, in := range li.Inputs {
			j, ok := at[in]
			if in != InputLayer && !ok {
				t.Errorf("%s reads %q, which is no earlier layer", li.Name, in)
			}
			if in != InputLayer && l.Layers[j].Name == li.Name {
				t.Errorf("%s reads itself", li.Name)
			}
		}
		if len(li.Inputs) == 0 {
			t.Errorf("%s has no inputs", li.Name)
		}
		if len(li.InShape) == 0 {
			t.Errorf("%s has no input shape", li.Name)
		}
		if _, dup := at[li.Name]; !dup {
			at[li.Name] = i
		}
		if li.Kernel == nil {
			if li.Kind == "conv" || li.Kind == "maxpool" || li.Kind == "avgpool" {
				t.Errorf("%s (%s) has no kernel", li.Name, li.Kind)
			}
			continue
		}
		if len(li.Kernel) != 2 || len(li.Stride) != 2 || len(li.Pads) != 4 || len(li.Dilation) != 2 || len(li.InShape) != 4 || len(li.Shape) != 4 {
			t.Errorf("%s: kernel %v stride %v pads %v dilation %v in %v out %v", li.Name, li.Kernel, li.Stride, li.Pads, li.Dilation, li.InShape, li.Shape)
			continue
		}
		for a := range 2 {
			in := li.InShape[2+a] + li.Pads[a] + li.Pads[2+a]
			want := (in-li.Dilation[a]*(li.Kernel[a]-1)-1)/li.Stride[a] + 1
			if li.Shape[2+a] != want {
				t.Errorf("%s axis %d: %d in, kernel %v stride %v pads %v dilation %v give %d, output has %d", li.Name, a, li.InShape[2+a], li.Kernel, li.Stride, li.Pads, li.Dilation, want, li.Shape[2+a])
			}
		}
		if li.Kind == "conv" && (li.Group < 1 || li.InShape[1]%li.Group != 0) {
			t.Errorf("%s: group %d for %d input channels", li.Name, li.Group, li.InShape[1])
		}
	}
}

func layer(t *testing.T, l *protocol.Loaded, name string) protocol.LayerInfo {
	t.Helper()
	for _, li := range l.Layers {
		if li.Name == name {
			return li
		}
	}
	t.Fatalf("no layer %q", name)
	return protocol.LayerInfo{}
}

func TestGeometry(t *testing.T) {
	for _, arch := range []string{"resnet20_cifar", "plain20_cifar", "vgg_cifar", "googlenet_cifar", "alexnet_cifar"} {
		t.Run(arch, func(t *testing.T) {
			b, _ := randomModel(t, arch)
			var s Session
			l, err := s.Load(b, hexSHA(b))
			if err != nil {
				t.Fatal(err)
			}
			checkGraph(t, l)
			l.ID = 1
			if _, _, err := protocol.Encode(l); err != nil {
				t.Error(err)
			}
		})
	}
	b, _ := randomModel(t, "resnet20_cifar")
	var s Session
	l, err := s.Load(b, hexSHA(b))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name                          string
		kernel, stride, pads, inShape []int
		inputs                        []string
	}{
		{"conv1", []int{3, 3}, []int{1, 1}, []int{1, 1, 1, 1}, []int{1, 3, 32, 32}, []string{InputLayer}},
		{"bn1", nil, nil, nil, []int{1, 16, 32, 32}, []string{"conv1"}}, // folded into conv1
		{"relu", nil, nil, nil, []int{1, 16, 32, 32}, []string{"conv1"}},
		{"layer1.0.add", nil, nil, nil, []int{1, 16, 32, 32}, []string{"layer1.0.conv2", "relu"}},
		{"layer2.0.conv1", []int{3, 3}, []int{2, 2}, []int{1, 1, 1, 1}, []int{1, 16, 32, 32}, []string{"layer1.2"}},
		{"avgpool", []int{8, 8}, []int{1, 1}, []int{0, 0, 0, 0}, []int{1, 64, 8, 8}, []string{"layer3.2"}},
		{"flatten", nil, nil, nil, []int{1, 64, 1, 1}, []string{"avgpool"}},
		{"fc", nil, nil, nil, []int{1, 64}, []string{"avgpool"}}, // through the Flatten
	}
	for _, w := range want {
		li := layer(t, l, w.name)
		got := fmt.Sprint(li.Kernel, li.Stride, li.Pads, li.InShape, li.Inputs)
		if exp := fmt.Sprint(w.kernel, w.stride, w.pads, w.inShape, w.inputs); got != exp {
			t.Errorf("%s: kernel, stride, pads, input shape, inputs %s, want %s", w.name, got, exp)
		}
	}
	if li := layer(t, l, "conv1"); li.Group != 1 || fmt.Sprint(li.Dilation) != "[1 1]" {
		t.Errorf("conv1: group %d, dilation %v", li.Group, li.Dilation)
	}

	// An inception module reads its four branches; GoogLeNet's head reads
	// the pooling through Flatten and Dropout.
	b, _ = randomModel(t, "googlenet_cifar")
	if l, err = s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	if in := layer(t, l, "inception3a").Inputs; !slices.Equal(in, []string{"inception3a.branch1", "inception3a.branch2.1", "inception3a.branch3.1", "inception3a.branch4.1"}) {
		t.Errorf("inception3a reads %v", in)
	}
	if in := layer(t, l, "fc").Inputs; !slices.Equal(in, []string{"avgpool"}) {
		t.Errorf("googlenet fc reads %v", in)
	}
}

// TestGeometryGraph: a graph as an ONNX import gives it, with a strided
// conv, a grouped dilated conv and an Identity on the way.
func TestGeometryGraph(t *testing.T) {
	b := graphModel(t, true)
	var s Session
	l, err := s.Load(b, hexSHA(b))
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, l)
	bl := layer(t, l, "b")
	if bl.Group != 2 || fmt.Sprint(bl.Dilation, bl.Pads, bl.InShape, bl.Inputs) != "[2 2] [2 2 2 2] [1 6 8 8] [a.relu]" {
		t.Errorf("b: %+v", bl)
	}
	if in := layer(t, l, "gap"); fmt.Sprint(in.Inputs, in.Kernel) != "[b] [8 8]" {
		t.Errorf("gap reads %v with kernel %v, want [b] through the Identity, kernel [8 8]", in.Inputs, in.Kernel)
	}
	if in := layer(t, l, "a").Inputs; !slices.Equal(in, []string{InputLayer}) {
		t.Errorf("a reads %v", in)
	}
}

// TestAdaptivePoolGeometry: the kernel and stride given for PyTorch's
// adaptive pooling cover every bin and never step further than a bin does.
func TestAdaptivePoolGeometry(t *testing.T) {
	for _, c := range [][2]int{{6, 6}, {13, 6}, {7, 3}, {5, 3}, {8, 1}, {3, 7}} {
		in, out := c[0], c[1]
		li := protocol.LayerInfo{InShape: []int{1, 1, in, in}}
		setGeometry(&li, &engine.Node{Op: engine.OpAdaptiveAvgPool, Params: &engine.AdaptiveAvgPoolParams{Out: [2]int{out, out}}})
		maxBin, minStep := 0, in
		for i := range out {
			lo, hi := i*in/out, ((i+1)*in+out-1)/out
			maxBin = max(maxBin, hi-lo)
			if i > 0 {
				minStep = min(minStep, lo-(i-1)*in/out)
			}
		}
		if out == 1 {
			minStep = li.Stride[0] // one bin: no step to compare
		}
		if li.Kernel[0] != maxBin || li.Stride[0] > max(minStep, 1) {
			t.Errorf("%d -> %d: kernel %v stride %v, bins up to %d wide, steps from %d", in, out, li.Kernel, li.Stride, maxBin, minStep)
		}
		if in%out == 0 && (li.Kernel[0] != in/out || li.Stride[0] != in/out) {
			t.Errorf("%d -> %d: kernel %v stride %v, want a plain %d-pool", in, out, li.Kernel, li.Stride, in/out)
		}
	}
}
