package web

import (
	"html"
	"strings"

	"convscope/web/chart"
)

// SVG is the accuracy vs cost scatter plot of the chosen dataset (inline
// SVG from web/chart), or a short HTML note when there is nothing to plot.
// Costs span orders of magnitude (AlexNet's 0.7 G MACs to VGG19's 19.6 G),
// so the cost axis is logarithmic.
func (c *Table) SVG() string {
	pts := c.Points()
	if len(pts) == 0 {
		return `<p class="status">Nothing to plot for this choice yet.</p>`
	}
	cp := make([]chart.Point, len(pts))
	for i, p := range pts {
		cp[i] = chart.Point{Label: p.Name, X: p.X, Y: p.Y}
	}
	x := chart.Axis{Label: strings.ToLower(costTitle(c.Cost)), Log: true}
	if c.Cost == "ms" {
		x.Label, x.Unit = "inference time in this browser", "ms"
	}
	svg, err := chart.Scatter(chart.ScatterChart{
		Title:  c.ScatterTitle(),
		Points: cp,
		X:      x,
		Y:      chart.Axis{Label: "top-1 accuracy", Unit: "%"},
	})
	if err != nil {
		return `<p class="status error">` + html.EscapeString(err.Error()) + `</p>`
	}
	return svg
}
