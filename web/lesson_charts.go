package web

import (
	"fmt"
	"strconv"

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
	// Parameters and MACs are the model's, not the run's: the same chart
	// after every pick (only a run the costs fail on changes it).
	run := c.runKey()
	if m.ID == "params" || m.ID == "macs" {
		run = strconv.FormatBool(c.costs() == nil)
	}
	key := fmt.Sprintf("%s|%s|%s", l.Name, m.ID, run)
	return c.svgURL("cost", key, func() string {
		var bars []chart.Bar
		per := "layer"
		if parts, ok := c.costParts(); ok {
			per = "block"
			for _, p := range parts {
				bars = append(bars, chart.Bar{Label: p.Name, Value: p.Value, Group: p.Kind})
			}
		} else {
			for _, k := range c.costs() {
				if v := costValue(k, m.ID); v > 0 {
					bars = append(bars, chart.Bar{Label: k.Name, Value: v, Group: k.Kind})
				}
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
			Title:      fmt.Sprintf("%s per %s of %s", m.Title, per, l.Name),
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

// ZerosChartURL is the fraction of zeros after each ReLU, in percent; per
// block when the ReLUs are too many for a bar each (see zerosBars).
func (c *Lessons) ZerosChartURL() string {
	zs, perBlock := c.zerosBars()
	if len(zs) == 0 {
		return ""
	}
	bars := make([]chart.Bar, len(zs))
	for i, z := range zs {
		bars[i] = chart.Bar{Label: z.Name, Value: 100 * z.Fraction}
	}
	title := "Zeros after each ReLU on this image"
	if perBlock {
		title = "Zeros after the ReLUs of each block on this image"
	}
	return c.barsURL("zeros", c.runKey(), chart.BarChart{
		Title:      title,
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

// actRange is the input range the activation chart plots, -actRange to
// actRange: wide enough for the sigmoid to flatten out, narrow enough that
// ReLU's line does not squash it.
const actRange = 4

// ActivationChartURL plots ReLU, the sigmoid and their derivatives.
func (c *Lessons) ActivationChartURL() string {
	return c.svgURL("activations", "fixed", func() string {
		curves, err := lessons.ActivationCurves(-actRange, actRange, 241)
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

// DataRow is one row of the table of numbers behind a chart: the chart is
// an image, and the table is its text for screen readers, for copying
// into notes, and for checking.
type DataRow struct {
	Label  string
	Values []string
	Raw    string // the first value, unformatted (data-value)
}

// CostData are the cost chart's bars.
func (c *Lessons) CostData() []DataRow {
	m := c.measure()
	if m.ID == "ms" && c.result() == nil {
		return nil
	}
	names, values := c.costBars()
	out := make([]DataRow, len(names))
	for i, n := range names {
		out[i] = DataRow{Label: n, Values: []string{c.costAmount(m.ID, values[i])}, Raw: strconv.FormatFloat(values[i], 'f', -1, 64)}
	}
	return out
}

// ZerosData are the zero fractions after each ReLU.
func (c *Lessons) ZerosData() []DataRow {
	zs, err := c.zeros()
	if err != nil {
		return nil
	}
	out := make([]DataRow, len(zs))
	for i, z := range zs {
		out[i] = DataRow{Label: z.Name, Values: []string{ShareText(100 * z.Fraction)}, Raw: strconv.FormatFloat(z.Fraction, 'f', -1, 64)}
	}
	return out
}

// HeadsData are the models' fc shares.
func (c *Lessons) HeadsData() []DataRow {
	rows := c.HeadRows()
	out := make([]DataRow, len(rows))
	for i, r := range rows {
		out[i] = DataRow{Label: r.Name, Values: []string{Group(r.FC), Group(r.Params), ShareText(r.Share)}, Raw: strconv.FormatInt(r.FC, 10)}
	}
	return out
}

// TrainingData are the test accuracies per epoch of the two runs.
func (c *Lessons) TrainingData() []DataRow {
	res, plain := c.curveRuns()
	if res == nil || plain == nil {
		return nil
	}
	acc := func(r *TrainingRun, epoch int) string {
		for _, e := range r.Epochs {
			if e.Epoch == epoch {
				return strconv.FormatFloat(e.TestAcc, 'f', 1, 64) + " %"
			}
		}
		return "-"
	}
	var out []DataRow
	n := max(len(res.Epochs), len(plain.Epochs))
	for i := 0; i < n; i++ {
		var epoch int
		if i < len(res.Epochs) {
			epoch = res.Epochs[i].Epoch
		} else {
			epoch = plain.Epochs[i].Epoch
		}
		out = append(out, DataRow{Label: strconv.Itoa(epoch), Values: []string{acc(res, epoch), acc(plain, epoch)}, Raw: strconv.Itoa(epoch)})
	}
	return out
}

// CostUnit is the cost table's value column heading.
func (c *Lessons) CostUnit() string { return c.measure().Title }
