package chart

import (
	"math"
	"strings"
	"testing"
)

// models are the built-in CIFAR-10 models (MACs from
// train/state_dicts.json, int8 top-1 from README) and torchvision's
// published ImageNet figures.
var models = []Point{
	{"resnet20_cifar", 40813184, 67.3, "cifar10"},
	{"plain20_cifar", 40551040, 71.4, "cifar10"},
	{"vgg_cifar", 38653952, 66.8, "cifar10"},
	{"googlenet_cifar", 58502912, 70.3, "cifar10"},
	{"alexnet_cifar", 73927168, 23.1, "cifar10"},
	{"alexnet", 714e6, 56.5, "imagenet"},
	{"vgg16", 15.5e9, 71.6, "imagenet"},
	{"googlenet", 1.5e9, 69.8, "imagenet"},
	{"resnet18", 1.81e9, 69.8, "imagenet"},
}

func TestScatter(t *testing.T) {
	c := ScatterChart{Title: "Top-1 accuracy against cost", Points: models,
		X: Axis{Label: "multiply-accumulates per image", Log: true}, Y: Axis{Label: "top-1 accuracy", Unit: "%"}}
	out, err := Scatter(c)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := Scatter(c); again != out {
		t.Error("two calls give different SVG")
	}
	root := checkCommon(t, out, c.Title)
	dots := root.all(hasAttr("circle", "data-label"))
	if len(dots) != len(models) {
		t.Fatalf("%d points, want %d", len(dots), len(models))
	}
	all := texts(root)
	for i, d := range dots {
		p := models[i]
		if d.attr["data-label"] != p.Label || num(t, d, "data-x") != p.X || num(t, d, "data-y") != p.Y {
			t.Errorf("point %d: %v, want %+v", i, d.attr, p)
		}
		if !contains(all, p.Label) {
			t.Errorf("no label %q", p.Label)
		}
	}
	// Log x: equal ratios, equal distances. y: higher accuracy, higher up.
	x := func(i int) float64 { return num(t, dots[i], "cx") }
	y := func(i int) float64 { return num(t, dots[i], "cy") }
	perDecade := (x(6) - x(5)) / math.Log10(models[6].X/models[5].X)
	if want := x(5) + perDecade*math.Log10(models[8].X/models[5].X); math.Abs(x(8)-want) > 0.3 {
		t.Errorf("resnet18 at x=%v, a log axis puts it at %v", x(8), want)
	}
	if !(y(6) < y(1) && y(1) < y(0) && y(0) < y(4)) {
		t.Errorf("y order: vgg16 %v, plain20 %v, resnet20 %v, alexnet_cifar %v", y(6), y(1), y(0), y(4))
	}
	for _, want := range []string{"10M", "100M", "1G", "10G", "100G", "20%", "80%", "top-1 accuracy", "multiply-accumulates per image (log scale)", "cifar10", "imagenet"} {
		if !contains(all, want) {
			t.Errorf("no text %q in %q", want, all)
		}
	}
	// googlenet and resnet18 share y = 69.8 and sit close: their labels
	// must not overlap.
	labels := map[string]box{}
	for _, n := range root.all(named("text")) {
		if n.attr["font-size"] == coord(markSize) {
			w := textWidth(n.text, markSize)
			x := num(t, n, "x")
			if n.attr["text-anchor"] == "end" {
				x -= w
			}
			labels[n.text] = box{x, num(t, n, "y") - markSize + 1, w, markSize}
		}
	}
	if a, b := labels["googlenet"], labels["resnet18"]; a.w == 0 || b.w == 0 || a.overlaps(b) {
		t.Errorf("googlenet label %+v and resnet18 label %+v overlap", a, b)
	}
	if !strings.Contains(root.children[1].text, "resnet20_cifar at 40,813,184, 67.3%") {
		t.Errorf("desc %q", root.children[1].text)
	}
}

func TestScatterLinear(t *testing.T) {
	out, err := Scatter(ScatterChart{Title: "t", Points: []Point{{"a", 0, 1, ""}, {"b", 10, -1, ""}}})
	if err != nil {
		t.Fatal(err)
	}
	root := checkCommon(t, out, "t")
	d := root.all(hasAttr("circle", "data-label"))
	if len(d) != 2 || num(t, d[0], "cx") >= num(t, d[1], "cx") || num(t, d[0], "cy") >= num(t, d[1], "cy") {
		t.Errorf("points %v %v", d[0].attr, d[1].attr)
	}
}

func TestScatterErrors(t *testing.T) {
	for _, tc := range []struct {
		c    ScatterChart
		want string
	}{
		{ScatterChart{Points: models}, "needs a title"},
		{ScatterChart{Title: "t"}, "no points"},
		{ScatterChart{Title: "t", Points: []Point{{"a", math.NaN(), 1, ""}}}, `point "a" at (NaN, 1)`},
		{ScatterChart{Title: "t", Points: []Point{{"a", 0, 1, ""}}, X: Axis{Log: true}}, "cannot go on a log axis"},
		{ScatterChart{Title: "t", Points: []Point{{"a", 1, -5, ""}}, Y: Axis{Log: true}}, "cannot go on a log axis"},
	} {
		if _, err := Scatter(tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
}
