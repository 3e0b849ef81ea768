package web

import (
	"fmt"

	"convscope/web/chart"
	"convscope/web/lessons"
)

// The lessons' charts, drawn by package chart as SVG and shown through
// blob: URLs. Each is made again only when what it shows changes.

// barsURL draws a bar chart into slot; a chart that cannot be drawn (no
// bars) is no figure.
func (c *Lessons) barsURL(slot, key string, bc chart.BarChart) string {
	return c.svgURL(slot, key, func() string {
		s, err := chart.Bars(bc)
		if err != nil {
			return ""
		}
		return s
	})
}

// CostChartURL is the chosen measure per layer, coloured by layer kind.
func (c *Lessons) CostChartURL() string {
	l := c.info()
	if l == nil {
		return ""
	}
	m := c.measure()
	if m.ID == "ms" && c.result() == nil {
		return ""
	}
	key := fmt.Sprintf("%s|%s|%s", l.Name, m.ID, c.runKey())
	return c.svgURL("cost", key, func() string {
		var bars []chart.Bar
		for _, k := range c.costs() {
			if v := costValue(k, m.ID); v > 0 {
				bars = append(bars, chart.Bar{Label: k.Name, Value: v, Group: k.Kind})
			}
		}
		unit := ""
		switch m.ID {
		case "ms":
			unit = "ms"
		case "bytes":
			unit = "B"
		}
		s, err := chart.Bars(chart.BarChart{
			Title:      fmt.Sprintf("%s per layer of %s", m.Title, l.Name),
			Bars:       bars,
			Value:      chart.Axis{Label: m.Unit, Unit: unit},
			Horizontal: true,
		})
		if err != nil {
			return ""
		}
		return s
	})
}

// ZerosChartURL is the fraction of zeros after each ReLU, in percent.
func (c *Lessons) ZerosChartURL() string {
	zs, err := c.zeros()
	if err != nil || len(zs) == 0 {
		return ""
	}
	bars := make([]chart.Bar, len(zs))
	for i, z := range zs {
		bars[i] = chart.Bar{Label: z.Name, Value: 100 * z.Fraction}
	}
	return c.barsURL("zeros", c.runKey(), chart.BarChart{
		Title:      "Zeros after each ReLU on this image",
		Bars:       bars,
		Value:      chart.Axis{Label: "units exactly 0", Unit: "%"},
		Horizontal: true,
	})
}

// HeadsChartURL is every model's share of parameters in fc layers.
func (c *Lessons) HeadsChartURL() string {
	rows := c.HeadRows()
	if len(rows) == 0 {
		return ""
	}
	bars := make([]chart.Bar, len(rows))
	key := ""
	for i, r := range rows {
		bars[i] = chart.Bar{Label: r.Name, Value: r.Share}
		key += fmt.Sprintf("%s:%d/%d;", r.Name, r.FC, r.Params)
	}
	return c.barsURL("heads", key, chart.BarChart{
		Title:      "Share of parameters in fully connected layers",
		Bars:       bars,
		Value:      chart.Axis{Label: "fc parameters / all parameters", Unit: "%"},
		Horizontal: true,
	})
}

// ActivationChartURL plots ReLU, the sigmoid and their derivatives.
func (c *Lessons) ActivationChartURL() string {
	return c.svgURL("activations", "fixed", func() string {
		curves, err := lessons.ActivationCurves(-6, 6, 241)
		if err != nil {
			return ""
		}
		series := make([]chart.Series, len(curves))
		for i, k := range curves {
			series[i] = chart.Series(k)
		}
		s, err := chart.Lines(chart.LineChart{
			Title:  "ReLU and sigmoid, with their derivatives",
			Series: series,
			X:      chart.Axis{Label: "input x"},
			Y:      chart.Axis{Label: "output, slope"},
		})
		if err != nil {
			return ""
		}
		return s
	})
}

// TrainingChartURL plots the test accuracy per epoch of ResNet-20 and
// Plain-20 from their training records.
func (c *Lessons) TrainingChartURL() string {
	res, plain := c.curveRuns()
	if res == nil || plain == nil {
		return ""
	}
	return c.svgURL("training", "records", func() string {
		var series []chart.Series
		for _, r := range []*TrainingRun{res, plain} {
			s := chart.Series{Name: r.Net}
			for _, e := range r.Epochs {
				s.X = append(s.X, float64(e.Epoch))
				s.Y = append(s.Y, e.TestAcc)
			}
			series = append(series, s)
		}
		s, err := chart.Lines(chart.LineChart{
			Title:  "Test accuracy per epoch: ResNet-20 and Plain-20",
			Series: series,
			X:      chart.Axis{Label: "epoch"},
			Y:      chart.Axis{Label: "test accuracy", Unit: "%"},
		})
		if err != nil {
			return ""
		}
		return s
	})
}
