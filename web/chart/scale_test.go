package chart

import (
	"fmt"
	"math"
	"testing"
)

func TestScaleTicks(t *testing.T) {
	for _, tc := range []struct {
		min, max float64
		log      bool
		want     string
	}{
		{-6, 6, false, "[-6 -4 -2 0 2 4 6]"},
		{0, 62.3e6, false, "[0 1e+07 2e+07 3e+07 4e+07 5e+07 6e+07 7e+07]"},
		{1, 30, false, "[0 5 10 15 20 25 30]"},
		{23.1, 71.4, false, "[20 30 40 50 60 70 80]"},
		{0, 0, false, "[0 0.2 0.4 0.6 0.8 1]"},
		{5, 5, false, "[2 3 4 5 6 7 8]"},
		{0, 0.25, false, "[0 0.05 0.1 0.15 0.2 0.25]"},
		{28, 1.2e8, true, "[10 100 1000 10000 100000 1e+06 1e+07 1e+08 1e+09]"},
		{3, 3, true, "[1 10]"},
		{1, 1e20, true, "[1 1000 1e+06 1e+09 1e+12 1e+15 1e+18]"}, // every third decade
	} {
		s, err := newScale(tc.min, tc.max, tc.log)
		if err != nil {
			t.Errorf("%v..%v: %v", tc.min, tc.max, err)
			continue
		}
		ticks := s.ticks()
		// Round away float noise (0.15000000000000002) for the comparison.
		for i := range ticks {
			ticks[i] = math.Round(ticks[i]*1e9) / 1e9
		}
		if got := fmt.Sprint(ticks); got != tc.want {
			t.Errorf("%v..%v log %v: ticks %s, want %s", tc.min, tc.max, tc.log, got, tc.want)
		}
		if s.lo > tc.min || s.hi < tc.max || len(ticks) > maxSteps+2 {
			t.Errorf("%v..%v: domain %v..%v with %d ticks", tc.min, tc.max, s.lo, s.hi, len(ticks))
		}
	}
	for _, bad := range [][2]float64{{math.NaN(), 1}, {0, math.Inf(1)}, {2, 1}} {
		if _, err := newScale(bad[0], bad[1], false); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	if _, err := newScale(0, 10, true); err == nil {
		t.Error("log scale from 0: no error")
	}
}

func TestScalePixels(t *testing.T) {
	s, _ := newScale(10, 1e4, true)
	s = s.at(100, 400) // 10..10^4 is three decades over 300 units
	for v, want := range map[float64]float64{10: 100, 100: 200, 1000: 300, 1e4: 400, 0: 100} {
		if got := s.px(v); math.Abs(got-want) > 1e-9 {
			t.Errorf("log px(%v) = %v, want %v", v, got, want)
		}
	}
	s, _ = newScale(0, 10, false)
	s = s.at(300, 100) // upward, as a y axis
	if s.px(0) != 300 || s.px(10) != 100 || s.px(5) != 200 {
		t.Errorf("linear px: %v %v %v", s.px(0), s.px(5), s.px(10))
	}
}
