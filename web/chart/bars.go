package chart

import (
	"errors"
	"fmt"
	"math"
)

// Bar is one bar of a bar chart.
type Bar struct {
	Label string
	Value float64
	// Group colours the bar (bars of one group share a colour; the
	// groups get a legend when there are several), e.g. the layer kind.
	Group string
}

// BarChart is a bar chart of one value per label.
type BarChart struct {
	Title string // required: also the chart's accessible name
	Bars  []Bar
	Value Axis // the value axis
	// Category names what the bars are ("layer"), written over the
	// labels (horizontal) or under them (vertical).
	Category string
	// Horizontal draws one row per bar, labels on the left: the readable
	// layout for many long labels (VGG16's 40 layers). Otherwise bars
	// stand in columns with slanted labels.
	Horizontal bool
}

// Bars draws c. Values must be finite and >= 0 (costs); on a log axis a
// value of 0 draws no bar but keeps its label.
func Bars(c BarChart) (string, error) {
	if c.Title == "" {
		return "", errors.New("chart: a bar chart needs a title (it is its accessible name)")
	}
	if len(c.Bars) == 0 {
		return "", fmt.Errorf("chart: %q has no bars", c.Title)
	}
	lo, hi := math.Inf(1), 0.0
	var groups []string
	groupIndex := map[string]int{}
	for _, b := range c.Bars {
		if math.IsNaN(b.Value) || math.IsInf(b.Value, 0) || b.Value < 0 {
			return "", fmt.Errorf("chart: %q: bar %q has value %v (want a finite value >= 0)", c.Title, b.Label, b.Value)
		}
		if b.Value > 0 || !c.Value.Log {
			lo = math.Min(lo, b.Value)
		}
		hi = math.Max(hi, b.Value)
		if _, ok := groupIndex[b.Group]; !ok {
			groupIndex[b.Group] = len(groups)
			groups = append(groups, b.Group)
		}
	}
	switch {
	case !c.Value.Log:
		lo = 0 // bars start at zero, or their lengths lie
	case math.IsInf(lo, 1):
		lo, hi = 1, 10 // every bar is 0: an empty log axis
	default:
		// A log axis starts at the power of ten below the smallest bar;
		// a smallest bar of exactly 1,000 would start at 1,000 and have
		// no length, like a 0, so its axis starts at 100.
		lo *= 0.99
	}
	s, err := newScale(lo, hi, c.Value.Log)
	if err != nil {
		return "", fmt.Errorf("chart: %q: %w", c.Title, err)
	}
	if len(groups) == 1 {
		groups = nil // one colour needs no legend
	}
	if c.Horizontal {
		return horizontalBars(c, s, groups, groupIndex), nil
	}
	return verticalBars(c, s, groups, groupIndex), nil
}

// maxLabel is the longest label shown in full; longer ones are cut with an
// ellipsis (the bar's <title> keeps the whole label).
const maxLabel = 28

func shortLabel(s string) string {
	r := []rune(s)
	if len(r) <= maxLabel {
		return s
	}
	return string(r[:maxLabel-1]) + "…"
}

// barDesc summarises the bars for <desc>: count, largest and smallest.
func barDesc(c BarChart) string {
	big, small := c.Bars[0], c.Bars[0]
	for _, b := range c.Bars {
		if b.Value > big.Value {
			big = b
		}
		if b.Value < small.Value {
			small = b
		}
	}
	return fmt.Sprintf("Bar chart of %s for %d items. Largest: %s, %s. Smallest: %s, %s.",
		orName(c.Value.Label, "values"), len(c.Bars), big.Label, Exact(big.Value, c.Value.Unit), small.Label, Exact(small.Value, c.Value.Unit))
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// bar draws one bar with its hover title and data attributes.
func (w *svg) bar(b Bar, unit string, fill string, x, y, width, height float64) {
	w.raw(`<g><title>` + esc(b.Label+": "+Exact(b.Value, unit)) + `</title>`)
	w.raw(`<rect x="` + coord(x) + `" y="` + coord(y) + `" width="` + coord(math.Max(width, 0)) + `" height="` + coord(math.Max(height, 0)) +
		`" fill="` + fill + `" ` + attr("data-label", b.Label) + " " + attr("data-value", dataNum(b.Value)) + "/></g>")
}

func (w *svg) groupLegend(x, y, width float64, groups []string) {
	w.legend(x, y, width, groups, func(i int, x, cy float64) {
		w.raw(`<rect x="` + coord(x) + `" y="` + coord(cy-5) + `" width="14" height="10" fill="` + color(i) + `"/>`)
	})
}

func horizontalBars(c BarChart, s scale, groups []string, gi map[string]int) string {
	const plotW, rowH, barH, pad = 440.0, 18.0, 12.0, 10.0
	labelW := 0.0
	for _, b := range c.Bars {
		labelW = max(labelW, textWidth(shortLabel(b.Label), tickSize))
	}
	left := pad + labelW + 8
	valueW := 0.0
	for _, b := range c.Bars {
		valueW = max(valueW, textWidth(Number(b.Value, c.Value.Unit), markSize))
	}
	// The last tick label is centred on the plot's right edge.
	right := max(valueW+8, textWidth(Number(s.hi, c.Value.Unit), tickSize)/2) + pad
	width := left + plotW + right
	top := 8.0 + titleSize + 12
	legendH := legendHeight(width-2*pad, groups)
	if legendH > 0 {
		legendH += 6
	}
	plotTop := top + legendH
	if c.Category != "" {
		plotTop += labelSize + 4
	}
	plotH := float64(len(c.Bars)) * rowH
	height := plotTop + plotH + 6 + tickSize + 10 + labelSize + pad

	var w svg
	w.open(width, height, c.Title, barDesc(c))
	w.groupLegend(pad, top, width-2*pad, groups)
	s = s.at(left, left+plotW)
	w.xAxis(s, plotTop+plotH, plotTop, c.Value)
	for i, b := range c.Bars {
		y := plotTop + float64(i)*rowH + (rowH-barH)/2
		end := s.px(b.Value)
		if b.Value == 0 {
			end = left
		}
		w.bar(b, c.Value.Unit, color(gi[b.Group]), left, y, end-left, barH)
		w.text(left-6, y+barH-2, tickSize, "end", shortLabel(b.Label))
		w.text(end+4, y+barH-2, markSize, "", Number(b.Value, c.Value.Unit), `fill="`+axisColor+`"`)
	}
	if c.Category != "" {
		w.text(left-6, plotTop-4, labelSize, "end", c.Category, `font-style="italic"`)
	}
	w.line(left, plotTop, left, plotTop+plotH, axisColor)
	return w.close()
}

func verticalBars(c BarChart, s scale, groups []string, gi map[string]int) string {
	const plotH, pad = 260.0, 10.0
	n := float64(len(c.Bars))
	colW := math.Min(48, math.Max(12, 560/n))
	plotW := n * colW
	labelW := 0.0
	for _, b := range c.Bars {
		labelW = max(labelW, textWidth(shortLabel(b.Label), tickSize))
	}
	left := pad + labelSize + 8 + ticksWidth(s, c.Value.Unit) + 8
	// Slanted at 45 degrees, a label's width drops by sqrt(2) vertically
	// and spills left of its column by as much.
	slant := labelW / math.Sqrt2
	left = max(left, slant-colW/2+pad)
	width := left + plotW + pad
	top := 8.0 + titleSize + 12
	legendH := legendHeight(width-2*pad, groups)
	if legendH > 0 {
		legendH += 6
	}
	plotTop := top + legendH + markSize // room for the value over the tallest bar
	base := plotTop + plotH
	height := base + 8 + slant + tickSize + pad
	if c.Category != "" {
		height += labelSize + 6
	}

	var w svg
	w.open(width, height, c.Title, barDesc(c))
	w.groupLegend(pad, top, width-2*pad, groups)
	s = s.at(base, plotTop)
	w.yAxis(s, left, left+plotW, pad+labelSize, c.Value)
	showValues := colW >= 30 // narrower columns: values only on hover
	for i, b := range c.Bars {
		x := left + float64(i)*colW
		y := s.px(b.Value)
		if b.Value == 0 {
			y = base
		}
		w.bar(b, c.Value.Unit, color(gi[b.Group]), x+colW*0.15, y, colW*0.7, base-y)
		cx := x + colW/2
		ly := base + 8 + tickSize/2
		w.text(cx, ly, tickSize, "end", shortLabel(b.Label), `transform="rotate(-45 `+coord(cx)+" "+coord(ly)+`)"`)
		if showValues {
			w.text(cx, y-3, markSize, "middle", Number(b.Value, c.Value.Unit), `fill="`+axisColor+`"`)
		}
	}
	if c.Category != "" {
		w.text(left+plotW/2, height-pad, labelSize, "middle", c.Category, `font-style="italic"`)
	}
	w.line(left, base, left+plotW, base, axisColor)
	return w.close()
}
