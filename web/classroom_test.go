package web

import (
	"strings"
	"testing"

	"convscope/web/protocol"
)

func TestParseLink(t *testing.T) {
	l, problems, ok := ParseLink("#model=resnet20_cifar&sample=cat&layer=layer1.0.conv1&channel=3")
	if !ok || len(problems) != 0 || l != (Link{Model: "resnet20_cifar", Sample: "cat", Layer: "layer1.0.conv1", Channel: 3}) {
		t.Fatalf("ParseLink = %+v, %v, %v", l, problems, ok)
	}
	if got := l.Fragment(); got != "model=resnet20_cifar&sample=cat&layer=layer1.0.conv1&channel=3" {
		t.Errorf("Fragment = %q", got)
	}
	// Round trip of names that need escaping.
	odd := Link{Model: "a b&c", Sample: "x=y", Layer: "l#1", Channel: 0}
	if back, problems, ok := ParseLink(odd.Fragment()); !ok || len(problems) != 0 || back != odd {
		t.Errorf("round trip of %+v: %+v, %v", odd, back, problems)
	}
	for _, frag := range []string{"", "#", "#top", "#section-2"} {
		if _, problems, ok := ParseLink(frag); ok || len(problems) != 0 {
			t.Errorf("%q is not a link: ok %v, %v", frag, ok, problems)
		}
	}
	bad := []struct{ frag, want string }{
		{"model=x&channel=abc&layer=l", "not a whole number"},
		{"model=x&channel=-2&layer=l", "negative"},
		{"model=x&channel=2", "no layer"},
		{"model=x&colour=red", "does not know: colour"},
		{"model=x&model=y", "2 times"},
		{"model=%zz", "cannot be read"},
		{"model=" + strings.Repeat("a", 2000), "at most"},
	}
	for _, b := range bad {
		l, problems, _ := ParseLink(b.frag)
		if len(problems) == 0 || !strings.Contains(strings.Join(problems, " "), b.want) {
			t.Errorf("%.40q: problems %q, want one with %q", b.frag, problems, b.want)
		}
		if l.Channel >= 0 && strings.Contains(b.frag, "channel") {
			t.Errorf("%.40q: a bad channel was kept: %+v", b.frag, l)
		}
	}
}

func TestLinkValidation(t *testing.T) {
	list := tableModels()
	if _, p := linkModel(list, "resnet20_cifar"); p != "" {
		t.Errorf("available model refused: %s", p)
	}
	if _, p := linkModel(list, "vgg16"); !strings.Contains(p, "not on this server") {
		t.Errorf("model without a file: %q", p)
	}
	if _, p := linkModel(list, "nope"); !strings.Contains(p, "not one this page knows") {
		t.Errorf("unknown model: %q", p)
	}
	if s, p := linkSample("cifar10", "cat"); p != "" || s.URL != "samples/cifar10/cat.jpg" {
		t.Errorf("cifar10 cat: %+v %q", s, p)
	}
	if _, p := linkSample("cifar10", "eagle"); !strings.Contains(p, "not a CIFAR-10 sample") {
		t.Errorf("an ImageNet sample for a CIFAR-10 model: %q", p)
	}
	info := &protocol.Loaded{Name: "m", Layers: []protocol.LayerInfo{
		{Name: "conv1", Maps: true, Shape: []int{1, 16, 32, 32}},
		{Name: "flatten", Maps: false, Shape: []int{1, 64}},
	}}
	if ok, chOK, p := linkLayer(info, "conv1", 15); !ok || !chOK || p != "" {
		t.Errorf("conv1 channel 15: %v %v %q", ok, chOK, p)
	}
	if ok, chOK, p := linkLayer(info, "conv1", 16); !ok || chOK || !strings.Contains(p, "not one of the 16 channels") {
		t.Errorf("conv1 channel 16: %v %v %q", ok, chOK, p)
	}
	if ok, _, p := linkLayer(info, "flatten", -1); ok || !strings.Contains(p, "no feature maps") {
		t.Errorf("flatten: %v %q", ok, p)
	}
	if ok, _, p := linkLayer(info, "conv9", -1); ok || !strings.Contains(p, "not a layer of m") {
		t.Errorf("conv9: %v %q", ok, p)
	}
	if ok, _, _ := linkLayer(nil, "conv1", 0); ok {
		t.Error("a layer was accepted with no model loaded")
	}
}

func TestCurrentLink(t *testing.T) {
	root := &Root{Models: tableModels(), Selected: "resnet20_cifar", HasImage: true, ImageName: "cat", Layer: "conv1"}
	c := &Classroom{Root: root}
	if got := c.CurrentLink().Fragment(); got != "model=resnet20_cifar&sample=cat&layer=conv1" {
		t.Errorf("link = %q", got)
	}
	root.ViewerSelected(5)
	if got := c.CurrentLink().Fragment(); got != "model=resnet20_cifar&sample=cat&layer=conv1&channel=5" {
		t.Errorf("link with a channel = %q", got)
	}
	root.Layer = "conv2" // the enlarged channel was of another layer
	if got := c.CurrentLink().Fragment(); got != "model=resnet20_cifar&sample=cat&layer=conv2" {
		t.Errorf("link after a layer change = %q", got)
	}
	root.ImageName = "holiday.jpg" // the user's own image is never in a link
	if got := c.CurrentLink().Fragment(); got != "model=resnet20_cifar" {
		t.Errorf("link with a user's image = %q", got)
	}
}
