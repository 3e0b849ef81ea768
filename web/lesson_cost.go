package web

import (
	"fmt"
	"sort"

	"convscope/web/lessons"

	"github.com/vugu/vugu"
)

// The cost lesson: where a network's parameters, arithmetic, activation
// memory and time go, layer by layer, as a bar chart (AlexNet keeps its
// parameters in the fc layers and spends its time in the convs).

// CostMeasure is one quantity the chart can show.
type CostMeasure struct {
	ID, Title, Unit string
}

// CostMeasures are the chart's choices.
var CostMeasures = []CostMeasure{
	{"params", "Parameters", "parameters"},
	{"macs", "Multiply-accumulates", "MACs"},
	{"bytes", "Activation memory", "bytes"},
	{"ms", "Measured time", "ms"},
}

// SetCostMeasure is the measure select's change event.
func (c *Lessons) SetCostMeasure(event vugu.DOMEvent) {
	v := event.PropString("target", "value")
	for _, m := range CostMeasures {
		if m.ID == v {
			c.CostMeasure = v
		}
	}
}

func (c *Lessons) measure() CostMeasure {
	for _, m := range CostMeasures {
		if m.ID == c.CostMeasure {
			return m
		}
	}
	return CostMeasures[0]
}

// costs are every layer's costs, with the last run's times and memory
// when there is one; computed once per model and run (read only).
func (c *Lessons) costs() []lessons.Cost {
	l, r := c.info(), c.result()
	if l != c.costsFor || r != c.costsRes || l == nil {
		c.costsFor, c.costsRes, c.costsList = l, r, lessons.Costs(l, r)
	}
	return c.costsList
}

// costValue is a layer's value of the chosen measure.
func costValue(k lessons.Cost, measure string) float64 {
	switch measure {
	case "macs":
		return float64(k.MACs)
	case "bytes":
		return float64(k.Bytes)
	case "ms":
		return k.Ms
	}
	return float64(k.Params)
}

// costBars are the layers with a non-zero value of the chosen measure
// (batch norm and ReLU have no MACs; the engine fuses them into the conv,
// so they have no time of their own).
func (c *Lessons) costBars() (names []string, values []float64) {
	m := c.measure().ID
	for _, k := range c.costs() {
		if v := costValue(k, m); v > 0 {
			names = append(names, k.Name)
			values = append(values, v)
		}
	}
	return names, values
}

// maxCostBars is the most bars the cost chart draws one per layer: 60
// rows of 18 px are about a screen. Past it (GoogLeNet has 115 layers with
// parameters, ResNet-152 311) the chart adds up each block instead.
const maxCostBars = 60

// costParts are the cost chart's bars per block, when the layers are too
// many for a bar each and the model has blocks to add them up in.
func (c *Lessons) costParts() ([]lessons.Part, bool) {
	names, _ := c.costBars()
	if len(names) <= maxCostBars {
		return nil, false
	}
	m := c.measure().ID
	parts := lessons.ByBlock(c.costs(), func(k lessons.Cost) float64 { return costValue(k, m) })
	return parts, len(parts) < len(names)
}

// CostText names the layers that dominate the chosen measure.
func (c *Lessons) CostText() string {
	m := c.measure()
	if m.ID == "ms" && c.result() == nil {
		return "The times are measured on a run: " + NeedsImage
	}
	names, values := c.costBars()
	if len(names) == 0 {
		return "No layer of this model has a " + m.Unit + " count."
	}
	total := 0.0
	idx := make([]int, len(values))
	for i, v := range values {
		total += v
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return values[idx[a]] > values[idx[b]] })
	top := idx[0]
	byKind := map[string]float64{}
	for _, k := range c.costs() {
		byKind[k.Kind] += costValue(k, m.ID)
	}
	kinds := ""
	for _, kind := range []string{"conv", "fc"} {
		if byKind[kind] > 0 {
			if kinds != "" {
				kinds += ", "
			}
			kinds += fmt.Sprintf("%s layers %.1f %%", kind, 100*byKind[kind]/total)
		}
	}
	return fmt.Sprintf("%s of %s, layer by layer: %s in all. The largest is %s with %s (%.1f %%); %s.",
		m.Title, c.info().Name, c.costAmount(m.ID, total), names[top], c.costAmount(m.ID, values[top]), 100*values[top]/total, kinds)
}

// costAmount formats a value of a measure.
func (c *Lessons) costAmount(measure string, v float64) string {
	switch measure {
	case "bytes":
		return Bytes(int64(v))
	case "ms":
		return Millis(v)
	case "macs":
		return Count(int64(v)) + " MACs"
	}
	return Group(int64(v)) + " parameters"
}

// CostCaption says where the numbers come from.
func (c *Lessons) CostCaption() string {
	s := "Learnable parameters of each layer (batch norm's scale and shift included)."
	switch c.measure().ID {
	case "ms":
		s = "Measured in this browser on the last run. The engine fuses batch norm and ReLU into the conv before them, so the conv's bar carries their time."
	case "bytes":
		s = "Memory of each layer's output for one image, in float32."
	case "macs":
		s = "Multiply-accumulates of each conv and fc layer for one image."
	}
	if parts, ok := c.costParts(); ok {
		names, _ := c.costBars()
		s += fmt.Sprintf(" %d layers are too many for a bar each: each bar adds up one block (residual block or inception module), %d bars in all; the numbers below list every layer.", len(names), len(parts))
	}
	return s
}

// CostChartAlt is the chart's text alternative.
func (c *Lessons) CostChartAlt() string {
	per := "layer"
	if _, ok := c.costParts(); ok {
		per = "block"
	}
	return fmt.Sprintf("Bar chart: %s per %s of %s", c.measure().Title, per, c.info().Name)
}
