package web

import (
	"slices"
	"strings"
	"testing"

	"convscope/web/protocol"
)

func tableModels() []ModelEntry {
	return []ModelEntry{
		{Name: "vgg16", Dataset: "imagenet", Depth: 16, Params: 138_357_544, ConvParams: 14_714_688, FCParams: 123_642_856, MACs: 15_470_264_320, Top1: 71.6, Top5: 90.4},
		{Name: "resnet20_cifar", Dataset: "cifar10", Depth: 20, Params: 272_474, MACs: 40_551_104, Top1: 67.3, Available: true, URL: "m/r.csm"},
		{Name: "mine", Dataset: "cifar10", Available: true, URL: "m/mine.csm"},
		{Name: "alexnet", Dataset: "imagenet", Depth: 8, Params: 61_100_840, MACs: 714_188_480, Top1: 56.5, Top5: 79.1},
	}
}

func names(ms []ModelEntry) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func TestSortModels(t *testing.T) {
	var lab Lab
	lab.Record(&protocol.Result{Model: "resnet20_cifar", RunMs: 3})
	lab.Record(&protocol.Result{Model: "alexnet", RunMs: 90})
	lab.Record(&protocol.Result{Model: "alexnet", RunMs: 70})
	lab.Record(&protocol.Result{Model: "alexnet", RunMs: 80})
	cases := []struct {
		key  string
		desc bool
		want []string
	}{
		{"", false, []string{"vgg16", "resnet20_cifar", "mine", "alexnet"}},
		{"params", true, []string{"vgg16", "alexnet", "resnet20_cifar", "mine"}},
		{"params", false, []string{"resnet20_cifar", "alexnet", "vgg16", "mine"}}, // unknown last both ways
		{"depth", false, []string{"alexnet", "vgg16", "resnet20_cifar", "mine"}},
		{"name", false, []string{"alexnet", "mine", "resnet20_cifar", "vgg16"}},
		{"ms", false, []string{"resnet20_cifar", "alexnet", "vgg16", "mine"}},
		{"top5", true, []string{"vgg16", "alexnet", "resnet20_cifar", "mine"}},
		{"fcshare", true, []string{"vgg16", "resnet20_cifar", "mine", "alexnet"}},
	}
	for _, c := range cases {
		if got := names(SortModels(tableModels(), &lab, c.key, c.desc)); !slices.Equal(got, c.want) {
			t.Errorf("sort by %q desc=%v: %v, want %v", c.key, c.desc, got, c.want)
		}
	}
	if ms, n := lab.Latency("alexnet"); ms != 80 || n != 3 {
		t.Errorf("alexnet latency = %v over %d runs, want the median 80 over 3", ms, n)
	}
}

func TestTableSortClicks(t *testing.T) {
	c := &Table{Root: &Root{Models: tableModels()}}
	c.BeforeBuild()
	if got := c.AriaSort("params"); got != "none" {
		t.Errorf("aria-sort before a click = %q", got)
	}
	c.SortBy(nil, "params")
	if c.AriaSort("params") != "descending" || c.AriaSort("name") != "none" {
		t.Errorf("after one click on Params: %q / %q", c.AriaSort("params"), c.AriaSort("name"))
	}
	c.SortBy(nil, "params")
	if c.AriaSort("params") != "ascending" {
		t.Errorf("a second click should reverse: %q", c.AriaSort("params"))
	}
	c.SortBy(nil, "name")
	if c.AriaSort("name") != "ascending" {
		t.Errorf("text columns sort A to Z first: %q", c.AriaSort("name"))
	}
	c.SortBy(nil, "nonsense")
	if c.SortKey != "name" {
		t.Errorf("an unknown column changed the order: %q", c.SortKey)
	}
}

func TestLabObserve(t *testing.T) {
	var lab Lab
	r := &protocol.Result{Model: "m", RunMs: 5}
	lab.observe(r)
	lab.observe(r) // the same result, rendered again
	lab.observe(&protocol.Result{Model: "m", RunMs: 7})
	if ms, n := lab.Latency("m"); n != 2 || ms != 6 {
		t.Errorf("latency %v over %d runs, want 6 over 2", ms, n)
	}
	for i := 0; i < 3*maxLatencies; i++ {
		lab.Record(&protocol.Result{Model: "m", RunMs: 1})
	}
	if _, n := lab.Latency("m"); n != maxLatencies {
		t.Errorf("%d runs kept, want %d", n, maxLatencies)
	}
}

func TestScatterPoints(t *testing.T) {
	var lab Lab
	pts, left := ScatterPoints(tableModels(), &lab, "imagenet", "macs")
	if len(pts) != 2 || len(left) != 0 || pts[0].Name != "vgg16" || pts[0].X != 15_470_264_320 || pts[0].Y != 71.6 {
		t.Errorf("imagenet by MACs: %+v, left out %v", pts, left)
	}
	pts, left = ScatterPoints(tableModels(), &lab, "cifar10", "ms")
	if len(pts) != 0 || !slices.Equal(left, []string{"resnet20_cifar", "mine"}) {
		t.Errorf("cifar10 by time, nothing run: %+v, left out %v", pts, left)
	}
	lab.Record(&protocol.Result{Model: "resnet20_cifar", RunMs: 2.5})
	pts, _ = ScatterPoints(tableModels(), &lab, "cifar10", "ms")
	if len(pts) != 1 || pts[0].X != 2.5 {
		t.Errorf("cifar10 by time after a run: %+v", pts)
	}
}

func TestShortSource(t *testing.T) {
	for in, want := range map[string]string{
		"": "-",
		"torchvision's documentation: its IMAGENET1K_V1 float32 weights on the ImageNet-1k validation set": "torchvision's documentation",
		"measured by convscope eval on the CIFAR-10 test split (8,000 images)":                             "measured by convscope eval",
		"the model file (it does not say where the figures come from)":                                     "the model file",
		"a very long source without any separator that goes on and on":                                     "a very long source without any separato...",
	} {
		if got := ShortSource(in); got != want {
			t.Errorf("ShortSource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTableSVG(t *testing.T) {
	c := &Table{Root: &Root{Models: tableModels()}, Dataset: "imagenet", Cost: "macs"}
	svg := string(c.SVG())
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, `data-label="vgg16"`) || !strings.Contains(svg, `data-label="alexnet"`) || strings.Contains(svg, "resnet20_cifar") {
		t.Errorf("ImageNet scatter: %.300s", svg)
	}
	c.Dataset, c.Cost = "cifar10", "ms"
	if svg := string(c.SVG()); strings.HasPrefix(svg, "<svg") {
		t.Errorf("a plot of times with no run: %.200s", svg)
	}
}
