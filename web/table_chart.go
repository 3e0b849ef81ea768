package web

import (
	"html"
	"slices"
	"strings"

	"convscope/web/chart"

	"github.com/vugu/vugu"
)

// SVG is the accuracy vs cost scatter plot of the chosen dataset (inline
// SVG from web/chart, which escapes every text it draws), or a short HTML
// note when there is nothing to plot. It is vugu.HTML because vg-html
// escapes a plain string.
// Costs span orders of magnitude (AlexNet's 0.7 G MACs to VGG19's 19.6 G),
// so the cost axis is logarithmic.
func (c *Table) SVG() vugu.HTML {
	pts := c.Points()
	if len(pts) == 0 {
		return vugu.HTML(`<p class="status">Nothing to plot for this choice yet.</p>`)
	}
	if c.svgOut != "" && c.svgCost == c.Cost && c.svgTitle == c.ScatterTitle() && slices.Equal(c.svgPts, pts) {
		return c.svgOut
	}
	c.svgOut, c.svgPts, c.svgCost, c.svgTitle = c.scatterSVG(pts), pts, c.Cost, c.ScatterTitle()
	return c.svgOut
}

// scatterSVG draws the plot of pts.
func (c *Table) scatterSVG(pts []TablePoint) vugu.HTML {
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
		return vugu.HTML(`<p class="status error">` + html.EscapeString(err.Error()) + `</p>`)
	}
	return vugu.HTML(svg)
}
