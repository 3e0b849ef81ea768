package lessons

import (
	"fmt"
	"strings"
	"testing"

	"convscope/web/protocol"
)

func TestWidths(t *testing.T) {
	str := func(w Width) string {
		return fmt.Sprintf("%dx%d %v by %s(%s) from %v", w.H, w.W, w.Channels, w.Reduce, w.ReduceKind, w.From)
	}
	for _, tc := range []struct {
		net  *protocol.Loaded
		want []string
	}{
		{vgg16Net(), []string{
			"224x224 [64 64] by () from [0 0]",
			"112x112 [128 128] by features.4(maxpool) from [224 224]",
			"56x56 [256 256 256] by features.9(maxpool) from [112 112]",
			"28x28 [512 512 512] by features.16(maxpool) from [56 56]",
			"14x14 [512 512 512] by features.23(maxpool) from [28 28]",
		}},
		{alexnetNet(), []string{
			"55x55 [64] by () from [0 0]",
			"27x27 [192] by features.2(maxpool) from [55 55]",
			"13x13 [384 256 256] by features.5(maxpool) from [27 27]",
		}},
		// ResNet halves the size with stride-2 convs (and the
		// shortcut's 1x1 projection is part of the stage).
		{resnet18Net(), []string{
			"112x112 [64] by () from [0 0]",
			"56x56 [64 64 64 64] by maxpool(maxpool) from [112 112]",
			"28x28 [128 128 128 128 128] by layer2.0.conv1(conv) from [56 56]",
			"14x14 [256 256 256 256 256] by layer3.0.conv1(conv) from [28 28]",
			"7x7 [512 512 512 512 512] by layer4.0.conv1(conv) from [14 14]",
		}},
		// GoogLeNet's stages are its modules' outputs, not the 1x1
		// convs inside them.
		{googlenetNet(), []string{
			"112x112 [64] by () from [0 0]",
			"56x56 [64 192] by maxpool1(maxpool) from [112 112]",
			"28x28 [256 480] by maxpool2(maxpool) from [56 56]",
			"14x14 [512 512 512 528 832] by maxpool3(maxpool) from [28 28]",
			"7x7 [832 1024] by maxpool4(maxpool) from [14 14]",
		}},
	} {
		w, err := Widths(tc.net)
		if err != nil {
			t.Fatalf("%s: %v", tc.net.Name, err)
		}
		var got []string
		for _, s := range w {
			got = append(got, str(s))
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %s\nwant %s", tc.net.Name, strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
		}
		if len(WidthSteps(tc.net)) != len(w) {
			t.Errorf("%s: WidthSteps disagrees with Widths", tc.net.Name)
		}
	}
	if w := WidthSteps(vgg16Net()); w[1].Out() != 128 || (Width{}).Out() != 0 {
		t.Errorf("Out: %d", w[1].Out())
	}
}

func TestWidthsErrors(t *testing.T) {
	l := vgg16Net()
	l.Layers[5].Inputs = []string{"gone"}
	if _, err := Widths(l); err == nil || !strings.Contains(err.Error(), `reads "gone"`) {
		t.Errorf("missing layer: %v", err)
	}
	if WidthSteps(l) != nil {
		t.Error("WidthSteps returned stages of a broken table")
	}
	l = vgg16Net()
	l.Layers[0].Shape = []int{1, 64}
	if _, err := Widths(l); err == nil || !strings.Contains(err.Error(), "not maps") {
		t.Errorf("2-D conv output: %v", err)
	}
}
