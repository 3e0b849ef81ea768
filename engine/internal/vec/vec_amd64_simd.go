//go:build amd64 && goexperiment.simd && !convscope_nosimd

package vec

import (
	"math"
	"simd/archsimd"
	"unsafe"
)

// avx2 does eight float32 at a time with AVX2, avx512 sixteen with
// AVX-512 (the tail with the generic loop), for CPUs that have them; the
// others keep the generic loops. Add is the scalar add lane by lane, and
// ReLU keeps v unless v < 0, so the bits are the generic loops'. (The
// pixel-major GEMM sums a kernel tile into its scratch with Add once per
// KC slice; in scalar code that was a tenth of the kernel's time.)
//
// VMAXPS is not Go's max: it returns its second operand when either is NaN
// and when both are zeros of either sign. max8 and max16 fix both cases
// with two compares and blends, so the results have max's bits (NaN if
// either is NaN, +0 over -0), which TestPaths checks.
var (
	avx2   = Path{Name: "avx2", Add: addAVX2, Relu: reluAVX2, AddRelu: addReluAVX2, Max: maxAVX2, Max3: max3AVX2, MaxS2: maxS2Generic}
	avx512 = Path{Name: "avx512", Add: addAVX512, Relu: reluAVX512, AddRelu: addReluAVX512, Max: maxAVX512, Max3: max3AVX512, MaxS2: maxS2AVX512}
)

// simdPaths are avx2 and avx512 as far as the CPU has them, fastest last.
var simdPaths = amd64Paths()

func amd64Paths() []Path {
	var ps []Path
	if archsimd.X86.AVX2() {
		ps = append(ps, avx2)
	}
	if archsimd.X86.AVX512() {
		ps = append(ps, avx512)
	}
	return ps
}

func load8(s []float32, i int) archsimd.Float32x8 {
	return archsimd.LoadFloat32x8Array((*[8]float32)(s[i:]))
}

func addAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		load8(a, i).Add(load8(b, i)).StoreArray((*[8]float32)(dst[i:]))
	}
	addGeneric(dst[i:], a[i:], b[i:])
	archsimd.ClearAVXUpperBits()
}

func reluAVX2(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	var zero archsimd.Float32x8
	i := 0
	for ; i+8 <= n; i += 8 {
		v := load8(src, i)
		zero.IfElse(v.Less(zero), v).StoreArray((*[8]float32)(dst[i:]))
	}
	reluGeneric(dst[i:], src[i:])
	archsimd.ClearAVXUpperBits()
}

// addReluAVX2 is the add lane by lane, then the ReLU's comparison. In
// scalar code the fused residual's second pass cost more than the
// vectorised Add and Relu passes it replaced (ResNet-50, 1 worker).
func addReluAVX2(c, r []float32, relu bool) {
	n := len(c)
	r = r[:n]
	var zero archsimd.Float32x8
	i := 0
	for ; i+8 <= n; i += 8 {
		v := load8(c, i).Add(load8(r, i))
		if relu {
			v = zero.IfElse(v.Less(zero), v)
		}
		v.StoreArray((*[8]float32)(c[i:]))
	}
	addReluGeneric(c[i:], r[i:], relu)
	archsimd.ClearAVXUpperBits()
}

// max8 is max(x, y) lane by lane with Go's max's bits.
func max8(x, y archsimd.Float32x8) archsimd.Float32x8 {
	r := x.Max(y)
	// Equal values: x AND y, which is x unless they are zeros of both
	// signs, where it is +0.
	r = x.AsInt32x8().And(y.AsInt32x8()).AsFloat32x8().IfElse(x.Equal(y), r)
	r = x.IfElse(x.NotEqual(x), r)
	return y.IfElse(y.NotEqual(y), r)
}

func maxAVX2(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		max8(load8(a, i), load8(b, i)).StoreArray((*[8]float32)(dst[i:]))
	}
	maxGeneric(dst[i:], a[i:], b[i:])
	archsimd.ClearAVXUpperBits()
}

func max3AVX2(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		max8(max8(load8(a, i), load8(b, i)), load8(c, i)).StoreArray((*[8]float32)(dst[i:]))
	}
	max3Generic(dst[i:], a[i:], b[i:], c[i:])
	archsimd.ClearAVXUpperBits()
}

func load16(s []float32, i int) archsimd.Float32x16 {
	return archsimd.LoadFloat32x16Array((*[16]float32)(s[i:]))
}

func addAVX512(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		load16(a, i).Add(load16(b, i)).StoreArray((*[16]float32)(dst[i:]))
	}
	addGeneric(dst[i:], a[i:], b[i:])
	archsimd.ClearAVXUpperBits()
}

func reluAVX512(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	var zero archsimd.Float32x16
	i := 0
	for ; i+16 <= n; i += 16 {
		v := load16(src, i)
		zero.IfElse(v.Less(zero), v).StoreArray((*[16]float32)(dst[i:]))
	}
	reluGeneric(dst[i:], src[i:])
	archsimd.ClearAVXUpperBits()
}

func addReluAVX512(c, r []float32, relu bool) {
	n := len(c)
	r = r[:n]
	var zero archsimd.Float32x16
	i := 0
	for ; i+16 <= n; i += 16 {
		v := load16(c, i).Add(load16(r, i))
		if relu {
			v = zero.IfElse(v.Less(zero), v)
		}
		v.StoreArray((*[16]float32)(c[i:]))
	}
	addReluGeneric(c[i:], r[i:], relu)
	archsimd.ClearAVXUpperBits()
}

// max16 is max8 on sixteen lanes.
func max16(x, y archsimd.Float32x16) archsimd.Float32x16 {
	r := x.Max(y)
	r = x.AsInt32x16().And(y.AsInt32x16()).AsFloat32x16().IfElse(x.Equal(y), r)
	r = x.IfElse(x.NotEqual(x), r)
	return y.IfElse(y.NotEqual(y), r)
}

func maxAVX512(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		max16(load16(a, i), load16(b, i)).StoreArray((*[16]float32)(dst[i:]))
	}
	if i < n {
		max16(part16(a, i), part16(b, i)).StorePart(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
}

func max3AVX512(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		max16(max16(load16(a, i), load16(b, i)), load16(c, i)).StoreArray((*[16]float32)(dst[i:]))
	}
	if i < n {
		max16(max16(part16(a, i), part16(b, i)), part16(c, i)).StorePart(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
}

// s2Even and s2Odd pick the even and the odd lanes of two concatenated
// Float32x16 (VPERMT2PS indices 0-31). Arrays, loaded by the function that
// uses them: a vector variable's initializer would run an AVX-512
// instruction on every CPU.
var (
	s2Even = [16]uint32{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}
	s2Odd  = [16]uint32{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}
)

// maxS2AVX512 takes 16 windows at a time: v[32j : 32j+32] split into its
// even and odd values (the windows' first and second taps), and
// v[32j+2 : 32j+34] into its even ones (the third taps), each by one
// two-source permute; then max16 as Max3 does.
func maxS2AVX512(dst, v []float32) {
	n := len(dst)
	v = v[:2*n+1]
	even, odd := archsimd.LoadUint32x16Array(&s2Even), archsimd.LoadUint32x16Array(&s2Odd)
	i := 0
	// The third taps' load reads v[2i+2 : 2i+34]: inside v while 2i+34
	// <= 2n+1.
	for ; 2*i+34 <= 2*n+1; i += 16 {
		a, b := load16(v, 2*i), load16(v, 2*i+16)
		c, d := load16(v, 2*i+2), load16(v, 2*i+18)
		t0 := a.ConcatPermute(b, even)
		t1 := a.ConcatPermute(b, odd)
		t2 := c.ConcatPermute(d, even)
		max16(max16(t0, t1), t2).StoreArray((*[16]float32)(dst[i:]))
	}
	if i < n {
		// At most 16 windows are left: the same with masked loads.
		a, b := part16(v, 2*i), part16(v, 2*i+16)
		c, d := part16(v, 2*i+2), part16(v, 2*i+18)
		t0 := a.ConcatPermute(b, even)
		t1 := a.ConcatPermute(b, odd)
		t2 := c.ConcatPermute(d, even)
		max16(max16(t0, t1), t2).StorePart(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
}

// part16 loads s[i:i+16] as far as s goes (i may be past its end), zeros
// beyond: the tails of Max, Max3 and MaxS2 in one masked vector, where a
// scalar loop (Go's max, branching on NaN and zeros per value) took as long
// as the vector body on MaxPool's rows of 56 or 28 values.
func part16(s []float32, i int) archsimd.Float32x16 {
	v, _ := archsimd.LoadFloat32x16Part(s[min(i, len(s)):])
	return v
}

func init() {
	if archsimd.X86.AVX512() {
		maxPoolS2Plane = maxPoolS2AVX512
		maxPool3x3S1Plane = maxPool3x3S1AVX512
	}
}

// ld16 loads the 16 values at p + 4i bytes; the caller has checked that
// they lie in one slice.
func ld16(p unsafe.Pointer, i int) archsimd.Float32x16 {
	return archsimd.LoadFloat32x16Array((*[16]float32)(unsafe.Add(p, 4*i)))
}

func st16(v archsimd.Float32x16, p unsafe.Pointer, i int) {
	v.StoreArray((*[16]float32)(unsafe.Add(p, 4*i)))
}

// fmax2 and fmax3 are max16 of two and three vectors for inputs without
// NaN: VMAXPS gives the maximum but, for zeros of both signs, either; the
// maximum's sign bit is the AND of the inputs' (it is negative, or -0,
// only when all are), its other bits are VMAXPS's. Two or three
// instructions (VPTERNLOGD) instead of max16's seven for each pair; the
// caller checks for NaN (sumNaN).
func fmax2(a, b archsimd.Float32x16, mag archsimd.Int32x16) archsimd.Float32x16 {
	m := a.Max(b).AsInt32x16()
	return m.And(a.AsInt32x16().And(b.AsInt32x16()).Or(mag)).AsFloat32x16()
}

func fmax3(a, b, c archsimd.Float32x16, mag archsimd.Int32x16) archsimd.Float32x16 {
	m := a.Max(b).Max(c).AsInt32x16()
	return m.And(a.AsInt32x16().And(b.AsInt32x16()).And(c.AsInt32x16()).Or(mag)).AsFloat32x16()
}

// maxPoolS2AVX512 is MaxPoolS2: for every output row, the maximum of its
// window's input rows (two or three, fewer at the border) goes into vp
// between -Inf in the padding, and every output's two or three columns are
// taken from vp at stride 2 by two-source permutes, as maxS2AVX512 does.
// One call runs all the planes of a worker, with the loads and stores at
// offsets checked once per call: as a call per row through Max3 and MaxS2
// the loop bookkeeping (slice bounds, a call and VZEROUPPER per row) took
// as much time as the vector work.
//
// The maxima are fmax2 and fmax3 while the row's inputs hold no NaN: the
// vertical pass also sums its inputs (one add each), and where that sum
// is NaN (a NaN, or infinities of both signs, or an overflow) the row is
// redone with max16, which has max's bits for any input. The horizontal
// pass of a clean row reads no NaN (vp's -Inf padding is fine).
func maxPoolS2AVX512(dst, src, vp []float32, planes, h, w, oh, ow, pt, pl, k int) {
	if planes <= 0 || oh <= 0 || ow <= 0 {
		return
	}
	// Padded columns 0 .. wp-1 hold every window of a row; input columns
	// past n lie in none (floor mode).
	wp := 2*ow + k - 2
	n := min(w, max(0, wp-pl))
	need := MaxPoolS2Scratch(ow)
	if (k != 2 && k != 3) || pl < 0 || pl >= k || pt < 0 || h <= 0 || w <= 0 ||
		len(vp) < need || len(src) < planes*h*w || len(dst) < planes*oh*ow {
		panic("vec: MaxPoolS2: bad geometry")
	}
	vp = vp[:need]
	negInf := float32(math.Inf(-1))
	for i := range vp[:pl] {
		vp[i] = negInf
	}
	for i := pl + n; i < need; i++ {
		vp[i] = negInf
	}
	even, odd := archsimd.LoadUint32x16Array(&s2Even), archsimd.LoadUint32x16Array(&s2Odd)
	mag := archsimd.BroadcastInt32x16(math.MaxInt32)
	full := n &^ 15
	vq := unsafe.Pointer(&vp[0])
	vr := unsafe.Add(vq, 4*pl) // input column 0
	// The last vector of a row of n input values, or of ow outputs, is
	// stored under a mask. Its loads read whole vectors, up to 15 values
	// past the row (the next row's) but not past src (part16 there); only
	// the masked lanes reach vp and sum.
	tail := (*[16]float32)(unsafe.Add(vr, 4*full))
	tmask := archsimd.Mask32x16FromBits(uint16(1)<<(n-full) - 1)
	omask := archsimd.Mask32x16FromBits(uint16(1)<<(ow%16) - 1)
	// Rows of less than two vectors with at most 15 outputs (only lanes
	// 0-31 of the padded row are read) keep their maxima in registers
	// (vf, the first vector's when there are two; vt, the last one's):
	// shift moves input column c to lane c+pl of the padded row, even2
	// picks the third taps.
	short := full <= 16 && n > full && ow < 16
	ninf := archsimd.BroadcastFloat32x16(negInf)
	var sh, e2 [16]uint32
	for i := range sh {
		sh[i] = uint32(16 + i - pl)
		e2[i] = uint32(min(2*i+2, 31))
	}
	shift, even2 := archsimd.LoadUint32x16Array(&sh), archsimd.LoadUint32x16Array(&e2)
	for m := 0; m < planes; m++ {
		plane := src[m*h*w : (m+1)*h*w]
		sp := unsafe.Pointer(&plane[0])
		out := dst[m*oh*ow : (m+1)*oh*ow]
		dp := unsafe.Pointer(&out[0])
		for oy := 0; oy < oh; oy++ {
			ya, yb := max(2*oy-pt, 0), min(2*oy-pt+k, h)
			clean := true
			var vf, vt archsimd.Float32x16 // the row's maxima when short
			inReg := false
			switch yb - ya {
			case 3:
				r0 := unsafe.Add(sp, 4*ya*w)
				r1, r2 := unsafe.Add(r0, 4*w), unsafe.Add(r0, 8*w)
				var sum archsimd.Float32x16
				for x := 0; x < full; x += 16 {
					a, b, c := ld16(r0, x), ld16(r1, x), ld16(r2, x)
					sum = sum.Add(a.Add(b).Add(c))
					vf = fmax3(a, b, c, mag)
					st16(vf, vr, x)
				}
				var a, b, c archsimd.Float32x16
				if full < n {
					if (m*h+ya+2)*w+full+16 <= len(src) {
						a, b, c = ld16(r0, full), ld16(r1, full), ld16(r2, full)
					} else { // the input's last row: read no further
						a, b, c = part16(plane, ya*w+full), part16(plane, (ya+1)*w+full), part16(plane, (ya+2)*w+full)
					}
					sum = sum.Add(a.Add(b).Add(c).Masked(tmask))
					vt = fmax3(a, b, c, mag)
					vt.StoreArrayMasked(tail, tmask)
				}
				if sum.IsNaN().ToBits() != 0 {
					clean = false
					for x := 0; x < full; x += 16 {
						vf = max16(max16(ld16(r0, x), ld16(r1, x)), ld16(r2, x))
						st16(vf, vr, x)
					}
					if full < n {
						vt = max16(max16(a, b), c)
						vt.StoreArrayMasked(tail, tmask)
					}
				}
				inReg = short
			case 2:
				r0 := unsafe.Add(sp, 4*ya*w)
				r1 := unsafe.Add(r0, 4*w)
				var sum archsimd.Float32x16
				for x := 0; x < full; x += 16 {
					a, b := ld16(r0, x), ld16(r1, x)
					sum = sum.Add(a.Add(b))
					vf = fmax2(a, b, mag)
					st16(vf, vr, x)
				}
				var a, b archsimd.Float32x16
				if full < n {
					if (m*h+ya+1)*w+full+16 <= len(src) {
						a, b = ld16(r0, full), ld16(r1, full)
					} else {
						a, b = part16(plane, ya*w+full), part16(plane, (ya+1)*w+full)
					}
					sum = sum.Add(a.Add(b).Masked(tmask))
					vt = fmax2(a, b, mag)
					vt.StoreArrayMasked(tail, tmask)
				}
				if sum.IsNaN().ToBits() != 0 {
					clean = false
					for x := 0; x < full; x += 16 {
						vf = max16(ld16(r0, x), ld16(r1, x))
						st16(vf, vr, x)
					}
					if full < n {
						vt = max16(a, b)
						vt.StoreArrayMasked(tail, tmask)
					}
				}
				inReg = short
			case 1:
				row := plane[ya*w : ya*w+n]
				copy(vp[pl:pl+n], row)
				for _, v := range row {
					if v != v {
						clean = false
						break
					}
				}
			default:
				for x := 0; x < n; x++ {
					vp[pl+x] = negInf
				}
			}
			o := unsafe.Add(dp, 4*oy*ow)
			if inReg {
				// A row of less than two vectors (maxpool4's 14 columns,
				// maxpool3's 28): its taps by permutes from registers,
				// not loads of what was just stored to vp (which waited
				// for the stores: they cannot forward to loads that
				// straddle them). p0, p1: padded columns 0-15, 16-31.
				v0, v1 := vf, vt.IfElse(tmask, ninf)
				if full == 0 {
					v0, v1 = v1, ninf
				}
				p0, p1 := ninf.ConcatPermute(v0, shift), ninf
				if pl+n > 16 {
					p1 = v0.ConcatPermute(v1, shift)
				}
				t0, t1 := p0.ConcatPermute(p1, even), p0.ConcatPermute(p1, odd)
				var r archsimd.Float32x16
				if k == 3 {
					t2 := p0.ConcatPermute(p1, even2)
					if clean {
						r = fmax3(t0, t1, t2, mag)
					} else {
						r = max16(max16(t0, t1), t2)
					}
				} else if clean {
					r = fmax2(t0, t1, mag)
				} else {
					r = max16(t0, t1)
				}
				if (m*oh+oy)*ow+16 <= len(dst) {
					r.StoreArrayMasked((*[16]float32)(o), omask)
				} else {
					r.StorePart(out[oy*ow : (oy+1)*ow])
				}
				continue
			}
			for j := 0; j < ow; j += 16 {
				a, b := ld16(vq, 2*j), ld16(vq, 2*j+16)
				t0, t1 := a.ConcatPermute(b, even), a.ConcatPermute(b, odd)
				var r archsimd.Float32x16
				if k == 3 {
					c, d := ld16(vq, 2*j+2), ld16(vq, 2*j+18)
					t2 := c.ConcatPermute(d, even)
					if clean {
						r = fmax3(t0, t1, t2, mag)
					} else {
						r = max16(max16(t0, t1), t2)
					}
				} else if clean {
					r = fmax2(t0, t1, mag)
				} else {
					r = max16(t0, t1)
				}
				if j+16 <= ow {
					st16(r, o, j)
				} else if (m*oh+oy)*ow+j+16 <= len(dst) {
					r.StoreArrayMasked((*[16]float32)(unsafe.Add(o, 4*j)), omask)
				} else { // the last row: no pointer past dst
					r.StorePart(out[oy*ow+j : (oy+1)*ow])
				}
			}
		}
	}
	archsimd.ClearAVXUpperBits()
}

// s1Left and s1Right shift a row held in vectors by one lane: lane i of
// prev.ConcatPermute(cur, s1Left) is the value left of cur's lane i, of
// cur.ConcatPermute(next, s1Right) the value right of it.
var (
	s1Left  = [16]uint32{15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}
	s1Right = [16]uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
)

// maxPool3x3S1AVX512 is MaxPool3x3S1, a row at a time with no scratch:
// each 16 columns of an output row take the maximum of the input rows
// above, at and below (the border rows take a row twice), then
// of that vector and its neighbours one lane left and right, which two
// permutes take from it and the vectors before and after it (-Inf beyond
// the row: the padding). fmax3 unless a NaN was met in the row (then
// max16 for the rest of it). The engine's other path took the planes as
// one long map (two long Max3 calls) and then redid the two border columns
// of every row in scalar code, which on the 7- and 14-wide maps of
// GoogLeNet's inception pools took as long as the rest; a row through a
// scratch row (stores, then unaligned loads of them) was no faster, nor
// with the vertical step a function (its call spilled every vector).
func maxPool3x3S1AVX512(dst, src []float32, planes, h, w int) {
	if planes <= 0 {
		return
	}
	if h < 2 || w < 2 || len(src) < planes*h*w || len(dst) < planes*h*w {
		panic("vec: MaxPool3x3S1: bad geometry")
	}
	mag := archsimd.BroadcastInt32x16(math.MaxInt32)
	ninf := archsimd.BroadcastFloat32x16(float32(math.Inf(-1)))
	left, right := archsimd.LoadUint32x16Array(&s1Left), archsimd.LoadUint32x16Array(&s1Right)
	last := (w - 1) &^ 15 // the last vector's first column
	lmask := archsimd.Mask32x16FromBits(uint16(0xffff) >> (16 - (w - last)))
	sp := unsafe.Pointer(&src[0])
	dp := unsafe.Pointer(&dst[0])
	for m := 0; m < planes; m++ {
		for y := 0; y < h; y++ {
			ya, yb := max(y-1, 0), min(y+1, h-1)
			o0, o2 := (m*h+ya)*w, (m*h+yb)*w
			o1 := o0 + w
			p0, p1, p2 := unsafe.Add(sp, 4*o0), unsafe.Add(sp, 4*o1), unsafe.Add(sp, 4*o2)
			// Whole vectors at the last column stay inside src.
			whole := o2+last+16 <= len(src)
			prev := ninf
			var a, b, c archsimd.Float32x16
			if last > 0 || whole {
				a, b, c = ld16(p0, 0), ld16(p1, 0), ld16(p2, 0)
			} else {
				a, b, c = part16(src, o0), part16(src, o1), part16(src, o2)
			}
			// The maximum of the three rows (one may be there twice:
			// max(a, b, b) is max(a, b)), fmax3 unless they hold a NaN.
			dirty := a.Add(b).Add(c).IsNaN().ToBits() != 0
			cur := fmax3(a, b, c, mag)
			if dirty {
				cur = max16(max16(a, b), c)
			}
			od := (m*h + y) * w
			for x := 0; x < w; x += 16 {
				next := ninf
				if xn := x + 16; x < last {
					if xn < last || whole {
						a, b, c = ld16(p0, xn), ld16(p1, xn), ld16(p2, xn)
					} else {
						a, b, c = part16(src, o0+xn), part16(src, o1+xn), part16(src, o2+xn)
					}
					if a.Add(b).Add(c).IsNaN().ToBits() != 0 {
						dirty = true
						next = max16(max16(a, b), c)
					} else {
						next = fmax3(a, b, c, mag)
					}
				} else {
					cur = cur.IfElse(lmask, ninf) // -Inf past the row
				}
				l := prev.ConcatPermute(cur, left)
				r := cur.ConcatPermute(next, right)
				var v archsimd.Float32x16
				if dirty {
					v = max16(max16(l, cur), r)
				} else {
					v = fmax3(l, cur, r, mag)
				}
				if x < last {
					st16(v, dp, od+x)
				} else if od+x+16 <= len(dst) {
					v.StoreArrayMasked((*[16]float32)(unsafe.Add(dp, 4*(od+x))), lmask)
				} else {
					v.StorePart(dst[od+x : od+w])
				}
				prev, cur = cur, next
			}
		}
	}
	archsimd.ClearAVXUpperBits()
}
