//go:build wasm && goexperiment.simd && !convscope_nosimd

package session

import (
	"math"
	"simd/archsimd"
)

// simd128Maps does four values at a time with WebAssembly SIMD128, the
// tail with the generic loops. The scan keeps each lane's range, counts
// and float32 sum (see scanned.sum), block by block; the quantization computes four
// vectors' bytes as int32 lanes, ORs them into one vector a byte apart and
// puts the sixteen bytes in order with one swizzle.
var simd128Maps = mapPath{name: "simd128", scan: scanSIMD128, quantize: quantizeSIMD128}

// asm128Maps is simd128Maps with the scan's loop over a block of finite
// values in WebAssembly assembly (scanBlockAsm): the same operations in
// the same order, so the same results to the bit, at about twice the
// speed (Node, cpu time a map: 32x32 0.74 us against 1.53, 8x8 0.13
// against 0.22, 16384 values 10.9 against 17.8).
var asm128Maps = mapPath{name: "asm128", scan: scanAsm128, quantize: quantizeSIMD128}

var simdMapPaths = []mapPath{simd128Maps, asm128Maps}

func scanSIMD128(m []float32) scanned {
	var zero archsimd.Float32x4
	mn := archsimd.BroadcastFloat32x4(math.MaxFloat32)
	mx := archsimd.BroadcastFloat32x4(-math.MaxFloat32)
	var zeros, finite archsimd.Int32x4 // minus the counts: a true lane of a mask is -1
	var sum float64
	i := 0
	for i+4 <= len(m) {
		start, end := i, min(len(m), i+scanBlock)&^3
		// A block of finite values, as nearly all are: comparisons and
		// selects (WebAssembly's f32x4.min and max order NaN and signed
		// zeros, which V8 pays for in several instructions each), and v-v
		// ORed to see at the end whether a value was not finite.
		var s archsimd.Float32x4
		var odd archsimd.Uint32x4
		bz, bmn, bmx := zeros, mn, mx
		for ; i < end; i += 4 {
			v := archsimd.LoadFloat32x4Array((*[4]float32)(m[i:]))
			bz = bz.Add(v.Equal(zero).ToInt32x4())
			odd = odd.Or(v.Sub(v).ToBits())
			bmn = v.IfElse(v.Less(bmn), bmn)
			bmx = v.IfElse(v.Greater(bmx), bmx)
			s = s.Add(v)
		}
		var o [4]uint32
		odd.StoreArray(&o)
		if o[0]|o[1]|o[2]|o[3] == 0 {
			zeros, mn, mx = bz, bmn, bmx
			finite = finite.Sub(archsimd.BroadcastInt32x4(int32(end-start) / 4))
		} else {
			// NaN or an infinity in the block: again, each value masked.
			s = zero
			for i = start; i < end; i += 4 {
				v := archsimd.LoadFloat32x4Array((*[4]float32)(m[i:]))
				zeros = zeros.Add(v.Equal(zero).ToInt32x4())
				f := v.Sub(v).Equal(zero) // finite: v-v is NaN for NaN and infinities
				finite = finite.Add(f.ToInt32x4())
				mn = v.IfElse(v.Less(mn).And(f), mn)
				mx = v.IfElse(v.Greater(mx).And(f), mx)
				s = s.Add(v.Masked(f))
			}
		}
		var l [4]float32
		s.StoreArray(&l)
		sum += float64(l[0]) + float64(l[1]) + float64(l[2]) + float64(l[3])
	}
	var z, f [4]int32
	var lo, hi [4]float32
	zeros.StoreArray(&z)
	finite.StoreArray(&f)
	mn.StoreArray(&lo)
	mx.StoreArray(&hi)
	r := scanGeneric(m[i:])
	r.sum += sum
	for k := range 4 {
		r.zeros -= int(z[k])
		r.finite -= int(f[k])
		if lo[k] < r.mn {
			r.mn = lo[k]
		}
		if hi[k] > r.mx {
			r.mx = hi[k]
		}
	}
	return r
}

// order puts the bytes of four int32 vectors ORed a byte apart (byte 4j+k
// holds vector k's lane j, value 4k+j of the sixteen) back in order.
var order = [16]int8{0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}

func quantizeSIMD128(dst []byte, m []float32, mn, scale float32) {
	n := len(m)
	dst = dst[:n]
	var zero archsimd.Float32x4
	lo := archsimd.BroadcastFloat32x4(mn)
	sc := archsimd.BroadcastFloat32x4(scale)
	half := archsimd.BroadcastFloat32x4(0.5)
	top := archsimd.BroadcastInt32x4(255)
	var none archsimd.Int32x4
	idx := archsimd.LoadInt8x16Array(&order)
	q := func(v archsimd.Float32x4) archsimd.Int32x4 {
		// The low byte, as the generic loop's byte(int32(x)): a value
		// outside [mn, mx] (none is when the range is the map's own) must
		// not spill into its neighbours' bytes.
		x := v.Sub(lo).Mul(sc).Add(half).ConvertToInt32().And(top)
		// Not finite: +Inf is 255, NaN and -Inf 0, as the generic loop.
		inf := top.IfElse(v.Greater(zero), none)
		return x.IfElse(v.Sub(v).Equal(zero), inf)
	}
	i := 0
	for ; i+16 <= n; i += 16 {
		a := q(archsimd.LoadFloat32x4Array((*[4]float32)(m[i:])))
		b := q(archsimd.LoadFloat32x4Array((*[4]float32)(m[i+4:])))
		c := q(archsimd.LoadFloat32x4Array((*[4]float32)(m[i+8:])))
		d := q(archsimd.LoadFloat32x4Array((*[4]float32)(m[i+12:])))
		w := a.Or(b.ShiftAllLeft(8)).Or(c.ShiftAllLeft(16)).Or(d.ShiftAllLeft(24))
		w.ToBits().ReshapeToUint8s().BitsToInt8().LookupOrZero(idx).ToBits().StoreArray((*[16]uint8)(dst[i:]))
	}
	quantizeGeneric(dst[i:], m[i:], mn, scale)
}

// scanRegs is what scanBlockAsm reads and writes (offsets in its comment):
// the lanes of scanSIMD128's vectors before a block (zeros, minus the
// counts, and the ranges) and after it, provisionally (bz, bmn, bmx, the
// block's float32 sum s and odd, the ORed v-v).
type scanRegs struct {
	zeros    [4]int32
	mn, mx   [4]float32
	bz       [4]int32
	bmn, bmx [4]float32
	s        [4]float32
	odd      [4]uint32
}

// scanBlockAsm is scanSIMD128's fast loop over n8 pairs of vectors from m
// (mapkernels_wasm_simd.s), unchecked.
//
//go:noescape
func scanBlockAsm(m *float32, n8 int, st *scanRegs)

// scanAsm128 is scanSIMD128, block by block, with each block's loop in
// scanBlockAsm (an odd last vector in Go) and the block of a NaN or an
// infinity again in Go, masked, as there.
func scanAsm128(m []float32) scanned {
	var zero archsimd.Float32x4
	st := scanRegs{
		mn: [4]float32{math.MaxFloat32, math.MaxFloat32, math.MaxFloat32, math.MaxFloat32},
		mx: [4]float32{-math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32},
	}
	finite := 0
	var sum float64
	i := 0
	for i+4 <= len(m) {
		start, end := i, min(len(m), i+scanBlock)&^3
		n4 := (end - start) / 4
		if n4 >= 2 {
			scanBlockAsm(&m[start], n4/2, &st)
		} else {
			st.bz, st.bmn, st.bmx, st.s, st.odd = st.zeros, st.mn, st.mx, [4]float32{}, [4]uint32{}
		}
		if n4%2 == 1 {
			v := archsimd.LoadFloat32x4Array((*[4]float32)(m[end-4:]))
			bmn := archsimd.LoadFloat32x4Array(&st.bmn)
			bmx := archsimd.LoadFloat32x4Array(&st.bmx)
			archsimd.LoadInt32x4Array(&st.bz).Add(v.Equal(zero).ToInt32x4()).StoreArray(&st.bz)
			archsimd.LoadUint32x4Array(&st.odd).Or(v.Sub(v).ToBits()).StoreArray(&st.odd)
			v.IfElse(v.Less(bmn), bmn).StoreArray(&st.bmn)
			v.IfElse(v.Greater(bmx), bmx).StoreArray(&st.bmx)
			archsimd.LoadFloat32x4Array(&st.s).Add(v).StoreArray(&st.s)
		}
		s := st.s
		if st.odd == [4]uint32{} {
			st.zeros, st.mn, st.mx = st.bz, st.bmn, st.bmx
			finite += end - start
		} else {
			// NaN or an infinity in the block: again, each value masked.
			zeros := archsimd.LoadInt32x4Array(&st.zeros)
			mn := archsimd.LoadFloat32x4Array(&st.mn)
			mx := archsimd.LoadFloat32x4Array(&st.mx)
			var fin archsimd.Int32x4 // minus the count
			var vs archsimd.Float32x4
			for k := start; k < end; k += 4 {
				v := archsimd.LoadFloat32x4Array((*[4]float32)(m[k:]))
				zeros = zeros.Add(v.Equal(zero).ToInt32x4())
				f := v.Sub(v).Equal(zero)
				fin = fin.Add(f.ToInt32x4())
				mn = v.IfElse(v.Less(mn).And(f), mn)
				mx = v.IfElse(v.Greater(mx).And(f), mx)
				vs = vs.Add(v.Masked(f))
			}
			zeros.StoreArray(&st.zeros)
			mn.StoreArray(&st.mn)
			mx.StoreArray(&st.mx)
			vs.StoreArray(&s)
			var f [4]int32
			fin.StoreArray(&f)
			finite -= int(f[0]) + int(f[1]) + int(f[2]) + int(f[3])
		}
		sum += float64(s[0]) + float64(s[1]) + float64(s[2]) + float64(s[3])
		i = end
	}
	r := scanGeneric(m[i:])
	r.sum += sum
	r.finite += finite
	for k := range 4 {
		r.zeros -= int(st.zeros[k])
		if st.mn[k] < r.mn {
			r.mn = st.mn[k]
		}
		if st.mx[k] > r.mx {
			r.mx = st.mx[k]
		}
	}
	return r
}
