//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

import "simd/archsimd"

// SIMD128x12 is the 4x12 WebAssembly kernel (12 accumulators, three B
// vectors, one broadcast of A), the default before SIMD128 (4x8, see there):
// in Go's wasm code six of its accumulators go through the Go stack on
// every step. It stays listed, so the table tests run it, for comparison.
var SIMD128x12 = Kernel{Name: "simd128_4x12", MR: 4, NR: 12, Fn: kernelSIMD128x4x12, DotQ: dotQSIMD128, DotQ4: dotQ4SIMD128, Dequant: dequantSIMD128, StoreTile: storeTileSIMD128, Edge: edgeSIMD128, KC: wasmKC}

func kernelSIMD128x4x12(kc int, a, b, acc []float32) {
	const mr, nr = 4, 12
	var c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32 archsimd.Float32x4
	a = a[:kc*mr]
	b = b[:kc*nr]
	for len(a) >= mr && len(b) >= nr {
		av := (*[mr]float32)(a)
		bv := (*[nr]float32)(b)
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[0:]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[4:]))
		b2 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[8:]))
		x := archsimd.BroadcastFloat32x4(av[0])
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		c02 = x.MulAdd(b2, c02)
		x = archsimd.BroadcastFloat32x4(av[1])
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		c12 = x.MulAdd(b2, c12)
		x = archsimd.BroadcastFloat32x4(av[2])
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		c22 = x.MulAdd(b2, c22)
		x = archsimd.BroadcastFloat32x4(av[3])
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		c32 = x.MulAdd(b2, c32)
		a = a[mr:]
		b = b[nr:]
	}
	out := (*[mr * nr]float32)(acc)
	c00.StoreArray((*[4]float32)(out[0:]))
	c01.StoreArray((*[4]float32)(out[4:]))
	c02.StoreArray((*[4]float32)(out[8:]))
	c10.StoreArray((*[4]float32)(out[12:]))
	c11.StoreArray((*[4]float32)(out[16:]))
	c12.StoreArray((*[4]float32)(out[20:]))
	c20.StoreArray((*[4]float32)(out[24:]))
	c21.StoreArray((*[4]float32)(out[28:]))
	c22.StoreArray((*[4]float32)(out[32:]))
	c30.StoreArray((*[4]float32)(out[36:]))
	c31.StoreArray((*[4]float32)(out[40:]))
	c32.StoreArray((*[4]float32)(out[44:]))
}

// edgeSIMD128 is SIMD128's Edge: the last, partial column sliver of a
// product (n not a multiple of 12: 169 columns in AlexNet's 13x13 convs,
// 49 in ResNet's and GoogLeNet's 7x7 ones, where 11 of the last 12 or 1 of
// every 5 slivers' columns were zero padding) takes the 4x4 or 4x8 tile
// over the same packed sliver (row stride 12), each lane computed with
// kernelSIMD128x4x12's operations in its order.
func edgeSIMD128(kc int, a, b, acc []float32, cols int) {
	if cols <= 4 {
		kernelSIMD128x4x4s12(kc, a, b, acc)
		return
	}
	if cols <= 8 {
		kernelSIMD128x4x8s12(kc, a, b, acc)
		return
	}
	kernelSIMD128x4x12(kc, a, b, acc)
}

// kernelSIMD128x4x4s12 is columns 0-3 of kernelSIMD128x4x12.
func kernelSIMD128x4x4s12(kc int, a, b, acc []float32) {
	const mr, nr = 4, 12
	var c00, c10, c20, c30 archsimd.Float32x4
	a = a[:kc*mr]
	b = b[:kc*nr]
	for len(a) >= mr && len(b) >= nr {
		av := (*[mr]float32)(a)
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(b))
		c00 = archsimd.BroadcastFloat32x4(av[0]).MulAdd(b0, c00)
		c10 = archsimd.BroadcastFloat32x4(av[1]).MulAdd(b0, c10)
		c20 = archsimd.BroadcastFloat32x4(av[2]).MulAdd(b0, c20)
		c30 = archsimd.BroadcastFloat32x4(av[3]).MulAdd(b0, c30)
		a = a[mr:]
		b = b[nr:]
	}
	out := (*[mr * nr]float32)(acc)
	c00.StoreArray((*[4]float32)(out[0:]))
	c10.StoreArray((*[4]float32)(out[12:]))
	c20.StoreArray((*[4]float32)(out[24:]))
	c30.StoreArray((*[4]float32)(out[36:]))
}

// kernelSIMD128x4x8s12 is columns 0-7 of kernelSIMD128x4x12.
func kernelSIMD128x4x8s12(kc int, a, b, acc []float32) {
	const mr, nr = 4, 12
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x4
	a = a[:kc*mr]
	b = b[:kc*nr]
	for len(a) >= mr && len(b) >= nr {
		av := (*[mr]float32)(a)
		bv := (*[nr]float32)(b)
		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[0:]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(bv[4:]))
		x := archsimd.BroadcastFloat32x4(av[0])
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = archsimd.BroadcastFloat32x4(av[1])
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = archsimd.BroadcastFloat32x4(av[2])
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = archsimd.BroadcastFloat32x4(av[3])
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		a = a[mr:]
		b = b[nr:]
	}
	out := (*[mr * nr]float32)(acc)
	c00.StoreArray((*[4]float32)(out[0:]))
	c01.StoreArray((*[4]float32)(out[4:]))
	c10.StoreArray((*[4]float32)(out[12:]))
	c11.StoreArray((*[4]float32)(out[16:]))
	c20.StoreArray((*[4]float32)(out[24:]))
	c21.StoreArray((*[4]float32)(out[28:]))
	c30.StoreArray((*[4]float32)(out[36:]))
	c31.StoreArray((*[4]float32)(out[40:]))
}

// dotQSIMD128 is SIMD128's DotQ: 16 int8 weights at a time are sign-extended
// to int16 (i16x8.extend_low/high_i8x16_s), each quarter to int32 and
// converted to float32 (f32x4.convert_i32x4_s), then multiplied by x and
// added (no FMA in WebAssembly) into two accumulators: a for values p..p+3
// then p+8..p+11, b for p+4..p+7 then p+12..p+15. The two are added lane
// by lane in a fixed tree (reduce2), then the tail in order.
func dotQSIMD128(x []float32, q []int8) float32 {
	n := len(x)
	q = q[:n]
	var a, b archsimd.Float32x4
	p := 0
	for ; p+16 <= n; p += 16 {
		x0 := ld4((*[4]float32)(x[p:]))
		x1 := ld4((*[4]float32)(x[p+4:]))
		x2 := ld4((*[4]float32)(x[p+8:]))
		x3 := ld4((*[4]float32)(x[p+12:]))
		w := ldq((*[16]int8)(q[p:]))
		lo, hi := w.ExtendLo8ToInt16(), w.ExtendHi8ToInt16()
		a = a.Add(lo.ExtendLo4ToInt32().ConvertToFloat32().Mul(x0))
		b = b.Add(lo.ExtendHi4ToInt32().ConvertToFloat32().Mul(x1))
		a = a.Add(hi.ExtendLo4ToInt32().ConvertToFloat32().Mul(x2))
		b = b.Add(hi.ExtendHi4ToInt32().ConvertToFloat32().Mul(x3))
	}
	s := reduce2(a, b)
	for ; p < n; p++ {
		s += x[p] * float32(q[p])
	}
	return s
}

// dotQ4SIMD128 is SIMD128's DotQ4: dotQSIMD128 on four rows in one pass,
// each row with its own two accumulators, the same reduction and tail (so
// the same bits as four calls), loading x once for all four. Two
// accumulators per row, not four, keep the 8 of them, x and the widened
// weights within the 16 vector registers of Go's wasm backend and of V8:
// with four per row the function had 48 spill slots in linear memory. In
// Node (interleaved best of 40) AlexNet's classifier.1 (4096 x 9216) took
// 10.2 ms row by row with four accumulators, 7.5-9 with four rows and
// four accumulators each, 6.0 with this.
func dotQ4SIMD128(x []float32, q0, q1, q2, q3 []int8) [4]float32 {
	n := len(x)
	q0, q1, q2, q3 = q0[:n], q1[:n], q2[:n], q3[:n]
	var a0, b0, a1, b1, a2, b2, a3, b3 archsimd.Float32x4
	p := 0
	for ; p+16 <= n; p += 16 {
		x0 := ld4((*[4]float32)(x[p:]))
		x1 := ld4((*[4]float32)(x[p+4:]))
		x2 := ld4((*[4]float32)(x[p+8:]))
		x3 := ld4((*[4]float32)(x[p+12:]))
		w := ldq((*[16]int8)(q0[p:]))
		lo, hi := w.ExtendLo8ToInt16(), w.ExtendHi8ToInt16()
		a0 = a0.Add(lo.ExtendLo4ToInt32().ConvertToFloat32().Mul(x0))
		b0 = b0.Add(lo.ExtendHi4ToInt32().ConvertToFloat32().Mul(x1))
		a0 = a0.Add(hi.ExtendLo4ToInt32().ConvertToFloat32().Mul(x2))
		b0 = b0.Add(hi.ExtendHi4ToInt32().ConvertToFloat32().Mul(x3))
		w = ldq((*[16]int8)(q1[p:]))
		lo, hi = w.ExtendLo8ToInt16(), w.ExtendHi8ToInt16()
		a1 = a1.Add(lo.ExtendLo4ToInt32().ConvertToFloat32().Mul(x0))
		b1 = b1.Add(lo.ExtendHi4ToInt32().ConvertToFloat32().Mul(x1))
		a1 = a1.Add(hi.ExtendLo4ToInt32().ConvertToFloat32().Mul(x2))
		b1 = b1.Add(hi.ExtendHi4ToInt32().ConvertToFloat32().Mul(x3))
		w = ldq((*[16]int8)(q2[p:]))
		lo, hi = w.ExtendLo8ToInt16(), w.ExtendHi8ToInt16()
		a2 = a2.Add(lo.ExtendLo4ToInt32().ConvertToFloat32().Mul(x0))
		b2 = b2.Add(lo.ExtendHi4ToInt32().ConvertToFloat32().Mul(x1))
		a2 = a2.Add(hi.ExtendLo4ToInt32().ConvertToFloat32().Mul(x2))
		b2 = b2.Add(hi.ExtendHi4ToInt32().ConvertToFloat32().Mul(x3))
		w = ldq((*[16]int8)(q3[p:]))
		lo, hi = w.ExtendLo8ToInt16(), w.ExtendHi8ToInt16()
		a3 = a3.Add(lo.ExtendLo4ToInt32().ConvertToFloat32().Mul(x0))
		b3 = b3.Add(lo.ExtendHi4ToInt32().ConvertToFloat32().Mul(x1))
		a3 = a3.Add(hi.ExtendLo4ToInt32().ConvertToFloat32().Mul(x2))
		b3 = b3.Add(hi.ExtendHi4ToInt32().ConvertToFloat32().Mul(x3))
	}
	s := [4]float32{reduce2(a0, b0), reduce2(a1, b1), reduce2(a2, b2), reduce2(a3, b3)}
	for ; p < n; p++ {
		s[0] += x[p] * float32(q0[p])
		s[1] += x[p] * float32(q1[p])
		s[2] += x[p] * float32(q2[p])
		s[3] += x[p] * float32(q3[p])
	}
	return s
}

// dequantAsm is dequantSIMD128's loop over n16 blocks of 16 values
// (abcast_wasm_simd.s), unchecked.
//
//go:noescape
func dequantAsm(dst *float32, q *int8, n16 int, sc *[4]float32)

// broadcastAsm is broadcastSIMD128's loop over n4 groups of 4 values
// (abcast_wasm_simd.s), unchecked.
//
//go:noescape
func broadcastAsm(dst, src *float32, n4 int)

// reduce2 adds the DotQ accumulators a and b: pairwise within each, then
// the two.
func reduce2(a, b archsimd.Float32x4) float32 {
	var la, lb [4]float32
	a.StoreArray(&la)
	b.StoreArray(&lb)
	return ((la[0] + la[1]) + (la[2] + la[3])) + ((lb[0] + lb[1]) + (lb[2] + lb[3]))
}

// ldq loads 16 int8 (see ld4 on why through a helper).
func ldq(p *[16]int8) archsimd.Int8x16 { return archsimd.LoadInt8x16Array(p) }

// dequantSIMD128 is SIMD128's Dequant: 16 values at a time, widened as in
// dotQSIMD128 and multiplied by the four scales (f32x4.mul: the same
// rounding as dequant), in assembly (dequantAsm), the tail in Go.
func dequantSIMD128(dst []float32, q []int8, sc *[4]float32) {
	n := len(q)
	dst = dst[:n]
	i := n / 16 * 16
	if i > 0 {
		dequantAsm(&dst[0], &q[0], i/16, sc)
	}
	for ; i < n; i++ {
		dst[i] = dequant(q[i], sc[i%4])
	}
}

// storeTileSIMD128 is SIMD128's StoreTile: each row of the 4x12 tile is
// three Float32x4. ReLU keeps v unless v < 0, as Epilogue.apply does.
func storeTileSIMD128(acc, c []float32, ldc int, first, last bool, bias []float32, relu bool) {
	var zero archsimd.Float32x4
	for i := 0; i < 4; i++ {
		row := (*[12]float32)(c[i*ldc:])
		a := (*[12]float32)(acc[i*12:])
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(a[0:]))
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(a[4:]))
		v2 := archsimd.LoadFloat32x4Array((*[4]float32)(a[8:]))
		if !first {
			v0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[0:])).Add(v0)
			v1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[4:])).Add(v1)
			v2 = archsimd.LoadFloat32x4Array((*[4]float32)(row[8:])).Add(v2)
		}
		if last && bias != nil {
			b := archsimd.BroadcastFloat32x4(bias[i])
			v0, v1, v2 = v0.Add(b), v1.Add(b), v2.Add(b)
		}
		if last && relu {
			v0 = zero.IfElse(v0.Less(zero), v0)
			v1 = zero.IfElse(v1.Less(zero), v1)
			v2 = zero.IfElse(v2.Less(zero), v2)
		}
		v0.StoreArray((*[4]float32)(row[0:]))
		v1.StoreArray((*[4]float32)(row[4:]))
		v2.StoreArray((*[4]float32)(row[8:]))
	}
}
