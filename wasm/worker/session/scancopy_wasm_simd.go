//go:build wasm && goexperiment.simd && !convscope_nosimd

package session

import "math"

// scanCopyMaps copies the maps of size values (scanCopyFits) of src into
// dst, one after the other, and adds each to t as t.add(dst's map) does on
// this build (scanAsm128: the same lanes, each map one block, so the same
// ranges, counts and sum to the bit), writing each map's range to lo and
// hi, until a map holds a NaN or an infinity: that map is copied, not
// added, and the number of maps added before it is returned (all of them
// otherwise). The loop is scanCopyMapsAsm, or with dst nil (no copy)
// scanMapsAsm.
var scanCopyMaps = func(dst, src []float32, size int, lo, hi []float32, t *tally) int {
	maps := len(src) / size
	if maps == 0 {
		return 0
	}
	// The bounds the loops do not check.
	_, _ = lo[maps-1], hi[maps-1]
	if dst != nil {
		_ = dst[maps*size-1]
	}
	acc := mapsAcc{
		sum: t.sum,
		mn:  [4]float32{math.MaxFloat32, math.MaxFloat32, math.MaxFloat32, math.MaxFloat32},
		mx:  [4]float32{-math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32},
	}
	var done int
	if dst != nil {
		done = scanCopyMapsAsm(&src[0], &dst[0], maps, size/8, &lo[0], &hi[0], &acc)
	} else {
		done = scanMapsAsm(&src[0], maps, size/8, &lo[0], &hi[0], &acc)
	}
	// tally.add's updates, map by map in order (the comparisons keep
	// the first value met).
	for k := range done {
		if lo[k] < t.lo {
			t.lo = lo[k]
		}
		if hi[k] > t.hi {
			t.hi = hi[k]
		}
	}
	t.sum = acc.sum
	t.finite += done * size
	t.zeros -= int(acc.zeros[0]) + int(acc.zeros[1]) + int(acc.zeros[2]) + int(acc.zeros[3])
	return done
}

// mapsAcc is what scanCopyMapsAsm reads and writes (offsets in its
// comment): the tally's sum, which each map's adds to in order; minus the
// zeros counted, by lane; the lanes' range before a map.
type mapsAcc struct {
	sum    float64
	zeros  [4]int32
	mn, mx [4]float32
}

// scanCopyMapsAsm is scanCopyMaps' loop (scancopy_wasm_simd.s): maps maps
// of n8 pairs of vectors from src, copied to dst, their ranges written to
// lo and hi; it returns the number of maps added to acc. Unchecked.
//
//go:noescape
func scanCopyMapsAsm(src, dst *float32, maps, n8 int, lo, hi *float32, acc *mapsAcc) int

// scanMapsAsm is scanCopyMapsAsm without the copy.
//
//go:noescape
func scanMapsAsm(src *float32, maps, n8 int, lo, hi *float32, acc *mapsAcc) int
