package chart

import (
	"fmt"
	"math"
)

// Axis describes one value axis of a chart.
type Axis struct {
	Label string // what is measured, e.g. "parameters", "top-1 accuracy"
	Unit  string // appended to tick labels: "ms", "%", "B"; "" for counts
	// Log puts the axis on a logarithmic scale (powers of ten), for data
	// spanning orders of magnitude: a layer's parameters go from 0 to
	// 100 M. Values must then be > 0 (a bar chart also allows 0: no bar).
	Log bool
}

// scale maps data values onto pixels.
type scale struct {
	lo, hi float64 // domain
	log    bool
	step   float64 // linear tick step
	a, b   float64 // pixels of lo and hi
}

// newScale covers [min, max] with round ticks: a linear scale of about
// five 1-2-5 steps, or whole decades for a log scale (min > 0).
func newScale(min, max float64, log bool) (scale, error) {
	if math.IsNaN(min) || math.IsNaN(max) || math.IsInf(min, 0) || math.IsInf(max, 0) || min > max {
		return scale{}, fmt.Errorf("chart: bad value range %v..%v", min, max)
	}
	if log {
		if min <= 0 {
			return scale{}, fmt.Errorf("chart: a log axis needs values > 0, got %v", min)
		}
		lo, hi := math.Pow(10, math.Floor(math.Log10(min))), math.Pow(10, math.Ceil(math.Log10(max)))
		if hi <= lo {
			hi = lo * 10
		}
		return scale{lo: lo, hi: hi, log: true}, nil
	}
	span := max - min
	if span == 0 {
		span = math.Max(math.Abs(max), 1)
		if min == 0 {
			max = span
		} else {
			min, max = min-span/2, max+span/2
		}
	}
	step := niceStep(min, max, span)
	lo, hi := math.Floor(min/step)*step, math.Ceil(max/step)*step
	return scale{lo: lo, hi: hi, step: step}, nil
}

// maxSteps is the most tick intervals a linear axis gets: with the labels
// of a 440-unit axis, eight is where they start to crowd.
const maxSteps = 7

// niceStep is the smallest 1-2-5 step (times a power of ten) that covers
// min..max in at most maxSteps intervals: -6..6 gets steps of 2, not 5
// (which would stretch the axis to -10..10).
func niceStep(min, max, span float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(span/maxSteps)))
	for _, f := range []float64{1, 2, 5, 10, 20, 50} {
		step := f * mag
		if math.Ceil(max/step)-math.Floor(min/step) <= maxSteps {
			return step
		}
	}
	return 100 * mag // not reached: 50*mag >= 5*span/maxSteps covers any range
}

// at places the scale on pixels a (for lo) to b (for hi).
func (s scale) at(a, b float64) scale {
	s.a, s.b = a, b
	return s
}

// px is v's pixel; log scales put values <= 0 at lo's pixel.
func (s scale) px(v float64) float64 {
	if s.log {
		if v <= 0 {
			return s.a
		}
		return s.a + (math.Log10(v)-math.Log10(s.lo))/(math.Log10(s.hi)-math.Log10(s.lo))*(s.b-s.a)
	}
	return s.a + (v-s.lo)/(s.hi-s.lo)*(s.b-s.a)
}

// ticks are the values to label: every step, or every decade (every
// second, third, ... decade when there are more than eight).
func (s scale) ticks() []float64 {
	var out []float64
	if s.log {
		d0, d1 := int(math.Round(math.Log10(s.lo))), int(math.Round(math.Log10(s.hi)))
		every := (d1 - d0 + 7) / 8
		for d := d0; d <= d1; d += every {
			out = append(out, math.Pow(10, float64(d)))
		}
		return out
	}
	n := int(math.Round((s.hi - s.lo) / s.step))
	for i := 0; i <= n; i++ {
		v := s.lo + float64(i)*s.step
		if math.Abs(v) < s.step*1e-9 {
			v = 0 // no "-0" or 1e-17 from accumulated rounding
		}
		out = append(out, v)
	}
	return out
}
