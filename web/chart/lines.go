package chart

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Series is one line of a line chart: points (X[i], Y[i]) joined in order
// (lessons.Curve has the same fields and converts to it).
type Series struct {
	Name string
	X, Y []float64
}

// LineChart plots several series with a legend, e.g. test accuracy per
// epoch of ResNet-20 and Plain-20, or ReLU and the sigmoid.
type LineChart struct {
	Title  string // required: also the chart's accessible name
	Series []Series
	X, Y   Axis
}

// markersUpTo is the most points per series that still get a dot each:
// a training curve's 30 epochs do, a function sampled at 200 points is a
// smooth line.
const markersUpTo = 60

// Lines draws c. Every series needs a name, at least one point and as
// many Y as X values, all finite (and > 0 on a log axis).
func Lines(c LineChart) (string, error) {
	if c.Title == "" {
		return "", errors.New("chart: a line chart needs a title (it is its accessible name)")
	}
	if len(c.Series) == 0 {
		return "", fmt.Errorf("chart: %q has no series", c.Title)
	}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		if s.Name == "" {
			return "", fmt.Errorf("chart: %q: series %d has no name (the legend needs one)", c.Title, i)
		}
		if len(s.X) == 0 || len(s.X) != len(s.Y) {
			return "", fmt.Errorf("chart: %q: series %q has %d x and %d y values", c.Title, s.Name, len(s.X), len(s.Y))
		}
		for j := range s.X {
			x, y := s.X[j], s.Y[j]
			if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
				return "", fmt.Errorf("chart: %q: series %q point %d is (%v, %v)", c.Title, s.Name, j, x, y)
			}
			if c.X.Log && x <= 0 || c.Y.Log && y <= 0 {
				return "", fmt.Errorf("chart: %q: series %q point %d (%v, %v) cannot go on a log axis", c.Title, s.Name, j, x, y)
			}
			xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
			ylo, yhi = math.Min(ylo, y), math.Max(yhi, y)
		}
		names[i] = s.Name
	}
	f, err := newFrame(c.Title, c.X, c.Y, xlo, xhi, ylo, yhi, names)
	if err != nil {
		return "", err
	}
	var w svg
	w.open(f.width, f.height, c.Title, lineDesc(c))
	f.draw(&w)
	w.legend(f.pad, f.legendY, f.width-2*f.pad, names, func(i int, x, cy float64) {
		w.line(x, cy, x+18, cy, color(i), `stroke-width="2.5"`, dashAttr(i))
	})
	for i, s := range c.Series {
		w.raw("<g><title>" + esc(seriesSummary(s, c.X, c.Y)) + "</title>")
		pts := make([]string, len(s.X))
		for j := range s.X {
			pts[j] = coord(f.xs.px(s.X[j])) + "," + coord(f.ys.px(s.Y[j]))
		}
		w.raw(`<polyline points="` + strings.Join(pts, " ") + `" fill="none" stroke="` + color(i) + `" stroke-width="2"` +
			` stroke-linejoin="round" ` + dashAttr(i) + " " + attr("data-series", s.Name) + "/>")
		if len(s.X) <= markersUpTo {
			for j := range s.X {
				w.raw(`<circle cx="` + coord(f.xs.px(s.X[j])) + `" cy="` + coord(f.ys.px(s.Y[j])) + `" r="2.5" fill="` + color(i) + `"/>`)
			}
		}
		w.raw("</g>")
	}
	return w.close(), nil
}

func dashAttr(i int) string {
	if d := dash(i); d != "" {
		return `stroke-dasharray="` + d + `"`
	}
	return ""
}

// seriesSummary is a series' hover title: where it starts, ends and peaks.
func seriesSummary(s Series, xa, ya Axis) string {
	top := 0
	for j := range s.Y {
		if s.Y[j] > s.Y[top] {
			top = j
		}
	}
	last := len(s.X) - 1
	return fmt.Sprintf("%s: %d points, from %s at %s to %s at %s, highest %s at %s", s.Name, len(s.X),
		Exact(s.Y[0], ya.Unit), Exact(s.X[0], xa.Unit), Exact(s.Y[last], ya.Unit), Exact(s.X[last], xa.Unit),
		Exact(s.Y[top], ya.Unit), Exact(s.X[top], xa.Unit))
}

func lineDesc(c LineChart) string {
	parts := make([]string, len(c.Series))
	for i, s := range c.Series {
		parts[i] = seriesSummary(s, c.X, c.Y)
	}
	return fmt.Sprintf("Line chart of %s against %s, %d series. %s.", orName(c.Y.Label, "y"), orName(c.X.Label, "x"), len(c.Series), strings.Join(parts, ". "))
}
