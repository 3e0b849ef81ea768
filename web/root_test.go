package web

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"convscope/web/protocol"
)

func TestDefaultModel(t *testing.T) {
	list := []ModelEntry{
		{Name: "alexnet"},
		{Name: "mine", Available: true, URL: "models/mine.csm"},
		{Name: "resnet20_cifar", BuiltIn: true, Available: true, URL: "models/resnet20_cifar.csm"},
	}
	if m, ok := DefaultModel(list); !ok || m.Name != "resnet20_cifar" {
		t.Errorf("DefaultModel = %q, %v; want the built-in one", m.Name, ok)
	}
	if m, ok := DefaultModel(list[:2]); !ok || m.Name != "mine" {
		t.Errorf("without built-ins: %q, %v; want the available one", m.Name, ok)
	}
	if _, ok := DefaultModel(list[:1]); ok {
		t.Error("a model without a file was chosen")
	}
}

func TestBlockLabel(t *testing.T) {
	c := &Root{Info: &protocol.Loaded{
		Layers: []protocol.LayerInfo{{Name: "conv1"}, {Name: "layer1.0.conv1", Block: "layer1.0"}, {Name: "layer1.0.conv2", Block: "layer1.0"}, {Name: "fc"}},
		Blocks: []protocol.BlockInfo{{Name: "layer1.0", Kind: "basic_block"}},
	}}
	want := []string{"", "layer1.0 - basic block", "", ""}
	for i, w := range want {
		if got := c.BlockLabel(i); got != w {
			t.Errorf("BlockLabel(%d) = %q, want %q", i, got, w)
		}
	}
	if got := c.LayerClass(1, c.Info.Layers[1]); !strings.Contains(got, "block-start") {
		t.Errorf("LayerClass of a block's first layer = %q", got)
	}
}

func TestMapsNote(t *testing.T) {
	m := &protocol.Maps{Layer: "conv1", Shape: [3]int{2, 4, 4}, Min: []float32{-1, 0}, Max: []float32{2, 3}}
	if got, want := MapsNote(m), "conv1: 2 maps of 4x4, values from -1 to 3."; got != want {
		t.Errorf("MapsNote = %q, want %q", got, want)
	}
	fc := &protocol.Maps{Layer: "fc", Shape: [3]int{1, 1, 10}, Min: []float32{0}, Max: []float32{1}}
	if got := MapsNote(fc); !strings.Contains(got, "10 outputs") {
		t.Errorf("MapsNote(fc) = %q", got)
	}
}

func TestPNG(t *testing.T) {
	v := protocol.Image{W: 2, H: 1, RGBA: []byte{255, 0, 0, 255, 0, 0, 255, 255}}
	img, err := png.Decode(bytes.NewReader(PNG(v)))
	if err != nil {
		t.Fatal(err)
	}
	if r, _, b, _ := img.At(1, 0).RGBA(); img.Bounds().Dx() != 2 || r != 0 || b != 0xffff {
		t.Errorf("decoded %v, pixel (1,0) wrong", img.Bounds())
	}
	if PNG(protocol.Image{W: 3, H: 3, RGBA: make([]byte, 5)}) != nil {
		t.Error("inconsistent image encoded")
	}
	// A view of every size class, encoded twice (the second reuses the
	// encoder's buffers), decodes to its exact pixels.
	for _, wh := range [][2]int{{1, 1}, {32, 32}, {37, 29}, {224, 224}} {
		w, h := wh[0], wh[1]
		v := protocol.Image{W: w, H: h, RGBA: make([]byte, w*h*4)}
		for i := range v.RGBA {
			v.RGBA[i] = byte(i*7 + i/13)
			if i%4 == 3 {
				v.RGBA[i] = 255
			}
		}
		for round := 0; round < 2; round++ {
			img, err := png.Decode(bytes.NewReader(PNG(v)))
			if err != nil {
				t.Fatalf("%dx%d: %v", w, h, err)
			}
			if img.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("%dx%d: decoded %v", w, h, img.Bounds())
			}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					r, g, b, a := img.At(x, y).RGBA()
					p := v.RGBA[4*(y*w+x):]
					if r>>8 != uint32(p[0]) || g>>8 != uint32(p[1]) || b>>8 != uint32(p[2]) || a>>8 != uint32(p[3]) {
						t.Fatalf("%dx%d round %d: pixel (%d,%d) = %d %d %d %d, want %v", w, h, round, x, y, r>>8, g>>8, b>>8, a>>8, p[:4])
					}
				}
			}
		}
	}
}

func TestSamples(t *testing.T) {
	c := &Root{}
	for _, s := range c.Samples() {
		if s.Dataset != "cifar10" {
			t.Errorf("default gallery has %s (%s)", s.Name, s.Dataset)
		}
	}
	c = &Root{Models: []ModelEntry{{Name: "vgg16", Dataset: "imagenet"}}, Selected: "vgg16"}
	got := c.Samples()
	if len(got) == 0 || got[0].Dataset != "imagenet" || c.DatasetName() != "ImageNet" {
		t.Errorf("ImageNet gallery: %v", got)
	}
}
