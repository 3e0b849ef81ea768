package chart

import "testing"

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{0, "", "0"},
		{28, "", "28"},
		{999, "", "999"},
		{1000, "", "1k"},
		{1234, "", "1.23k"},
		{23296, "", "23.3k"},
		{999950, "", "1M"},
		{61100840, "", "61.1M"},
		{138357544, "", "138M"},
		{1.5e9, "", "1.5G"},
		{2.9e13, "", "29T"},
		{-4500, "", "-4.5k"},
		{0.25, "", "0.25"},
		{0.1 + 0.2, "", "0.3"},
		{1e-5, "", "1.0e-05"},
		{20, "ms", "20 ms"},
		{67.3, "%", "67.3%"},
		{4e6, "B", "4 MB"},
		{774400, "B", "774 kB"},
		{512, "B", "512 B"},
	} {
		if got := Number(tc.v, tc.unit); got != tc.want {
			t.Errorf("Number(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestExact(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{37752832, "", "37,752,832"},
		{-1234567, "", "-1,234,567"},
		{12, "ms", "12 ms"},
		{0.125, "ms", "0.125 ms"},
		{67.31, "%", "67.31%"},
		{2.9e16, "", "2.9e+16"},
	} {
		if got := Exact(tc.v, tc.unit); got != tc.want {
			t.Errorf("Exact(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestCoord(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 12.34: "12.3", 12.35: "12.4", -0.04: "0", 100: "100", 7.96: "8"} {
		if got := coord(v); got != want {
			t.Errorf("coord(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestDataNum(t *testing.T) {
	for v, want := range map[float64]string{102764544: "102764544", 0.1: "0.1", 67.3: "67.3", 0: "0", 1e-9: "1e-09", 2.5e22: "2.5e+22", -3: "-3"} {
		if got := dataNum(v); got != want {
			t.Errorf("dataNum(%v) = %q, want %q", v, got, want)
		}
	}
}
