//go:build amd64 && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"simd/archsimd"
	"unsafe"
)

// The amd64 SIMD kernels broadcast one value of the packed A sliver and
// multiply-add it into two vector registers' worth of C (broadcast-A FMA).
// Their tiles were chosen by measurement here (AMD EPYC, AVX-512, Go 1.27.3):
// best single-kernel figures over 40 interleaved rounds on a loaded machine,
// kc = 256, in GFLOP/s:
//
//	Float32x16: 4x32 155, 2x64 152, 3x48 150, 4x64 120, 4x48 93, 6x32 91, 5x32 78
//	Float32x8:  4x16 75, 2x32 75, 3x32 54, 6x16 54, 4x24 54
//
// Tiles with more than eight accumulators lose although AVX-512 has 32
// vector registers: Go's register allocator moves accumulators between
// registers and spills them to the stack once more than about 17 vectors are
// live (the FMA's result overwrites its receiver, the broadcast value, so
// every accumulator changes register each iteration). Eight accumulators
// plus two B vectors and one broadcast stay in registers.
//
// Each kernel sums every element in order of p with a fused multiply-add,
// the same way for every tile, as Kernel requires.

// AVX512 is the 4x32 Float32x16 kernel, available when the CPU has AVX-512
// (F, CD, BW, DQ, VL: archsimd's X86.AVX512).
var AVX512 = Kernel{Name: "avx512_4x32", MR: 4, NR: 32, Fn: kernelAVX512Asm, DotQ: dotQAVX512, Dequant: dequantAVX512, StoreTile: storeTileAVX512, StoreTileAdd: storeTileAddAVX512, TilePair: tilePairAVX512, TileTriple: tileTripleAVX512, TilePairPF: tilePairPFAVX512, TileTriplePF: tileTriplePFAVX512, Edge4: edge4Asm, Tile48: tile48Asm, CopyStrip48: copyStrip48Asm}

// AVX2 is the 4x16 Float32x8 kernel for CPUs with AVX2 and FMA but no
// AVX-512.
var AVX2 = Kernel{Name: "avx2fma_4x16", MR: 4, NR: 16, Fn: kernelAVX2x4x16, DotQ: dotQAVX2, Dequant: dequantAVX2, StoreTile: storeTileAVX2, StoreTileAdd: storeTileAddAVX2}

// archKernels lists the SIMD kernels this CPU can run, fastest first. The
// check happens at run time, so a binary built with GOEXPERIMENT=simd never
// executes an instruction the CPU lacks.
func archKernels() []Kernel {
	var ks []Kernel
	if archsimd.X86.AVX512() {
		ks = append(ks, AVX512)
	}
	if archsimd.X86.AVX2() && archsimd.X86.FMA() {
		ks = append(ks, AVX2)
	}
	return ks
}

// kernelAVX512x4x32 is the 4x32 tile in Go, kept as the reference of
// AVX512's Fn, kernelAVX512Asm (tile_amd64.s), which broadcasts A with
// VBROADCASTSS into registers and runs 15-30% faster (kernel alone, 3 runs:
// kc 64 137-141 -> 181-189 GFLOP per CPU-second, kc 256 161-165 -> 186-189);
// TestAVX512AsmFn holds the two to the same bits.
//
// kernelAVX512x4x32 ends with ClearAVXUpperBits (VZEROUPPER), as does
// kernelAVX2x4x16: the scalar Go code that runs next uses SSE encodings,
// which on Intel CPUs pay a transition penalty while the upper halves of the
// vector registers are dirty.
//
// Its loop walks the slivers with unsafe pointers and a counter (after one
// bounds check of each sliver as a whole): re-slicing a and b every step
// cost ten integer instructions per eight FMAs (a NEG/SAR/AND per slice to
// keep the pointer inside it), and the loop is bound by instructions issued,
// not by the FMA units. It takes four steps of p per iteration, which
// spreads the eight register moves Go puts at the end of each iteration
// (the FMA's result lands in its receiver's register, so the accumulators
// rotate) over 32 FMAs instead of 8, and broadcasts A's values with
// Permute from one 16-value load per step (VPERMPS; the loads of
// successive steps overlap): scalar loads of A, unrolled, were hoisted to
// the top of the body and spilled, as only X0-X14 hold scalars. A 16-value load at step p reads a[4p : 4p+16], so the last
// steps, where that would run past the sliver, broadcast scalars instead.
// Kernel alone, kc 256, fastest of five interleaved rounds here, in
// GFLOP/s per CPU-second: re-slicing 129-134, pointers one step at a time
// 135-145 (unrolled scalar loads 116-130). BenchmarkConvShapes, six
// alternating rounds at load 10-13, median GFLOP/cpu-s, one step at a time
// -> two steps: alexnet.features.3 106 -> 117 (kernel alone 119 -> 128),
// resnet50.layer1.conv1 98 -> 107, resnet50.layer3.conv3 99 -> 107; two ->
// four steps, at load 13-19: 83 -> 101 (kernel alone 95 -> 119), 70 -> 78,
// 80 -> 100. Larger tiles (6x32, 8x32, 4x48, 4x64, 12x32) all ran slower:
// Go keeps loop-carried vectors in Z0-Z14 only and spills the rest.
func kernelAVX512x4x32(kc int, a, b, acc []float32) {
	const mr, nr = 4, 32
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x16
	pa := unsafe.Pointer(unsafe.SliceData(a[:kc*mr]))
	pb := unsafe.Pointer(unsafe.SliceData(b[:kc*nr]))
	i0 := archsimd.BroadcastUint32x16(0)
	i1 := archsimd.BroadcastUint32x16(1)
	i2 := archsimd.BroadcastUint32x16(2)
	i3 := archsimd.BroadcastUint32x16(3)
	// step runs one p: row i's A value is lane i of av.
	step := func(av archsimd.Float32x16, pb unsafe.Pointer) {
		b0 := archsimd.LoadFloat32x16Array((*[16]float32)(pb))
		b1 := archsimd.LoadFloat32x16Array((*[16]float32)(unsafe.Add(pb, 64)))
		x := av.Permute(i0)
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = av.Permute(i1)
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = av.Permute(i2)
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = av.Permute(i3)
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
	}
	load := func(pa unsafe.Pointer) archsimd.Float32x16 {
		return archsimd.LoadFloat32x16Array((*[16]float32)(pa))
	}
	p := 0
	// Four steps at a time while the fourth's 16-value load,
	// a[4p+12 : 4p+28], stays inside a[:4kc].
	for ; p+7 <= kc; p += 4 {
		step(load(pa), pb)
		step(load(unsafe.Add(pa, mr*4)), unsafe.Add(pb, nr*4))
		step(load(unsafe.Add(pa, 2*mr*4)), unsafe.Add(pb, 2*nr*4))
		step(load(unsafe.Add(pa, 3*mr*4)), unsafe.Add(pb, 3*nr*4))
		pa = unsafe.Add(pa, 4*mr*4)
		pb = unsafe.Add(pb, 4*nr*4)
	}
	for ; p < kc; p++ {
		// The 16-value load may run past the sliver into the rest of a's
		// capacity (the packed block's next sliver: lanes 4.. are never
		// used); only a sliver at the very end of its buffer takes the
		// scalars (through the stack: at depth 64, as in Winograd's
		// 64-channel layers, a call took about a sixth longer that way).
		if p+4 <= kc || 4*p+16 <= cap(a) {
			step(load(pa), pb)
		} else {
			av := (*[mr]float32)(pa)
			var v [16]float32
			v[0], v[1], v[2], v[3] = av[0], av[1], av[2], av[3]
			step(archsimd.LoadFloat32x16Array(&v), pb)
		}
		if p+1 < kc {
			// Not past the last step: a pointer one past the end of an
			// exact-length sliver points outside its allocation, which
			// -d=checkptr rejects.
			pa = unsafe.Add(pa, mr*4)
			pb = unsafe.Add(pb, nr*4)
		}
	}
	out := (*[mr * nr]float32)(acc)
	c00.StoreArray((*[16]float32)(out[0:]))
	c01.StoreArray((*[16]float32)(out[16:]))
	c10.StoreArray((*[16]float32)(out[32:]))
	c11.StoreArray((*[16]float32)(out[48:]))
	c20.StoreArray((*[16]float32)(out[64:]))
	c21.StoreArray((*[16]float32)(out[80:]))
	c30.StoreArray((*[16]float32)(out[96:]))
	c31.StoreArray((*[16]float32)(out[112:]))
	archsimd.ClearAVXUpperBits()
}

func kernelAVX2x4x16(kc int, a, b, acc []float32) {
	const mr, nr = 4, 16
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x8
	a = a[:kc*mr]
	b = b[:kc*nr]
	for len(a) >= mr && len(b) >= nr {
		av := (*[mr]float32)(a)
		bv := (*[nr]float32)(b)
		b0 := archsimd.LoadFloat32x8Array((*[8]float32)(bv[0:]))
		b1 := archsimd.LoadFloat32x8Array((*[8]float32)(bv[8:]))
		x := archsimd.BroadcastFloat32x8(av[0])
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = archsimd.BroadcastFloat32x8(av[1])
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = archsimd.BroadcastFloat32x8(av[2])
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = archsimd.BroadcastFloat32x8(av[3])
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		a = a[mr:]
		b = b[nr:]
	}
	out := (*[mr * nr]float32)(acc)
	c00.StoreArray((*[8]float32)(out[0:]))
	c01.StoreArray((*[8]float32)(out[8:]))
	c10.StoreArray((*[8]float32)(out[16:]))
	c11.StoreArray((*[8]float32)(out[24:]))
	c20.StoreArray((*[8]float32)(out[32:]))
	c21.StoreArray((*[8]float32)(out[40:]))
	c30.StoreArray((*[8]float32)(out[48:]))
	c31.StoreArray((*[8]float32)(out[56:]))
	archsimd.ClearAVXUpperBits()
}

// dotQAVX512 is AVX512's DotQ: 16 int8 weights at a time are sign-extended
// to int32 (VPMOVSXBD), converted to float32 (exact: |q| <= 128) and
// multiply-added into one of four accumulators (four FMA chains keep the
// FMA units busy); the accumulators are added pairwise, then the 16 lanes
// in a fixed tree, then the tail in order.
func dotQAVX512(x []float32, q []int8) float32 {
	n := len(x)
	q = q[:n]
	var a0, a1, a2, a3 archsimd.Float32x16
	p := 0
	for ; p+64 <= n; p += 64 {
		a0 = qf16(q[p:]).MulAdd(archsimd.LoadFloat32x16Array((*[16]float32)(x[p:])), a0)
		a1 = qf16(q[p+16:]).MulAdd(archsimd.LoadFloat32x16Array((*[16]float32)(x[p+16:])), a1)
		a2 = qf16(q[p+32:]).MulAdd(archsimd.LoadFloat32x16Array((*[16]float32)(x[p+32:])), a2)
		a3 = qf16(q[p+48:]).MulAdd(archsimd.LoadFloat32x16Array((*[16]float32)(x[p+48:])), a3)
	}
	for ; p+16 <= n; p += 16 {
		a0 = qf16(q[p:]).MulAdd(archsimd.LoadFloat32x16Array((*[16]float32)(x[p:])), a0)
	}
	var lanes [16]float32
	a0.Add(a1).Add(a2.Add(a3)).StoreArray(&lanes)
	archsimd.ClearAVXUpperBits()
	s := sumLanes16(&lanes)
	for ; p < n; p++ {
		s += x[p] * float32(q[p])
	}
	return s
}

// qf16 returns q[0:16] as 16 float32 values.
func qf16(q []int8) archsimd.Float32x16 {
	return archsimd.LoadInt8x16Array((*[16]int8)(q)).ExtendToInt32().ConvertToFloat32()
}

// dotQAVX2 is AVX2's DotQ: 16 int8 weights at a time are sign-extended to
// int16 (VPMOVSXBW), each half to int32 (VPMOVSXWD), converted to float32
// and multiply-added into two pairs of accumulators; then reduced as in
// dotQAVX512.
func dotQAVX2(x []float32, q []int8) float32 {
	n := len(x)
	q = q[:n]
	var a0, a1, a2, a3 archsimd.Float32x8
	p := 0
	for ; p+32 <= n; p += 32 {
		w := archsimd.LoadInt8x16Array((*[16]int8)(q[p:])).ExtendToInt16()
		a0 = w.GetLo().ExtendToInt32().ConvertToFloat32().MulAdd(archsimd.LoadFloat32x8Array((*[8]float32)(x[p:])), a0)
		a1 = w.GetHi().ExtendToInt32().ConvertToFloat32().MulAdd(archsimd.LoadFloat32x8Array((*[8]float32)(x[p+8:])), a1)
		w = archsimd.LoadInt8x16Array((*[16]int8)(q[p+16:])).ExtendToInt16()
		a2 = w.GetLo().ExtendToInt32().ConvertToFloat32().MulAdd(archsimd.LoadFloat32x8Array((*[8]float32)(x[p+16:])), a2)
		a3 = w.GetHi().ExtendToInt32().ConvertToFloat32().MulAdd(archsimd.LoadFloat32x8Array((*[8]float32)(x[p+24:])), a3)
	}
	for ; p+16 <= n; p += 16 {
		w := archsimd.LoadInt8x16Array((*[16]int8)(q[p:])).ExtendToInt16()
		a0 = w.GetLo().ExtendToInt32().ConvertToFloat32().MulAdd(archsimd.LoadFloat32x8Array((*[8]float32)(x[p:])), a0)
		a1 = w.GetHi().ExtendToInt32().ConvertToFloat32().MulAdd(archsimd.LoadFloat32x8Array((*[8]float32)(x[p+8:])), a1)
	}
	var lanes [8]float32
	a0.Add(a2).Add(a1.Add(a3)).StoreArray(&lanes)
	archsimd.ClearAVXUpperBits()
	s := ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
	for ; p < n; p++ {
		s += x[p] * float32(q[p])
	}
	return s
}

// dequantAVX512 is AVX512's Dequant: 16 values at a time, widened as in
// dotQAVX512 and multiplied by the four scales repeated four times (a
// plain multiply: the same rounding as dequant).
func dequantAVX512(dst []float32, q []int8, sc *[4]float32) {
	n := len(q)
	dst = dst[:n]
	s := archsimd.LoadFloat32x16Array(&[16]float32{sc[0], sc[1], sc[2], sc[3], sc[0], sc[1], sc[2], sc[3],
		sc[0], sc[1], sc[2], sc[3], sc[0], sc[1], sc[2], sc[3]})
	i := 0
	for ; i+16 <= n; i += 16 {
		qf16(q[i:]).Mul(s).StoreArray((*[16]float32)(dst[i:]))
	}
	archsimd.ClearAVXUpperBits()
	for ; i < n; i++ {
		dst[i] = dequant(q[i], sc[i%4])
	}
}

// dequantAVX2 is AVX2's Dequant, 16 values at a time as in dotQAVX2.
func dequantAVX2(dst []float32, q []int8, sc *[4]float32) {
	n := len(q)
	dst = dst[:n]
	s := archsimd.LoadFloat32x8Array(&[8]float32{sc[0], sc[1], sc[2], sc[3], sc[0], sc[1], sc[2], sc[3]})
	i := 0
	for ; i+16 <= n; i += 16 {
		w := archsimd.LoadInt8x16Array((*[16]int8)(q[i:])).ExtendToInt16()
		w.GetLo().ExtendToInt32().ConvertToFloat32().Mul(s).StoreArray((*[8]float32)(dst[i:]))
		w.GetHi().ExtendToInt32().ConvertToFloat32().Mul(s).StoreArray((*[8]float32)(dst[i+8:]))
	}
	archsimd.ClearAVXUpperBits()
	for ; i < n; i++ {
		dst[i] = dequant(q[i], sc[i%4])
	}
}

// storeTileAVX512 is AVX512's StoreTile: each row of the 4x32 tile is two
// Float32x16. ReLU keeps v unless v < 0, as Epilogue.apply does (-0 and
// NaN stay).
func storeTileAVX512(acc, c []float32, ldc int, first, last bool, bias []float32, relu bool) {
	storeTileAddAVX512(acc, c, ldc, first, last, bias, nil, relu)
}

// storeTileAddAVX512 is AVX512's StoreTileAdd (add nil: StoreTile): on the
// last slice the residual's row is added after the bias, before the ReLU,
// while the tile is in registers. Storing the tile and then calling
// vec.AddRelu on its four rows (a call and a VZEROUPPER per 32 values) made
// ResNet-50's fused convs slower than the conv and the separate Add and
// Relu passes they replaced (layer1's conv3 0.84 -> 1.46-2.52 ms, fastest
// of 30 passes).
func storeTileAddAVX512(acc, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	var zero archsimd.Float32x16
	for i := 0; i < 4; i++ {
		row := (*[32]float32)(c[i*ldc:])
		a := (*[32]float32)(acc[i*32:])
		v0 := archsimd.LoadFloat32x16Array((*[16]float32)(a[0:]))
		v1 := archsimd.LoadFloat32x16Array((*[16]float32)(a[16:]))
		if !first {
			v0 = archsimd.LoadFloat32x16Array((*[16]float32)(row[0:])).Add(v0)
			v1 = archsimd.LoadFloat32x16Array((*[16]float32)(row[16:])).Add(v1)
		}
		if last && bias != nil {
			b := archsimd.BroadcastFloat32x16(bias[i])
			v0, v1 = v0.Add(b), v1.Add(b)
		}
		if last && add != nil {
			r := (*[32]float32)(add[i*ldc:])
			v0 = v0.Add(archsimd.LoadFloat32x16Array((*[16]float32)(r[0:])))
			v1 = v1.Add(archsimd.LoadFloat32x16Array((*[16]float32)(r[16:])))
		}
		if last && relu {
			v0 = zero.IfElse(v0.Less(zero), v0)
			v1 = zero.IfElse(v1.Less(zero), v1)
		}
		v0.StoreArray((*[16]float32)(row[0:]))
		v1.StoreArray((*[16]float32)(row[16:]))
	}
	archsimd.ClearAVXUpperBits()
}

// storeTileAVX2 is AVX2's StoreTile: each row of the 4x16 tile is two
// Float32x8.
func storeTileAVX2(acc, c []float32, ldc int, first, last bool, bias []float32, relu bool) {
	storeTileAddAVX2(acc, c, ldc, first, last, bias, nil, relu)
}

// storeTileAddAVX2 is AVX2's StoreTileAdd, as storeTileAddAVX512.
func storeTileAddAVX2(acc, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	var zero archsimd.Float32x8
	for i := 0; i < 4; i++ {
		row := (*[16]float32)(c[i*ldc:])
		a := (*[16]float32)(acc[i*16:])
		v0 := archsimd.LoadFloat32x8Array((*[8]float32)(a[0:]))
		v1 := archsimd.LoadFloat32x8Array((*[8]float32)(a[8:]))
		if !first {
			v0 = archsimd.LoadFloat32x8Array((*[8]float32)(row[0:])).Add(v0)
			v1 = archsimd.LoadFloat32x8Array((*[8]float32)(row[8:])).Add(v1)
		}
		if last && bias != nil {
			b := archsimd.BroadcastFloat32x8(bias[i])
			v0, v1 = v0.Add(b), v1.Add(b)
		}
		if last && add != nil {
			r := (*[16]float32)(add[i*ldc:])
			v0 = v0.Add(archsimd.LoadFloat32x8Array((*[8]float32)(r[0:])))
			v1 = v1.Add(archsimd.LoadFloat32x8Array((*[8]float32)(r[8:])))
		}
		if last && relu {
			v0 = zero.IfElse(v0.Less(zero), v0)
			v1 = zero.IfElse(v1.Less(zero), v1)
		}
		v0.StoreArray((*[8]float32)(row[0:]))
		v1.StoreArray((*[8]float32)(row[8:]))
	}
	archsimd.ClearAVXUpperBits()
}
