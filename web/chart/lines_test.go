package chart

import (
	"math"
	"strings"
	"testing"
)

func curves() []Series {
	var s []Series
	for k, fn := range []func(float64) float64{
		func(x float64) float64 { return math.Max(0, x) },
		func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
	} {
		c := Series{Name: []string{"ReLU", "sigmoid"}[k]}
		for i := range 201 {
			x := -6 + 12*float64(i)/200
			c.X, c.Y = append(c.X, x), append(c.Y, fn(x))
		}
		s = append(s, c)
	}
	return s
}

func TestLines(t *testing.T) {
	epochs := func(name string, acc ...float64) Series {
		s := Series{Name: name}
		for i, a := range acc {
			s.X, s.Y = append(s.X, float64(i+1)), append(s.Y, a)
		}
		return s
	}
	for _, tc := range []struct {
		c       LineChart
		markers int
		texts   []string
	}{
		{LineChart{Title: "Test accuracy per epoch", X: Axis{Label: "epoch"}, Y: Axis{Label: "test accuracy", Unit: "%"},
			Series: []Series{epochs("ResNet-20", 40.1, 52.3, 60.2, 64.8, 67.3), epochs("Plain-20", 35.2, 47.9, 55.0, 59.6, 62.1)}},
			10, []string{"ResNet-20", "Plain-20", "epoch", "test accuracy", "70%"}},
		// 201 samples per curve: smooth lines, no dots.
		{LineChart{Title: "ReLU and sigmoid", Series: curves(), X: Axis{Label: "x"}, Y: Axis{Label: "f(x)"}},
			0, []string{"ReLU", "sigmoid", "-6", "6", "x", "f(x)"}},
	} {
		out, err := Lines(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := Lines(tc.c); again != out {
			t.Errorf("%s: two calls give different SVG", tc.c.Title)
		}
		root := checkCommon(t, out, tc.c.Title)
		lines := root.all(named("polyline"))
		if len(lines) != len(tc.c.Series) {
			t.Fatalf("%s: %d polylines, want %d", tc.c.Title, len(lines), len(tc.c.Series))
		}
		for i, l := range lines {
			s := tc.c.Series[i]
			pts := strings.Fields(l.attr["points"])
			if l.attr["data-series"] != s.Name || len(pts) != len(s.X) || l.attr["fill"] != "none" {
				t.Errorf("%s: line %d is %q with %d points, want %q with %d", tc.c.Title, i, l.attr["data-series"], len(pts), s.Name, len(s.X))
			}
			if l.attr["stroke"] != Palette[i] {
				t.Errorf("%s: line %d stroke %s", tc.c.Title, i, l.attr["stroke"])
			}
		}
		// Told apart without colour too.
		if lines[0].attr["stroke-dasharray"] == lines[1].attr["stroke-dasharray"] {
			t.Errorf("%s: both lines have dashes %q", tc.c.Title, lines[0].attr["stroke-dasharray"])
		}
		if got := len(root.all(named("circle"))); got != tc.markers {
			t.Errorf("%s: %d markers, want %d", tc.c.Title, got, tc.markers)
		}
		all := texts(root)
		for _, want := range tc.texts {
			if !contains(all, want) {
				t.Errorf("%s: no text %q in %q", tc.c.Title, want, all)
			}
		}
	}
}

// TestLinesGeometry checks that the drawn points are the data: the
// ReLU line is flat left of 0 and rises one unit per unit right of it.
func TestLinesGeometry(t *testing.T) {
	out, err := Lines(LineChart{Title: "t", Series: curves()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	pts := strings.Fields(checkCommon(t, out, "t").all(named("polyline"))[0].attr["points"])
	xy := func(i int) (x, y float64) {
		var err error
		p := strings.Split(pts[i], ",")
		if x, err = parseF(p[0]); err == nil {
			y, err = parseF(p[1])
		}
		if err != nil {
			t.Fatalf("point %q: %v", pts[i], err)
		}
		return x, y
	}
	x0, y0 := xy(0)   // (-6, 0)
	xm, ym := xy(100) // (0, 0)
	x1, y1 := xy(200) // (6, 6)
	if y0 != ym || y1 >= ym || x0 >= xm || xm >= x1 {
		t.Errorf("ReLU drawn through (%v,%v) (%v,%v) (%v,%v)", x0, y0, xm, ym, x1, y1)
	}
}

func TestLinesErrors(t *testing.T) {
	for _, tc := range []struct {
		c    LineChart
		want string
	}{
		{LineChart{Series: curves()}, "needs a title"},
		{LineChart{Title: "t"}, "no series"},
		{LineChart{Title: "t", Series: []Series{{X: []float64{1}, Y: []float64{1}}}}, "has no name"},
		{LineChart{Title: "t", Series: []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{1}}}}, "2 x and 1 y values"},
		{LineChart{Title: "t", Series: []Series{{Name: "a"}}}, "0 x and 0 y values"},
		{LineChart{Title: "t", Series: []Series{{Name: "a", X: []float64{1}, Y: []float64{math.Inf(-1)}}}}, "point 0 is (1, -Inf)"},
		{LineChart{Title: "t", Series: []Series{{Name: "a", X: []float64{0}, Y: []float64{1}}}, X: Axis{Log: true}}, "cannot go on a log axis"},
	} {
		if _, err := Lines(tc.c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c.Title, err, tc.want)
		}
	}
}
