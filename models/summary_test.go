package models

import "testing"

// TestArchSummaryKnownFigures checks depth and the conv/fc split against the
// figures of the papers and of torchvision's parameter counts.
func TestArchSummaryKnownFigures(t *testing.T) {
	for _, c := range []struct {
		arch   string
		depth  int
		fc     int64 // -1: not checked
		params int64
	}{
		// AlexNet: 6*6*256*4096+4096 + 4096*4096+4096 + 4096*1000+1000.
		{"alexnet", 8, 58_631_144, 61_100_840},
		// VGG16: 7*7*512*4096+4096 + 4096*4096+4096 + 4096*1000+1000.
		{"vgg16", 16, 123_642_856, 138_357_544},
		{"vgg19", 19, 123_642_856, 143_667_240},
		{"vgg16_bn", 16, 123_642_856, 138_365_992},
		// GoogLeNet and ResNet: one fc after global average pooling.
		{"googlenet", 22, 1024*1000 + 1000, 6_624_904},
		{"resnet18", 18, 512*1000 + 1000, 11_689_512},
		{"resnet34", 34, 512*1000 + 1000, 21_797_672},
		{"resnet50", 50, 2048*1000 + 1000, 25_557_032},
		{"resnet101", 101, 2048*1000 + 1000, 44_549_160},
		{"resnet152", 152, 2048*1000 + 1000, 60_192_808},
		// The built-in CIFAR-10 nets: ResNet-20 and Plain-20 are 19 convs
		// and an fc on the longest path (the projection shortcuts run beside it).
		{"resnet20_cifar", 20, 64*10 + 10, 272_474},
		{"plain20_cifar", 20, 64*10 + 10, -1},
	} {
		s, err := ArchSummary(c.arch, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Depth != c.depth {
			t.Errorf("%s: depth %d, want %d", c.arch, s.Depth, c.depth)
		}
		if s.FCParams != c.fc {
			t.Errorf("%s: fc params %d, want %d", c.arch, s.FCParams, c.fc)
		}
		if c.params >= 0 && s.ConvParams+s.FCParams != c.params {
			t.Errorf("%s: conv %d + fc %d = %d, want torchvision's %d", c.arch, s.ConvParams, s.FCParams, s.ConvParams+s.FCParams, c.params)
		}
	}
}

// TestArchSummaryAddsUp: for every architecture, conv + fc parameters are
// all of them (every batch norm follows a conv), and the depth is at least 2.
func TestArchSummaryAddsUp(t *testing.T) {
	for _, name := range ArchNames() {
		d, err := Arch(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ArchSummary(name, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if s != d.Summary() {
			t.Errorf("%s: cached %+v, fresh %+v", name, s, d.Summary())
		}
		if s.OtherParams != 0 || s.ConvParams+s.FCParams != d.ParamCount() {
			t.Errorf("%s: conv %d + fc %d + other %d, ParamCount %d", name, s.ConvParams, s.FCParams, s.OtherParams, d.ParamCount())
		}
		if s.Depth < 2 || s.ConvParams == 0 || s.FCParams == 0 {
			t.Errorf("%s: %+v", name, s)
		}
		t.Logf("%-16s depth %3d  conv %11d  fc %11d  params %11d", name, s.Depth, s.ConvParams, s.FCParams, d.ParamCount())
	}
}

// TestArchSummaryBatchNormCountsAsConv: vgg16_bn has vgg16's fc and conv
// weights plus 2 per channel of its 13 batch norms, all on the conv side.
func TestArchSummaryBatchNormCountsAsConv(t *testing.T) {
	plain, err := ArchSummary("vgg16", Config{})
	if err != nil {
		t.Fatal(err)
	}
	bn, err := ArchSummary("vgg16_bn", Config{})
	if err != nil {
		t.Fatal(err)
	}
	// Channels of VGG16's convs: 64*2 + 128*2 + 256*3 + 512*6 = 4224.
	if got, want := bn.ConvParams-plain.ConvParams, int64(2*4224); got != want {
		t.Errorf("vgg16_bn has %d more conv params than vgg16, want %d", got, want)
	}
	if bn.FCParams != plain.FCParams || bn.Depth != plain.Depth {
		t.Errorf("vgg16 %+v, vgg16_bn %+v", plain, bn)
	}
}

func TestArchSummaryUnknown(t *testing.T) {
	if _, err := ArchSummary("lenet", Config{}); err == nil {
		t.Error("no error for an unknown architecture")
	}
}
