package chart

import (
	"math"
	"strconv"
	"strings"
)

// Number formats v for a tick label: three significant digits, with k, M,
// G and T for thousands, millions, billions and trillions (61.1M, 1.5G),
// followed by unit ("%" directly, other units after a space: "20 ms").
// Bytes (unit "B") take the prefix on the unit: "1.5 MB".
func Number(v float64, unit string) string {
	s := short(v)
	if unit == "B" {
		if n := len(s); n > 0 && strings.ContainsAny(s[n-1:], "kMGT") {
			return s[:n-1] + " " + s[n-1:] + "B"
		}
	}
	return withUnit(s, unit)
}

// Exact formats v in full for hover titles and descriptions: integers
// with thousands separators (37,752,832), other values with up to six
// significant digits.
func Exact(v float64, unit string) string {
	var s string
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		s = group(strconv.FormatInt(int64(math.Abs(v)), 10))
		if v < 0 {
			s = "-" + s
		}
	} else {
		s = strconv.FormatFloat(v, 'g', 6, 64)
	}
	return withUnit(s, unit)
}

func withUnit(s, unit string) string {
	switch unit {
	case "":
		return s
	case "%":
		return s + unit
	}
	return s + " " + unit
}

func short(v float64) string {
	a := math.Abs(v)
	for _, p := range []struct {
		scale  float64
		suffix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		// 999,950 rounds to 1000k at three digits: call it 1M.
		if a >= p.scale*0.9995 {
			return trimZeros(strconv.FormatFloat(v/p.scale, 'f', decimals(a/p.scale), 64)) + p.suffix
		}
	}
	if a == 0 {
		return "0"
	}
	if a < 0.001 {
		return strconv.FormatFloat(v, 'e', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// decimals keeps three significant digits of a value in [1, 1000).
func decimals(a float64) int {
	switch {
	case a >= 99.95:
		return 0
	case a >= 9.995:
		return 1
	}
	return 2
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func group(s string) string {
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// coord formats an SVG coordinate: 0.1 unit is finer than any screen
// shows, and fixed rounding keeps the output deterministic and short.
func coord(v float64) string {
	r := math.Round(v*10) / 10
	if r == 0 {
		r = 0 // not "-0"
	}
	return trimZeros(strconv.FormatFloat(r, 'f', 1, 64))
}

// dataNum writes a value for a data-* attribute: exact (it parses back to
// the same float64) and, for the sizes charts show, without an exponent
// (102764544, not 1.02764544e+08), so a test or a script reads it as is.
func dataNum(v float64) string {
	if a := math.Abs(v); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
