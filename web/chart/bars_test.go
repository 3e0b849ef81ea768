package chart

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// vgg16Params are VGG16's parameters per layer in table order (conv,
// relu, pool, ..., the classifier): 40 rows, zeros included.
func vgg16Params() []Bar {
	var bars []Bar
	in, i := 3, 0
	for _, c := range []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0} {
		if c == 0 {
			bars = append(bars, Bar{Label: fmt.Sprintf("features.%d", i), Group: "maxpool"})
			i++
			continue
		}
		bars = append(bars,
			Bar{Label: fmt.Sprintf("features.%d", i), Value: float64(9*in*c + c), Group: "conv"},
			Bar{Label: fmt.Sprintf("features.%d", i+1), Group: "relu"})
		in, i = c, i+2
	}
	bars = append(bars, Bar{Label: "avgpool", Group: "avgpool"}, Bar{Label: "flatten", Group: "flatten"})
	for j, fc := range [][2]int{{25088, 4096}, {4096, 4096}, {4096, 1000}} {
		bars = append(bars, Bar{Label: fmt.Sprintf("classifier.%d", 3*j), Value: float64(fc[0]*fc[1] + fc[1]), Group: "fc"})
		if j < 2 {
			bars = append(bars, Bar{Label: fmt.Sprintf("classifier.%d", 3*j+1), Group: "relu"}, Bar{Label: fmt.Sprintf("classifier.%d", 3*j+2), Group: "dropout"})
		}
	}
	return bars
}

func TestBars(t *testing.T) {
	bars := vgg16Params()
	if len(bars) != 40 {
		t.Fatalf("%d VGG16 rows, want 40", len(bars))
	}
	var total float64
	for _, b := range bars {
		total += b.Value
	}
	if total != 138357544 {
		t.Fatalf("VGG16 rows hold %v params", total)
	}
	for _, horizontal := range []bool{true, false} {
		for _, log := range []bool{false, true} {
			name := fmt.Sprintf("horizontal=%v log=%v", horizontal, log)
			c := BarChart{Title: "VGG16: parameters per layer", Bars: bars, Category: "layer",
				Value: Axis{Label: "parameters", Log: log}, Horizontal: horizontal}
			out, err := Bars(c)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			again, _ := Bars(c)
			if again != out {
				t.Errorf("%s: two calls give different SVG", name)
			}
			root := checkCommon(t, out, c.Title)
			rects := root.all(hasAttr("rect", "data-value"))
			if len(rects) != len(bars) {
				t.Fatalf("%s: %d bars, want %d", name, len(rects), len(bars))
			}
			length := func(r *node) float64 {
				if horizontal {
					return num(t, r, "width")
				}
				return num(t, r, "height")
			}
			// The largest bar is the longest; zero bars have no length.
			var longest *node
			for i, r := range rects {
				if r.attr["data-label"] != bars[i].Label || num(t, r, "data-value") != bars[i].Value {
					t.Errorf("%s: bar %d is %s=%s, want %s=%v", name, i, r.attr["data-label"], r.attr["data-value"], bars[i].Label, bars[i].Value)
				}
				if bars[i].Value == 0 && length(r) != 0 {
					t.Errorf("%s: %s is 0 but %v long", name, bars[i].Label, length(r))
				}
				if longest == nil || length(r) > length(longest) {
					longest = r
				}
			}
			if longest.attr["data-label"] != "classifier.0" {
				t.Errorf("%s: longest bar %s, want classifier.0 (102.8M)", name, longest.attr["data-label"])
			}
			// Linear bars are proportional: classifier.0 / features.28
			// (features.0 is shorter than the 0.1-unit rounding).
			fc, conv := indexOf(t, bars, "classifier.0"), indexOf(t, bars, "features.28")
			if got := rects[fc].attr["data-value"]; got != "102764544" {
				t.Errorf("%s: classifier.0 data-value %q, want 102764544", name, got)
			}
			if !log {
				ratio := length(rects[fc]) / length(rects[conv])
				if want := bars[fc].Value / bars[conv].Value; math.Abs(ratio-want)/want > 0.02 {
					t.Errorf("%s: classifier.0 is %.1fx features.28, want %.1fx", name, ratio, want)
				}
			} else {
				// Log bars: ten times the value, the same extra length.
				a, b := length(rects[0]), length(rects[fc]) // 1,792 and 102,764,544
				perDecade := (b - a) / math.Log10(bars[fc].Value/bars[0].Value)
				c2 := length(rects[5]) // features.5: 73,856
				if want := a + perDecade*math.Log10(bars[5].Value/bars[0].Value); math.Abs(c2-want) > 0.5 {
					t.Errorf("%s: features.5 is %v long, a log scale puts it at %v", name, c2, want)
				}
			}
			all := texts(root)
			for _, want := range []string{"features.0", "classifier.6", "layer", "conv", "fc", "dropout"} {
				if !contains(all, want) {
					t.Errorf("%s: no text %q", name, want)
				}
			}
			axis := "parameters"
			if log {
				axis = "parameters (log scale)"
			}
			if !contains(all, axis) {
				t.Errorf("%s: no axis label %q", name, axis)
			}
			// Each bar's hover title has its exact value.
			if g := root.all(named("title")); !contains(textsOf(g), "classifier.0: 102,764,544") {
				t.Errorf("%s: no exact title for classifier.0", name)
			}
			if !strings.Contains(root.children[1].text, "Largest: classifier.0, 102,764,544") {
				t.Errorf("%s: desc %q", name, root.children[1].text)
			}
		}
	}
}

func indexOf(t *testing.T, bars []Bar, label string) int {
	t.Helper()
	for i, b := range bars {
		if b.Label == label {
			return i
		}
	}
	t.Fatalf("no bar %s", label)
	return -1
}

func textsOf(ns []*node) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.text)
	}
	return out
}

func TestBarsUnitsAndEscaping(t *testing.T) {
	label := `conv<3x3> & "ReLU" 'fused'`
	out, err := Bars(BarChart{Title: `Time <per> layer & "more"`, Value: Axis{Label: "time", Unit: "ms"},
		Bars: []Bar{{Label: label, Value: 12.5}, {Label: "fc", Value: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "<3x3>") || strings.Contains(out, `"ReLU"`) || strings.Contains(out, "<per>") {
		t.Error("unescaped text in the SVG")
	}
	root := checkCommon(t, out, `Time <per> layer & "more"`)
	if got := root.all(hasAttr("rect", "data-label"))[0].attr["data-label"]; got != label {
		t.Errorf("label came back as %q", got)
	}
	all := texts(root)
	if !contains(all, label) || !contains(all, "12.5 ms") || !contains(all, "0 ms") || !contains(all, "14 ms") {
		t.Errorf("texts %q: want the label, the value 12.5 ms and ticks 0 ms .. 14 ms", all)
	}
	// One group: no legend.
	if contains(all, "") {
		t.Error("a legend entry for the empty group")
	}
}

func TestBarsLongLabels(t *testing.T) {
	long := strings.Repeat("inception4e.branch2.1.", 3)
	out, err := Bars(BarChart{Title: "t", Bars: []Bar{{Label: long, Value: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	root := checkCommon(t, out, "t")
	for _, s := range texts(root) {
		if len([]rune(s)) > maxLabel {
			t.Errorf("visible label %q longer than %d", s, maxLabel)
		}
	}
	if !contains(textsOf(root.all(named("title"))), long+": 1") {
		t.Error("the hover title lost the full label")
	}
}

func TestBarsErrors(t *testing.T) {
	for _, tc := range []struct {
		c    BarChart
		want string
	}{
		{BarChart{Bars: []Bar{{Label: "a", Value: 1}}}, "needs a title"},
		{BarChart{Title: "t"}, "no bars"},
		{BarChart{Title: "t", Bars: []Bar{{Label: "a", Value: math.NaN()}}}, `bar "a" has value NaN`},
		{BarChart{Title: "t", Bars: []Bar{{Label: "a", Value: math.Inf(1)}}}, "+Inf"},
		{BarChart{Title: "t", Bars: []Bar{{Label: "a", Value: -1}}}, "value -1"},
	} {
		if _, err := Bars(tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
	// The smallest bar is a power of ten: it still has a length.
	out, err := Bars(BarChart{Title: "t", Bars: []Bar{{Label: "a", Value: 1000}, {Label: "b", Value: 1e6}}, Value: Axis{Log: true}, Horizontal: true})
	if err != nil {
		t.Fatal(err)
	}
	r := checkCommon(t, out, "t").all(hasAttr("rect", "data-value"))
	if a, b := num(t, r[0], "width"), num(t, r[1], "width"); a <= 0 || math.Abs(b/a-4) > 0.01 {
		t.Errorf("1,000 and 1,000,000 from 100 on a log axis: lengths %v and %v, want 1:4", a, b)
	}
	// All zeros on a log axis: empty bars, not an error.
	out, err = Bars(BarChart{Title: "t", Bars: []Bar{{Label: "relu", Value: 0}}, Value: Axis{Log: true}})
	if err != nil {
		t.Fatal(err)
	}
	if r := checkCommon(t, out, "t").all(hasAttr("rect", "data-value")); len(r) != 1 || r[0].attr["height"] != "0" {
		t.Errorf("zero bar: %v", r)
	}
}
