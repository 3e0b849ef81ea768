package lessons

import (
	"strings"
	"testing"

	"convscope/web/protocol"
)

func TestFCShare(t *testing.T) {
	for _, tc := range []struct {
		net       *protocol.Loaded
		fc, total int64
	}{
		{alexnetNet(), 37752832 + 16781312 + 4097000, 61100840},
		{vgg16Net(), 102764544 + 16781312 + 4097000, 138357544},
		{googlenetNet(), 1025000, 6624904},
		{resnet18Net(), 513000, 11689512},
		{resnetCIFARNet(true), 650, 272474},
	} {
		fc, total := FCShare(tc.net)
		if fc != tc.fc || total != tc.total {
			t.Errorf("%s: fc %d of %d, want %d of %d", tc.net.Name, fc, total, tc.fc, tc.total)
		}
	}
	if fc, total := FCShare(nil); fc != 0 || total != 0 {
		t.Errorf("no model: %d, %d", fc, total)
	}
}

func TestConvVsFC(t *testing.T) {
	alex, res := alexnetNet(), resnet18Net()
	for _, tc := range []struct {
		li       protocol.LayerInfo
		conv, fc int64
		bias     bool
	}{
		// 11x11x3x64 + 64 biases against 3*224*224 inputs times
		// 64*55*55 outputs, plus their biases.
		{layerByName(t, alex, "features.0"), 23296, 150528*193600 + 193600, true},
		{layerByName(t, alex, "features.10"), 9*256*256 + 256, (256*13*13)*(256*13*13) + 256*13*13, true},
		// Batch norm follows: no bias on either side.
		{layerByName(t, res, "layer1.0.conv1"), 36864, 200704 * 200704, false},
		{layerByName(t, res, "layer2.0.downsample.0"), 64 * 128, (64 * 56 * 56) * (128 * 28 * 28), false},
	} {
		c, err := CompareConvFC(tc.li)
		if err != nil {
			t.Errorf("%s: %v", tc.li.Name, err)
			continue
		}
		if c.Conv != tc.conv || c.FC != tc.fc || c.Bias != tc.bias {
			t.Errorf("%s: conv %d fc %d bias %v, want %d %d %v", tc.li.Name, c.Conv, c.FC, c.Bias, tc.conv, tc.fc, tc.bias)
		}
		if conv, fc := ConvVsFC(tc.li); conv != tc.conv || fc != tc.fc {
			t.Errorf("ConvVsFC(%s) = %d, %d", tc.li.Name, conv, fc)
		}
	}
	// A depthwise conv (one group per channel).
	n, x := newNet("dw", 32)
	x = n.conv("pw", x, 8, 1, 1, 0, false)
	n.convDG("dw", x, 8, 3, 1, 1, 1, 8, true)
	if c, err := CompareConvFC(layerByName(t, n.done(), "dw")); err != nil || c.Weights != 8*9 || c.Conv != 80 {
		t.Errorf("depthwise: %+v, %v", c, err)
	}
}

func TestConvVsFCErrors(t *testing.T) {
	conv := layerByName(t, alexnetNet(), "features.3")
	for _, tc := range []struct {
		name string
		edit func(li *protocol.LayerInfo)
		want string
	}{
		{"relu", func(li *protocol.LayerInfo) { li.Kind = "relu" }, "is a relu layer, not a conv"},
		{"no input shape", func(li *protocol.LayerInfo) { li.InShape = nil }, "input shape [] unknown"},
		{"params", func(li *protocol.LayerInfo) { li.Params += 7 }, "is neither its 307200 weights nor those plus 192 biases"},
		{"groups", func(li *protocol.LayerInfo) { li.Group = 5 }, "do not split into 5 groups"},
		{"kernel", func(li *protocol.LayerInfo) { li.Kernel = nil }, "kernel []"},
	} {
		li := conv
		li.InShape = append([]int(nil), conv.InShape...)
		tc.edit(&li)
		_, err := CompareConvFC(li)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if c, f := ConvVsFC(li); c != 0 || f != 0 {
			t.Errorf("%s: ConvVsFC = %d, %d, want 0, 0", tc.name, c, f)
		}
	}
}
