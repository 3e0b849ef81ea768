package chart

import (
	"errors"
	"fmt"
	"math"
)

// Point is one labelled point of a scatter plot.
type Point struct {
	Label string
	X, Y  float64
	Group string // colours the point; several groups get a legend
}

// ScatterChart plots labelled points, e.g. top-1 accuracy against MACs
// for every model.
type ScatterChart struct {
	Title  string // required: also the chart's accessible name
	Points []Point
	X, Y   Axis
}

// Scatter draws c. Coordinates must be finite, and > 0 on a log axis.
func Scatter(c ScatterChart) (string, error) {
	if c.Title == "" {
		return "", errors.New("chart: a scatter plot needs a title (it is its accessible name)")
	}
	if len(c.Points) == 0 {
		return "", fmt.Errorf("chart: %q has no points", c.Title)
	}
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	var groups []string
	gi := map[string]int{}
	for _, p := range c.Points {
		for _, v := range []float64{p.X, p.Y} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return "", fmt.Errorf("chart: %q: point %q at (%v, %v)", c.Title, p.Label, p.X, p.Y)
			}
		}
		if c.X.Log && p.X <= 0 || c.Y.Log && p.Y <= 0 {
			return "", fmt.Errorf("chart: %q: point %q at (%v, %v) cannot go on a log axis", c.Title, p.Label, p.X, p.Y)
		}
		xlo, xhi = math.Min(xlo, p.X), math.Max(xhi, p.X)
		ylo, yhi = math.Min(ylo, p.Y), math.Max(yhi, p.Y)
		if _, ok := gi[p.Group]; !ok {
			gi[p.Group] = len(groups)
			groups = append(groups, p.Group)
		}
	}
	if len(groups) == 1 {
		groups = nil
	}
	f, err := newFrame(c.Title, c.X, c.Y, xlo, xhi, ylo, yhi, groups)
	if err != nil {
		return "", err
	}
	var w svg
	w.open(f.width, f.height, c.Title, fmt.Sprintf("Scatter plot of %s against %s for %d points: %s.",
		orName(c.Y.Label, "y"), orName(c.X.Label, "x"), len(c.Points), pointList(c)))
	f.draw(&w)
	w.legend(f.pad, f.legendY, f.width-2*f.pad, groups, func(i int, x, cy float64) {
		w.raw(`<circle cx="` + coord(x+7) + `" cy="` + coord(cy) + `" r="4.5" fill="` + color(i) + `"/>`)
	})
	var taken []box
	for _, p := range c.Points {
		taken = append(taken, box{f.xs.px(p.X) - 5, f.ys.px(p.Y) - 5, 10, 10})
	}
	for _, p := range c.Points {
		x, y := f.xs.px(p.X), f.ys.px(p.Y)
		w.raw("<g><title>" + esc(fmt.Sprintf("%s: %s, %s", p.Label, Exact(p.X, c.X.Unit), Exact(p.Y, c.Y.Unit))) + "</title>")
		w.raw(`<circle cx="` + coord(x) + `" cy="` + coord(y) + `" r="4.5" fill="` + color(gi[p.Group]) + `" ` +
			attr("data-label", p.Label) + " " + attr("data-x", dataNum(p.X)) + " " + attr("data-y", dataNum(p.Y)) + "/></g>")
		lb := f.placeLabel(x, y, textWidth(p.Label, markSize), taken)
		taken = append(taken, lb)
		w.text(lb.x, lb.y+lb.h-1, markSize, "", p.Label)
	}
	return w.close(), nil
}

// box is a rectangle of the chart: x, y (top left), width, height.
type box struct{ x, y, w, h float64 }

func (a box) overlaps(b box) bool {
	return a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h
}

// placeLabel puts a label of width lw next to the point at (x, y): right
// of it, else left, above or below, whichever first stays inside the plot
// and clear of the points and labels placed so far (right of the point
// when none is).
func (f frame) placeLabel(x, y, lw float64, taken []box) box {
	h := float64(markSize)
	plot := box{f.xs.a, f.plotTop, f.xs.b - f.xs.a, f.bottom - f.plotTop}
	cands := []box{
		{x + 7, y - h/2, lw, h},
		{x - 7 - lw, y - h/2, lw, h},
		{x - lw/2, y - 7 - h, lw, h},
		{x - lw/2, y + 7, lw, h},
	}
	for _, c := range cands {
		inside := c.x >= plot.x && c.x+c.w <= plot.x+plot.w && c.y >= plot.y && c.y+c.h <= plot.y+plot.h
		clear := true
		for _, t := range taken {
			if c.overlaps(t) {
				clear = false
				break
			}
		}
		if inside && clear {
			return c
		}
	}
	if x > f.xs.a+0.7*(f.xs.b-f.xs.a) {
		return cands[1]
	}
	return cands[0]
}

// pointList lists the points for <desc>.
func pointList(c ScatterChart) string {
	s := ""
	for i, p := range c.Points {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%s at %s, %s", p.Label, Exact(p.X, c.X.Unit), Exact(p.Y, c.Y.Unit))
	}
	return s
}

// frame is the layout of a chart with two value axes.
type frame struct {
	xs, ys          scale
	xAxis, yAxis    Axis
	width, height   float64
	pad             float64
	plotTop, bottom float64 // the plot spans y plotTop..bottom
	legendY         float64
}

// newFrame lays out a plot of plotW x plotH for the given data ranges,
// with the title on top, the legend under the title, the y axis left and
// the x axis below.
func newFrame(title string, xa, ya Axis, xlo, xhi, ylo, yhi float64, legend []string) (frame, error) {
	const plotW, plotH, pad = 440.0, 280.0, 10.0
	xs, err := newScale(xlo, xhi, xa.Log)
	if err != nil {
		return frame{}, fmt.Errorf("chart: %q: x axis: %w", title, err)
	}
	ys, err := newScale(ylo, yhi, ya.Log)
	if err != nil {
		return frame{}, fmt.Errorf("chart: %q: y axis: %w", title, err)
	}
	left := pad + labelSize + 8 + ticksWidth(ys, ya.Unit) + 8
	right := max(pad+textWidth(Number(xs.hi, xa.Unit), tickSize)/2, 24)
	f := frame{xAxis: xa, yAxis: ya, pad: pad, width: left + plotW + right}
	f.legendY = 8 + titleSize + 10
	lh := legendHeight(f.width-2*pad, legend)
	if lh > 0 {
		lh += 6
	}
	f.plotTop = f.legendY + lh + 6
	f.bottom = f.plotTop + plotH
	f.height = f.bottom + 6 + tickSize + 10 + labelSize + pad
	f.xs, f.ys = xs.at(left, left+plotW), ys.at(f.bottom, f.plotTop)
	return f, nil
}

// draw draws both axes with their grids.
func (f frame) draw(w *svg) {
	w.xAxis(f.xs, f.bottom, f.plotTop, f.xAxis)
	w.yAxis(f.ys, f.xs.a, f.xs.b, f.pad+labelSize, f.yAxis)
}
