package session

import (
	"math"

	"convscope/web/protocol"
)

// Quantize turns n equal-sized maps (values map after map) into bytes, each
// map on its own range: q = round((v - min) / (max - min) * 255). A constant
// map is all zeros. NaN counts as the map's minimum and infinities clamp, so
// a broken layer shows as a flat or saturated map instead of breaking the
// message (JSON has no NaN); min and max are over the finite values.
func Quantize(vals []float32, n int) (data []byte, lo, hi []float32) {
	data = make([]byte, len(vals))
	lo = make([]float32, n)
	hi = make([]float32, n)
	if n == 0 {
		return data, lo, hi
	}
	size := len(vals) / n
	for c := 0; c < n; c++ {
		m := vals[c*size : (c+1)*size]
		mn, mx := finiteRange(m)
		lo[c], hi[c] = mn, mx
		quantizeInto(data[c*size:(c+1)*size], m, mn, mx)
	}
	return data, lo, hi
}

// QuantizeStats is Quantize and summarise of the same values at once, for
// a layer whose maps are shown: one pass finds each map's range and the
// layer's statistics, a second writes the bytes, where the two apart took
// three (this runs on the engine worker alone for every layer of every
// Classify, while a split model's helpers wait at the next gather). The
// results are those of the two apart: the same bytes and ranges, the mean
// summed in the same order (only the sign of a zero range end may differ:
// Quantize's min and max builtins order -0 before 0, comparisons keep the
// first met).
func QuantizeStats(vals []float32, n int) (data []byte, lo, hi []float32, st protocol.LayerStat) {
	data = make([]byte, len(vals))
	lo = make([]float32, n)
	hi = make([]float32, n)
	t := newTally()
	if n == 0 || len(vals) == 0 {
		return data, lo, hi, t.stat(len(vals))
	}
	size := len(vals) / n
	for c := 0; c < n; c++ {
		m := vals[c*size : (c+1)*size]
		mn, mx, _ := t.add(m) // 0, 0 for a map with no finite value, as finiteRange
		lo[c], hi[c] = mn, mx
		quantizeInto(data[c*size:(c+1)*size], m, mn, mx)
	}
	return data, lo, hi, t.stat(len(vals))
}

// ScanStats is QuantizeStats without the bytes: each map's range and the
// statistics, the same values, for a layer whose maps are quantized later
// (QuantizeMaps), when they are viewed.
func ScanStats(vals []float32, n int) (lo, hi []float32, st protocol.LayerStat) {
	lo, hi, t := scanTally(vals, n)
	return lo, hi, t.stat(len(vals))
}

// scanTally is ScanStats with the tally.
func scanTally(vals []float32, n int) (lo, hi []float32, t tally) {
	lo = make([]float32, n)
	hi = make([]float32, n)
	return lo, hi, scanTallyInto(vals, lo, hi)
}

// scanTallyInto is scanTally into the caller's lo and hi (len(lo) maps).
func scanTallyInto(vals, lo, hi []float32) tally {
	n := len(lo)
	t := newTally()
	if n == 0 || len(vals) == 0 {
		return t
	}
	size := len(vals) / n
	for c := 0; c < n; c++ {
		lo[c], hi[c], _ = t.add(vals[c*size : (c+1)*size])
	}
	return t
}

// QuantizeMaps writes the bytes of len(lo) equal-sized maps on the ranges
// lo, hi that ScanStats (or Quantize) found for them: the bytes Quantize
// and QuantizeStats give.
func QuantizeMaps(vals []float32, lo, hi []float32) []byte {
	data := make([]byte, len(vals))
	if len(lo) == 0 {
		return data
	}
	size := len(vals) / len(lo)
	for c := range lo {
		quantizeInto(data[c*size:(c+1)*size], vals[c*size:(c+1)*size], lo[c], hi[c])
	}
	return data
}

// Patches turns conv weights (n, 3, kh, kw) into n RGBA patches of kw x kh,
// the three input channels as R, G, B, each filter scaled on its own range
// (over its three channels, so the colours keep their balance).
func Patches(w []float32, n, kh, kw int) (rgba []byte, lo, hi []float32) {
	size := 3 * kh * kw
	rgba = make([]byte, n*kh*kw*4)
	lo = make([]float32, n)
	hi = make([]float32, n)
	q := make([]byte, size)
	for f := 0; f < n; f++ {
		m := w[f*size : (f+1)*size]
		mn, mx := finiteRange(m)
		lo[f], hi[f] = mn, mx
		quantizeInto(q, m, mn, mx)
		out := rgba[f*kh*kw*4 : (f+1)*kh*kw*4]
		for p := 0; p < kh*kw; p++ {
			out[4*p] = q[p]
			out[4*p+1] = q[kh*kw+p]
			out[4*p+2] = q[2*kh*kw+p]
			out[4*p+3] = 255
		}
	}
	return rgba, lo, hi
}

// finiteRange returns the smallest and largest finite values (0, 0 when
// there are none).
func finiteRange(m []float32) (mn, mx float32) {
	r := bestMaps.scan(m)
	if r.finite == 0 {
		return 0, 0
	}
	return r.mn, r.mx
}

// quantizeInto sets dst[i] to the byte of m[i] in [mn, mx]:
// round((v-mn) * 255/(mx-mn)), in float32 on the path the session takes,
// so a byte may be one off the exact rounding where the exact value is
// within a few 1e-5 of a half. +Inf is 255, NaN and -Inf 0; a constant
// map is all zeros. A range float32 cannot scale (wider than float32's
// largest value, or so narrow that 255/(mx-mn) overflows) takes the
// float64 loop instead.
func quantizeInto(dst []byte, m []float32, mn, mx float32) {
	if mx <= mn {
		for i, v := range m {
			dst[i] = 0
			if math.IsInf(float64(v), 1) {
				dst[i] = 255
			}
		}
		return
	}
	if d := mx - mn; d-d == 0 && 255/d-255/d == 0 { // both finite
		bestMaps.quantize(dst, m, mn, 255/d)
		return
	}
	scale := 255 / (float64(mx) - float64(mn))
	dst = dst[:len(m)]
	for i, v := range m {
		// As quantizeGeneric, in float64.
		if v-v != 0 {
			dst[i] = 0
			if v > 0 {
				dst[i] = 255 // +Inf; NaN and -Inf are 0
			}
			continue
		}
		dst[i] = byte((float64(v)-float64(mn))*scale + 0.5)
	}
}
