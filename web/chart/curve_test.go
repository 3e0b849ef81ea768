package chart

import (
	"testing"

	"convscope/web/lessons"
)

// TestActivationLesson draws the ReLU-vs-sigmoid lesson's curves as the
// page does: lessons.Curve converts to Series field for field.
func TestActivationLesson(t *testing.T) {
	curves, err := lessons.ActivationCurves(-6, 6, 121)
	if err != nil {
		t.Fatal(err)
	}
	series := make([]Series, len(curves))
	for i, c := range curves {
		series[i] = Series(c)
	}
	out, err := Lines(LineChart{Title: "ReLU and sigmoid, with their derivatives", Series: series,
		X: Axis{Label: "input x"}, Y: Axis{Label: "output"}})
	if err != nil {
		t.Fatal(err)
	}
	root := checkCommon(t, out, "ReLU and sigmoid, with their derivatives")
	if n := len(root.all(named("polyline"))); n != 4 {
		t.Errorf("%d lines, want 4", n)
	}
	all := texts(root)
	for _, want := range []string{"ReLU", "ReLU derivative", "sigmoid", "sigmoid derivative"} {
		if !contains(all, want) {
			t.Errorf("no legend entry %q", want)
		}
	}
}
