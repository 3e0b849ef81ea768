//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"simd/archsimd"

	"convscope/engine/internal/relaxed"
)

// SIMD128 is the WebAssembly kernel: a 4x8 tile of Float32x4 (8
// accumulators, two B vectors, one splat of A), its Fn, Tile and TileBcast
// written in assembly (kernel_wasm_simd4x8.s), its DotQ4's and DotQ's
// loops too (dotq4_wasm_simd.s). Its packed slices are 1024 deep (KC, wasmKC)
// instead of 256.
//
// WebAssembly has no fused multiply-add (archsimd's MulAdd lowers to
// f32x4.mul + f32x4.add), so each element is rounded twice per step,
// always in the same order: every tile shape gives the same bits. In the
// relaxed-SIMD build (engine/internal/relaxed) the assembly multiplies and
// adds with f32x4.relaxed_madd (MADD in madd_wasm.h), one rounding a step
// where the CPU has FMA.
//
// The assembly takes one step per loop iteration with the loads' offsets
// folded into their memarg: 40-41 GFLOP/s in Node (kc 256 and 1024, in
// L1/L2) against 31-32 for the same tile in Go (kernelSIMD128x4x8, kept as
// SIMD128Go). Go's wasm backend folds no constant offset into a load (each
// costs V8 an address add and a zero-extension besides) and pays slice
// checks and a jump through the function's block table per loop
// iteration, so the Go kernel is unrolled four times; TurboFan then hoists
// the loads of the four steps and spills vectors to its stack (about 40
// moves per four steps). Go-kernel history, GFLOP/s at kc = 256: scalar A
// loads 28.1-28.8, one vector load of A with extract_lane + splat
// 29.9-31.3, not unrolled 17.4-18.4, the 4x12 tile (SIMD128x12, six
// accumulators on the Go stack) 26.3-28.4.
//
// Tile is the kernel storing its tile into C itself, TileBcast the same
// over an A block broadcast once per block (Bcast): loads instead of a
// splat per A value per tile, once 8-16% off the products of
// BenchmarkConvShapes' shapes. The broadcast block is 4 times the plain
// one, so its MC is 16: 16 rows of KC 1024 are 256 KiB broadcast, as 64
// plain rows are. Measured again (session 17), a broadcast block larger
// than L1 cost more than the splats it saved, ImageNet's products as
// CIFAR's: the packed path now broadcasts only blocks of at most
// bcastMaxBytes (32 KiB; the figures are there).
var SIMD128 = Kernel{Name: "simd128_4x8", MR: 4, NR: 8, Fn: kernelSIMD128x4x8Checked, DotQ: dotQSIMD128Asm, DotQ4: dotQ4SIMD128Asm, Dequant: dequantSIMD128, StoreTile: storeTileSIMD128x8, StoreTileAdd: storeTileAddSIMD128x8, Edge: edgeSIMD128x8, Tile: tileSIMD128x4x8, TileBcast: tileBcastSIMD128x4x8, TileRows: tileRowsSIMD128x4x8, TileBcastRows: tileBcastRowsSIMD128x4x8, TileRows4: tileRowsSIMD128x4x4, Edge1x4: edge1x4SIMD128, Bcast: broadcastSIMD128, MC: 16, KC: wasmKC}

// wasmKC is the depth of the WebAssembly kernels' packed slices
// (Kernel.KC): at 1024 a product over a deep k makes a quarter as many
// kernel calls and passes over C's partial sums as at 256, and in V8 each
// of those costs more than in native code. GEMMs of the ImageNet convs in
// Node, one worker, the same product alternated 30-60 times between the
// depths at load 6-7, median ratio of time to KC 256's: KC 512 0.90-0.98,
// 1024 0.85-0.96 (AlexNet features.3 192x729x1600 0.92-0.94, ResNet-50
// layer4 3x3 512x49x4608 0.85-0.90, 3x3 stride 2 128x784x1152 0.84-0.96,
// layer3 1x1 256x196x1024 0.93-0.95), 2048 no better than 1024; a k of 256
// or less (147, 64) unchanged. The slices' partial sums are added in
// another grouping, so results differ from KC 256's by float32 rounding.
const wasmKC = 1024

// archKernels lists the SIMD kernels of this build, fastest first.
// WebAssembly SIMD is checked when the module is compiled (an engine
// without it rejects the whole module), so there is nothing to test at run
// time.
func archKernels() []Kernel { return []Kernel{SIMD128, SIMD128x12, SIMD128Go} }

// SIMD128Go is SIMD128 with its micro-kernel in Go (kernelSIMD128x4x8), as
// it was before the assembly one: listed so that the table tests hold the
// two to the same bits, and for comparison.
var SIMD128Go = Kernel{Name: "simd128go_4x8", MR: 4, NR: 8, Fn: kernelSIMD128x4x8, DotQ: dotQSIMD128, DotQ4: dotQ4SIMD128, Dequant: dequantSIMD128, StoreTile: storeTileSIMD128x8, StoreTileAdd: storeTileAddSIMD128x8, KC: wasmKC}

// kernelSIMD128x4x8Asm is SIMD128's register tile in assembly
// (kernel_wasm_simd4x8.s) on tiles vertically adjacent tiles (A slivers
// consecutive in a, one B sliver), each stored into C with the epilogue
// that flags selects. It reads and writes without checking:
// kernelSIMD128x4x8Checked, tileSIMD128x4x8 and tileRowsSIMD128x4x8 check.
//
//go:noescape
func kernelSIMD128x4x8Asm(kc, tiles int, a, b, c []float32, ldc, flags int, bias, add []float32, ldb int)

// The flags of kernelSIMD128x4x8Asm.
const (
	tileFirst = 1 << iota
	tileLast
	tileRelu
	tileBias
	tileAdd
)

// kernelSIMD128x4x8Checked is SIMD128's Fn: the slice checks of the Go
// kernel (a panic on short operands), then the assembly tile into acc.
// The extra call costs 1-2% of a kc = 64 tile.
func kernelSIMD128x4x8Checked(kc int, a, b, acc []float32) {
	_, _, _ = a[:kc*4], b[:kc*8], acc[:32]
	kernelSIMD128x4x8Asm(kc, 1, a, b, acc, 8, tileFirst, nil, nil, 8)
}

// tileSIMD128x4x8 is SIMD128's Tile: the slice checks, then the assembly
// tile stored into C.
func tileSIMD128x4x8(kc int, a, b, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	_, _, _ = a[:kc*4], b[:kc*8], c[3*ldc:3*ldc+8]
	kernelSIMD128x4x8Asm(kc, 1, a, b, c, ldc, tileFlags(first, last, relu, bias, add, ldc, 4), bias, add, 8)
}

// tileRowsSIMD128x4x8 is SIMD128's TileRows: the slice checks, then the
// assembly's loop over the tiles.
func tileRowsSIMD128x4x8(kc, tiles int, a, b []float32, ldb int, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	if tiles <= 0 || kc <= 0 {
		return
	}
	rows := 4 * tiles
	_, _, _ = a[:kc*rows], b[:(kc-1)*ldb+8], c[(rows-1)*ldc:(rows-1)*ldc+8]
	kernelSIMD128x4x8Asm(kc, tiles, a, b, c, ldc, tileFlags(first, last, relu, bias, add, ldc, rows), bias, add, ldb)
}

// kernelSIMD128x4x4Asm is kernelSIMD128x4x8Asm on the first 4 columns of
// the B sliver (kernel_wasm_simd4x8.s), unchecked.
//
//go:noescape
func kernelSIMD128x4x4Asm(kc, tiles int, a, b, c []float32, ldc, flags int, bias, add []float32, ldb int)

// tileRowsSIMD128x4x4 is SIMD128's TileRows4: the slice checks, then the
// assembly's loop over the tiles, 4 columns each.
func tileRowsSIMD128x4x4(kc, tiles int, a, b []float32, ldb int, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	if tiles <= 0 || kc <= 0 {
		return
	}
	rows := 4 * tiles
	_, _, _ = a[:kc*rows], b[:(kc-1)*ldb+4], c[(rows-1)*ldc:(rows-1)*ldc+4]
	kernelSIMD128x4x4Asm(kc, tiles, a, b, c, ldc, tileFlags4(first, last, relu, bias, add, ldc, rows, 4), bias, add, ldb)
}

// tileFlags returns the flags of the store of tiles of rows rows in all,
// checking the lengths of bias and add where they are read.
func tileFlags(first, last, relu bool, bias, add []float32, ldc, rows int) int {
	return tileFlags4(first, last, relu, bias, add, ldc, rows, 8)
}

// tileFlags4 is tileFlags for tiles cols columns wide.
func tileFlags4(first, last, relu bool, bias, add []float32, ldc, rows, cols int) int {
	flags := 0
	if first {
		flags |= tileFirst
	}
	if last {
		flags |= tileLast
		if relu {
			flags |= tileRelu
		}
		if bias != nil {
			_ = bias[:rows]
			flags |= tileBias
		}
		if add != nil {
			_ = add[(rows-1)*ldc : (rows-1)*ldc+cols]
			flags |= tileAdd
		}
	}
	return flags
}

// kernelSIMD128x4x8BcastAsm is kernelSIMD128x4x8Asm over an A sliver
// packed broadcast (broadcastSIMD128), unchecked.
//
//go:noescape
func kernelSIMD128x4x8BcastAsm(kc, tiles int, a, b, c []float32, ldc, flags int, bias, add []float32, ldb int)

// tileBcastSIMD128x4x8 is SIMD128's TileBcast: tileSIMD128x4x8 with the A
// sliver broadcast (kc*16 floats).
func tileBcastSIMD128x4x8(kc int, a, b, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	_, _, _ = a[:kc*16], b[:kc*8], c[3*ldc:3*ldc+8]
	kernelSIMD128x4x8BcastAsm(kc, 1, a, b, c, ldc, tileFlags(first, last, relu, bias, add, ldc, 4), bias, add, 8)
}

// tileBcastRowsSIMD128x4x8 is SIMD128's TileBcastRows: tileRowsSIMD128x4x8
// over broadcast A slivers (kc*16 floats each).
func tileBcastRowsSIMD128x4x8(kc, tiles int, a, b []float32, ldb int, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	if tiles <= 0 || kc <= 0 {
		return
	}
	rows := 4 * tiles
	_, _, _ = a[:kc*4*rows], b[:(kc-1)*ldb+8], c[(rows-1)*ldc:(rows-1)*ldc+8]
	kernelSIMD128x4x8BcastAsm(kc, tiles, a, b, c, ldc, tileFlags(first, last, relu, bias, add, ldc, rows), bias, add, ldb)
}

// broadcastSIMD128 is SIMD128's Bcast: each value of src stored 4 times
// into dst, four values (16 floats) a step in assembly (broadcastAsm),
// the tail in Go.
func broadcastSIMD128(dst, src []float32) {
	dst = dst[:4*len(src)]
	i := len(src) / 4 * 4
	if i > 0 {
		broadcastAsm(&dst[0], &src[0], i/4)
	}
	for ; i < len(src); i++ {
		bc4(src[i]).StoreArray((*[4]float32)(dst[4*i:]))
	}
}

// ld4 and bc4 load and broadcast as archsimd does. Going through them
// changes only the source positions of the loads, which Go's scheduler
// uses to order values of equal priority: with them the kernel's values
// fit Go's 16 wasm vector registers (14 spill slots in the whole function
// instead of 72), which makes the kernel twice as fast in V8.
func ld4(p *[4]float32) archsimd.Float32x4 { return archsimd.LoadFloat32x4Array(p) }
func bc4(v float32) archsimd.Float32x4     { return archsimd.BroadcastFloat32x4(v) }

// kernelSIMD128x4x8 is the 4x8 tile in Go (SIMD128Go's Fn), unrolled four
// times in k, each step loading its four A values as one vector and
// splatting them lane by lane: the operations of kernelSIMD128x4x8Asm.
func kernelSIMD128x4x8(kc int, a, b, acc []float32) {
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x4
	var av, b0, b1, x archsimd.Float32x4
	a = a[:kc*4]
	b = b[:kc*8]
	for len(a) >= 16 && len(b) >= 32 {
		ap := (*[16]float32)(a)
		bp := (*[32]float32)(b)
		av = ld4((*[4]float32)(ap[0:]))
		b0 = ld4((*[4]float32)(bp[0:]))
		b1 = ld4((*[4]float32)(bp[4:]))
		x = bc4(av.GetElem(0))
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = bc4(av.GetElem(1))
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = bc4(av.GetElem(2))
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = bc4(av.GetElem(3))
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		av = ld4((*[4]float32)(ap[4:]))
		b0 = ld4((*[4]float32)(bp[8:]))
		b1 = ld4((*[4]float32)(bp[12:]))
		x = bc4(av.GetElem(0))
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = bc4(av.GetElem(1))
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = bc4(av.GetElem(2))
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = bc4(av.GetElem(3))
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		av = ld4((*[4]float32)(ap[8:]))
		b0 = ld4((*[4]float32)(bp[16:]))
		b1 = ld4((*[4]float32)(bp[20:]))
		x = bc4(av.GetElem(0))
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = bc4(av.GetElem(1))
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = bc4(av.GetElem(2))
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = bc4(av.GetElem(3))
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		av = ld4((*[4]float32)(ap[12:]))
		b0 = ld4((*[4]float32)(bp[24:]))
		b1 = ld4((*[4]float32)(bp[28:]))
		x = bc4(av.GetElem(0))
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = bc4(av.GetElem(1))
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = bc4(av.GetElem(2))
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = bc4(av.GetElem(3))
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		a = a[16:]
		b = b[32:]
	}
	for len(a) >= 4 && len(b) >= 8 {
		ap := (*[4]float32)(a)
		bp := (*[8]float32)(b)
		av = ld4((*[4]float32)(ap[0:]))
		b0 = ld4((*[4]float32)(bp[0:]))
		b1 = ld4((*[4]float32)(bp[4:]))
		x = bc4(av.GetElem(0))
		c00 = x.MulAdd(b0, c00)
		c01 = x.MulAdd(b1, c01)
		x = bc4(av.GetElem(1))
		c10 = x.MulAdd(b0, c10)
		c11 = x.MulAdd(b1, c11)
		x = bc4(av.GetElem(2))
		c20 = x.MulAdd(b0, c20)
		c21 = x.MulAdd(b1, c21)
		x = bc4(av.GetElem(3))
		c30 = x.MulAdd(b0, c30)
		c31 = x.MulAdd(b1, c31)
		a = a[4:]
		b = b[8:]
	}
	out := (*[32]float32)(acc)
	c00.StoreArray((*[4]float32)(out[0:]))
	c01.StoreArray((*[4]float32)(out[4:]))
	c10.StoreArray((*[4]float32)(out[8:]))
	c11.StoreArray((*[4]float32)(out[12:]))
	c20.StoreArray((*[4]float32)(out[16:]))
	c21.StoreArray((*[4]float32)(out[20:]))
	c30.StoreArray((*[4]float32)(out[24:]))
	c31.StoreArray((*[4]float32)(out[28:]))
}

// edgeSIMD128x8 is SIMD128's Edge: a last sliver of at most 4 columns takes
// a 4x4 tile over the same 8-wide sliver, and a sliver of one column
// (AlexNet's 13x13 and 27x27 maps, ResNet's 7x7: n = 8j+1) a 4x1 one, the
// A values times a broadcast of B, lane i holding row i: one multiply-add
// a step instead of four. Each lane is computed with kernelSIMD128x4x8's
// operations in its order (a*b == b*a in IEEE arithmetic), so the bits are
// the full tile's. Both are unrolled four times in k and load A as one
// vector per step, as the full kernel does.
func edgeSIMD128x8(kc int, a, b, acc []float32, cols int) {
	switch {
	case cols > 4:
		kernelSIMD128x4x8Checked(kc, a, b, acc)
	case relaxed.On:
		// The relaxed-SIMD build's tiles round with FMA, the Go kernels
		// below do not: the last columns of a sliver take the Edge path or
		// a tile depending on how the rows are split (Edge1x4 needs four
		// slivers left in the block), so one kind of arithmetic for all
		// keeps worker counts to the same bits. Columns 0-3 in assembly
		// (TileRows4's kernel, one tile into acc).
		_, _, _ = a[:kc*4], b[:kc*8], acc[:32]
		kernelSIMD128x4x4Asm(kc, 1, a, b, acc, 8, tileFirst, nil, nil, 8)
	case cols == 1:
		edgeSIMD128x4x1(kc, a, b, acc)
	default:
		edgeSIMD128x4x4(kc, a, b, acc)
	}
}

func edgeSIMD128x4x4(kc int, a, b, acc []float32) {
	var c00, c10, c20, c30, av, b0 archsimd.Float32x4
	a = a[:kc*4]
	b = b[:kc*8]
	for len(a) >= 16 && len(b) >= 32 {
		ap := (*[16]float32)(a)
		bp := (*[32]float32)(b)
		av = ld4((*[4]float32)(ap[0:]))
		b0 = ld4((*[4]float32)(bp[0:]))
		c00 = bc4(av.GetElem(0)).MulAdd(b0, c00)
		c10 = bc4(av.GetElem(1)).MulAdd(b0, c10)
		c20 = bc4(av.GetElem(2)).MulAdd(b0, c20)
		c30 = bc4(av.GetElem(3)).MulAdd(b0, c30)
		av = ld4((*[4]float32)(ap[4:]))
		b0 = ld4((*[4]float32)(bp[8:]))
		c00 = bc4(av.GetElem(0)).MulAdd(b0, c00)
		c10 = bc4(av.GetElem(1)).MulAdd(b0, c10)
		c20 = bc4(av.GetElem(2)).MulAdd(b0, c20)
		c30 = bc4(av.GetElem(3)).MulAdd(b0, c30)
		av = ld4((*[4]float32)(ap[8:]))
		b0 = ld4((*[4]float32)(bp[16:]))
		c00 = bc4(av.GetElem(0)).MulAdd(b0, c00)
		c10 = bc4(av.GetElem(1)).MulAdd(b0, c10)
		c20 = bc4(av.GetElem(2)).MulAdd(b0, c20)
		c30 = bc4(av.GetElem(3)).MulAdd(b0, c30)
		av = ld4((*[4]float32)(ap[12:]))
		b0 = ld4((*[4]float32)(bp[24:]))
		c00 = bc4(av.GetElem(0)).MulAdd(b0, c00)
		c10 = bc4(av.GetElem(1)).MulAdd(b0, c10)
		c20 = bc4(av.GetElem(2)).MulAdd(b0, c20)
		c30 = bc4(av.GetElem(3)).MulAdd(b0, c30)
		a = a[16:]
		b = b[32:]
	}
	for len(a) >= 4 && len(b) >= 8 {
		ap := (*[4]float32)(a)
		bp := (*[8]float32)(b)
		av = ld4((*[4]float32)(ap[0:]))
		b0 = ld4((*[4]float32)(bp[0:]))
		c00 = bc4(av.GetElem(0)).MulAdd(b0, c00)
		c10 = bc4(av.GetElem(1)).MulAdd(b0, c10)
		c20 = bc4(av.GetElem(2)).MulAdd(b0, c20)
		c30 = bc4(av.GetElem(3)).MulAdd(b0, c30)
		a = a[4:]
		b = b[8:]
	}
	out := (*[32]float32)(acc)
	c00.StoreArray((*[4]float32)(out[0:]))
	c10.StoreArray((*[4]float32)(out[8:]))
	c20.StoreArray((*[4]float32)(out[16:]))
	c30.StoreArray((*[4]float32)(out[24:]))
}

// edge1x4Asm is edge1x4SIMD128 in assembly (edge1x4_wasm_simd.s),
// unchecked.
//
//go:noescape
func edge1x4Asm(kc int, a, b *float32, out *[16]float32)

// edge1x4SIMD128 is SIMD128's Edge1x4: edgeSIMD128x4x1 on four slivers at
// once, in assembly.
func edge1x4SIMD128(kc int, a, b []float32, out *[16]float32) {
	if kc <= 0 {
		*out = [16]float32{}
		return
	}
	_, _ = a[:16*kc], b[:8*(kc-1)+1]
	edge1x4Asm(kc, &a[0], &b[0], out)
}

func edgeSIMD128x4x1(kc int, a, b, acc []float32) {
	var c archsimd.Float32x4
	a = a[:kc*4]
	b = b[:kc*8]
	for len(a) >= 16 && len(b) >= 32 {
		ap := (*[16]float32)(a)
		bp := (*[32]float32)(b)
		c = ld4((*[4]float32)(ap[0:])).MulAdd(bc4(bp[0]), c)
		c = ld4((*[4]float32)(ap[4:])).MulAdd(bc4(bp[8]), c)
		c = ld4((*[4]float32)(ap[8:])).MulAdd(bc4(bp[16]), c)
		c = ld4((*[4]float32)(ap[12:])).MulAdd(bc4(bp[24]), c)
		a = a[16:]
		b = b[32:]
	}
	for len(a) >= 4 && len(b) >= 8 {
		ap := (*[4]float32)(a)
		bp := (*[8]float32)(b)
		c = ld4((*[4]float32)(ap[0:])).MulAdd(bc4(bp[0]), c)
		a = a[4:]
		b = b[8:]
	}
	out := (*[32]float32)(acc)
	out[0], out[8], out[16], out[24] = c.GetElem(0), c.GetElem(1), c.GetElem(2), c.GetElem(3)
}

// storeTileSIMD128x8 is SIMD128's StoreTile: StoreTileAdd with no
// residual, as on amd64.
func storeTileSIMD128x8(acc, c []float32, ldc int, first, last bool, bias []float32, relu bool) {
	storeTileAddSIMD128x8(acc, c, ldc, first, last, bias, nil, relu)
}

// storeTileAddSIMD128x8 is SIMD128's StoreTileAdd (add nil: StoreTile):
// each row of the 4x8 tile is two Float32x4; on the last slice the
// residual's row is added after the bias, and ReLU keeps v unless v < 0,
// as Epilogue.apply does.
func storeTileAddSIMD128x8(acc, c []float32, ldc int, first, last bool, bias, add []float32, relu bool) {
	var zero archsimd.Float32x4
	for i := 0; i < 4; i++ {
		row := (*[8]float32)(c[i*ldc:])
		a := (*[8]float32)(acc[i*8:])
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(a[0:]))
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(a[4:]))
		if !first {
			v0 = archsimd.LoadFloat32x4Array((*[4]float32)(row[0:])).Add(v0)
			v1 = archsimd.LoadFloat32x4Array((*[4]float32)(row[4:])).Add(v1)
		}
		if last {
			if bias != nil {
				b := archsimd.BroadcastFloat32x4(bias[i])
				v0, v1 = v0.Add(b), v1.Add(b)
			}
			if add != nil {
				r := (*[8]float32)(add[i*ldc:])
				v0 = v0.Add(archsimd.LoadFloat32x4Array((*[4]float32)(r[0:])))
				v1 = v1.Add(archsimd.LoadFloat32x4Array((*[4]float32)(r[4:])))
			}
			if relu {
				v0 = zero.IfElse(v0.Less(zero), v0)
				v1 = zero.IfElse(v1.Less(zero), v1)
			}
		}
		v0.StoreArray((*[4]float32)(row[0:]))
		v1.StoreArray((*[4]float32)(row[4:]))
	}
}
