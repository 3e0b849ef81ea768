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
// when there is one.
func (c *Lessons) costs() []lessons.Cost { return lessons.Costs(c.info(), c.result()) }

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
	switch c.measure().ID {
	case "ms":
		return "Measured in this browser on the last run. The engine fuses batch norm and ReLU into the conv before them, so the conv's bar carries their time."
	case "bytes":
		return "Memory of each layer's output for one image, in float32."
	case "macs":
		return "Multiply-accumulates of each conv and fc layer for one image."
	}
	return "Learnable parameters of each layer (batch norm's scale and shift included)."
}

// CostChartAlt is the chart's text alternative.
func (c *Lessons) CostChartAlt() string {
	return fmt.Sprintf("Bar chart: %s per layer of %s", c.measure().Title, c.info().Name)
}
