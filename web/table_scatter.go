package web

import (
	"fmt"
	"strings"
)

// TablePoint is one model on the accuracy vs cost plot.
type TablePoint struct {
	Name string
	X, Y float64 // cost (MACs, parameters or milliseconds), top-1 in percent
}

// ScatterPoints returns the models of one dataset that have both a
// published top-1 and the chosen cost, and names the others (no accuracy
// published, or not run here yet for the time axis).
func ScatterPoints(models []ModelEntry, l *Lab, dataset, cost string) (pts []TablePoint, left []string) {
	for _, m := range models {
		if m.Dataset != dataset {
			continue
		}
		var x float64
		switch cost {
		case "params":
			x = float64(m.Params)
		case "ms":
			x, _ = l.Latency(m.Name)
		default:
			x = float64(m.MACs)
		}
		if x <= 0 || m.Top1 <= 0 {
			left = append(left, m.Name)
			continue
		}
		pts = append(pts, TablePoint{Name: m.Name, X: x, Y: m.Top1})
	}
	return pts, left
}

// costTitle is the x axis' title.
func costTitle(cost string) string {
	switch cost {
	case "params":
		return "Parameters"
	case "ms":
		return "Inference time in this browser (ms)"
	}
	return "Multiply-accumulates per image"
}

// Points are the scatter's points for the chosen dataset and cost.
func (c *Table) Points() []TablePoint {
	pts, _ := ScatterPoints(c.Root.Models, &c.Root.Lab, c.Dataset, c.Cost)
	return pts
}

// ScatterNote says which models the plot leaves out and why.
func (c *Table) ScatterNote() string {
	pts, left := ScatterPoints(c.Root.Models, &c.Root.Lab, c.Dataset, c.Cost)
	s := fmt.Sprintf("%d %s models plotted.", len(pts), DatasetTitle(c.Dataset))
	if len(left) > 0 {
		why := "no published accuracy"
		if c.Cost == "ms" {
			why = "not run in this browser yet, or no published accuracy"
		}
		s += fmt.Sprintf(" Left out (%s): %s.", why, strings.Join(left, ", "))
	}
	return s
}

// ScatterTitle is the plot's title.
func (c *Table) ScatterTitle() string {
	return fmt.Sprintf("%s top-1 accuracy vs %s", DatasetTitle(c.Dataset), strings.ToLower(costTitle(c.Cost)))
}
