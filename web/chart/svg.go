package chart

import (
	"encoding/xml"
	"strings"
)

// Text sizes in viewBox units, and the average advance of a sans-serif
// character as a fraction of the size (to reserve room for labels).
const (
	titleSize = 14
	labelSize = 12
	tickSize  = 11
	markSize  = 10
	charWidth = 0.6
)

// textWidth estimates the drawn width of s at size.
func textWidth(s string, size float64) float64 {
	return float64(len([]rune(s))) * size * charWidth
}

// esc escapes s for XML text and attribute values (quotes included);
// invalid UTF-8 and characters XML cannot hold become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writes to a strings.Builder never fail
	return b.String()
}

// svg accumulates one chart.
type svg struct {
	b strings.Builder
}

// open starts the document: the viewBox (no width or height, so the page
// sizes it), the accessible name, <title> and <desc>.
func (w *svg) open(width, height float64, title, desc string) {
	w.raw(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + coord(width) + " " + coord(height) + `"`)
	w.raw(` role="img" aria-label="` + esc(title) + `" font-family="sans-serif" fill="` + textColor + `">`)
	w.raw("<title>" + esc(title) + "</title>")
	w.raw("<desc>" + esc(desc) + "</desc>")
	w.raw(`<rect x="0" y="0" width="` + coord(width) + `" height="` + coord(height) + `" fill="#FFFFFF"/>`)
	if title != "" {
		w.text(width/2, 8+titleSize, titleSize, "middle", title, `font-weight="bold"`)
	}
}

func (w *svg) close() string {
	w.raw("</svg>")
	return w.b.String()
}

func (w *svg) raw(s string) { w.b.WriteString(s) }

// text draws s with its baseline at (x, y); extra is more attributes,
// already escaped.
func (w *svg) text(x, y, size float64, anchor, s string, extra ...string) {
	w.raw(`<text x="` + coord(x) + `" y="` + coord(y) + `" font-size="` + coord(size) + `"`)
	if anchor != "" && anchor != "start" {
		w.raw(` text-anchor="` + anchor + `"`)
	}
	for _, e := range extra {
		w.raw(" " + e)
	}
	w.raw(">" + esc(s) + "</text>")
}

func (w *svg) line(x1, y1, x2, y2 float64, stroke string, extra ...string) {
	w.raw(`<line x1="` + coord(x1) + `" y1="` + coord(y1) + `" x2="` + coord(x2) + `" y2="` + coord(y2) + `" stroke="` + stroke + `"`)
	for _, e := range extra {
		w.raw(" " + e)
	}
	w.raw("/>")
}

// attr is one escaped attribute.
func attr(name, value string) string { return name + `="` + esc(value) + `"` }

// xAxis draws a horizontal value axis along y (the plot spans top..y),
// with grid lines, tick labels below and the axis label under them.
func (w *svg) xAxis(s scale, y, top float64, ax Axis) {
	for _, t := range s.ticks() {
		x := s.px(t)
		w.line(x, top, x, y, gridColor)
		w.line(x, y, x, y+4, axisColor)
		w.text(x, y+6+tickSize, tickSize, "middle", Number(t, ax.Unit))
	}
	w.line(s.a, y, s.b, y, axisColor)
	w.text((s.a+s.b)/2, y+10+tickSize+labelSize+2, labelSize, "middle", axisTitle(ax))
}

// yAxis draws a vertical value axis along x (the plot spans x..right),
// tick labels left of it and the axis label turned upright at labelX.
func (w *svg) yAxis(s scale, x, right, labelX float64, ax Axis) {
	for _, t := range s.ticks() {
		y := s.px(t)
		w.line(x, y, right, y, gridColor)
		w.line(x-4, y, x, y, axisColor)
		w.text(x-6, y+tickSize/3, tickSize, "end", Number(t, ax.Unit))
	}
	w.line(x, s.a, x, s.b, axisColor)
	mid := (s.a + s.b) / 2
	w.text(labelX, mid, labelSize, "middle", axisTitle(ax), `transform="rotate(-90 `+coord(labelX)+" "+coord(mid)+`)"`)
}

// axisTitle is the axis label with its scale: "parameters (log scale)".
func axisTitle(ax Axis) string {
	t := ax.Label
	if ax.Log {
		if t != "" {
			t += " "
		}
		t += "(log scale)"
	}
	return t
}

// ticksWidth is the widest tick label of s.
func ticksWidth(s scale, unit string) float64 {
	wd := 0.0
	for _, t := range s.ticks() {
		wd = max(wd, textWidth(Number(t, unit), tickSize))
	}
	return wd
}

// legend draws swatches and names in rows from (x, y) within width and
// returns the height used. mark draws item i's swatch at (x, y-centre).
func (w *svg) legend(x, y, width float64, names []string, mark func(i int, x, cy float64)) float64 {
	if len(names) == 0 {
		return 0
	}
	const row, swatch = 18.0, 22.0
	cx, cy := x, y+row/2
	for i, n := range names {
		iw := swatch + textWidth(n, tickSize) + 14
		if cx > x && cx+iw > x+width {
			cx, cy = x, cy+row
		}
		mark(i, cx, cy)
		w.text(cx+swatch, cy+tickSize/3, tickSize, "", n)
		cx += iw
	}
	return cy + row/2 - y
}

// legendHeight is what legend will use, without drawing.
func legendHeight(width float64, names []string) float64 {
	var probe svg
	return probe.legend(0, 0, width, names, func(int, float64, float64) {})
}
