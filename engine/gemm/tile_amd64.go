//go:build amd64 && goexperiment.simd && !convscope_nosimd

package gemm

import "unsafe"

// tile8x32AVX512 is in tile_amd64.s.
//
//go:noescape
func tile8x32AVX512(kc int, a, b *float32, ldb int, c *float32, ldc int, bias, add *float32, flags, mask int, pf unsafe.Pointer)

// tilePairAVX512 is AVX512's TilePair: the 4x32 tiles of two consecutive A
// slivers over one B sliver, computed and stored together in assembly.
//
// Why assembly: a tile of 8 rows keeps 16 accumulators, two B vectors and
// the broadcast A values in registers; Go's register allocator keeps
// loop-carried vectors in Z0-Z14 only and spilled such tiles (see
// kernelAVX512x4x32), and the Go kernel broadcasts A with a permute per row
// where the assembly broadcasts it straight from memory. The tile is also
// stored with its epilogue right from the registers, without the trip
// through acc and StoreTile's call. Kernel alone, L1-resident slivers, four
// rounds each at kc 64 and 256: 197-209 GFLOP per
// CPU-second against 165-175 for two calls of kernelAVX512x4x32 (compare
// BenchmarkConvShapes' pair-only and kernel-only).
func tilePairAVX512(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, nextB bool, bias, add []float32, relu bool) {
	const mr, rows = 4, 8
	checkTile(kc, cols)
	tile8x32AVX512(kc, unsafe.SliceData(a[:2*kc*mr]), unsafe.SliceData(b[:(kc-1)*ldb+cols]), ldb,
		unsafe.SliceData(c[:(rows-1)*ldc+cols]), ldc, dataOf(bias, rows), dataOf(add, (rows-1)*ldc+cols),
		tileFlags(first, last, relu, nextB), 1<<cols-1, nil)
}

// checkTile panics on the arguments an assembly tile cannot take.
func checkTile(kc, cols int) {
	if kc <= 0 || cols <= 0 || cols > 32 {
		panic("gemm: assembly tile with kc <= 0 or cols outside 1..32")
	}
}

// dataOf is s[:n]'s first element, or nil for a nil s (no bias, no
// residual).
func dataOf(s []float32, n int) *float32 {
	if s == nil {
		return nil
	}
	return unsafe.SliceData(s[:n])
}

// tileFlags packs an assembly tile's flags as tile_amd64.s reads them: bit
// 0 first (C is set, not added to), 1 last (the epilogue applies), 2 ReLU,
// 3 prefetch the next B sliver into L2.
func tileFlags(first, last, relu, nextB bool) (f int) {
	if first {
		f |= 1
	}
	if last {
		f |= 2
	}
	if relu {
		f |= 4
	}
	if nextB {
		f |= 8
	}
	return f
}

// kernel4x32AVX512 is in tile_amd64.s.
//
//go:noescape
func kernel4x32AVX512(kc int, a, b, acc *float32)

// kernelAVX512Asm is AVX512's Fn in assembly (see tile_amd64.s): the 4x32
// tile of kernelAVX512x4x32 with A broadcast by VBROADCASTSS instead of
// permutes of a 16-value load.
func kernelAVX512Asm(kc int, a, b, acc []float32) {
	const mr, nr = 4, 32
	if kc <= 0 {
		clear(acc[:mr*nr])
		return
	}
	a = a[:kc*mr]
	b = b[:kc*nr]
	acc = acc[:mr*nr]
	kernel4x32AVX512(kc, unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(acc))
}

// tile12x32AVX512 is in tile_amd64.s.
//
//go:noescape
func tile12x32AVX512(kc int, a, b *float32, ldb int, c *float32, ldc int, bias, add *float32, flags, mask int, pf unsafe.Pointer)

// tileTripleAVX512 is AVX512's TileTriple: tilePairAVX512 over three
// consecutive A slivers (12 rows), 24 accumulators. Each B vector loaded
// feeds 12 multiply-adds instead of 8: the 8-row pattern reached about 145
// of the 179 GFLOP/s the FMA units give on one core of an Ice Lake-SP
// (asm microbenchmarks, data in L1), 12 rows about 165.
func tileTripleAVX512(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, nextB bool, bias, add []float32, relu bool) {
	const mr, rows = 4, 12
	checkTile(kc, cols)
	tile12x32AVX512(kc, unsafe.SliceData(a[:3*kc*mr]), unsafe.SliceData(b[:(kc-1)*ldb+cols]), ldb,
		unsafe.SliceData(c[:(rows-1)*ldc+cols]), ldc, dataOf(bias, rows), dataOf(add, (rows-1)*ldc+cols),
		tileFlags(first, last, relu, nextB), 1<<cols-1, nil)
}

// copyStrip32 is in tile_amd64.s.
//
//go:noescape
func copyStrip32(dst, src *float32, ldb, kc, pf int)

// copyStrip copies the kc x 32 strip of B at src (row stride ldb) into
// dst as a packed sliver, prefetching the next strip's rows when next, and
// reports true (false: the build has no such copy, see copystrip_other.go).
func copyStrip(dst, src []float32, ldb, kc int, next bool) bool {
	if kc <= 0 {
		return true
	}
	dst = dst[:kc*32]
	src = src[:(kc-1)*ldb+32]
	pf := 0
	if next {
		pf = 1
	}
	copyStrip32(unsafe.SliceData(dst), unsafe.SliceData(src), ldb, kc, pf)
	return true
}

// tilePairPFAVX512 is AVX512's TilePairPF: tilePairAVX512 prefetching
// 64*kc bytes from pf on (flags bit 4) instead of the next B sliver.
func tilePairPFAVX512(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last bool, pf unsafe.Pointer, bias, add []float32, relu bool) {
	const mr, rows = 4, 8
	checkTile(kc, cols)
	tile8x32AVX512(kc, unsafe.SliceData(a[:2*kc*mr]), unsafe.SliceData(b[:(kc-1)*ldb+cols]), ldb,
		unsafe.SliceData(c[:(rows-1)*ldc+cols]), ldc, dataOf(bias, rows), dataOf(add, (rows-1)*ldc+cols),
		tileFlags(first, last, relu, false)|pfFlag(pf), 1<<cols-1, pf)
}

// tileTriplePFAVX512 is AVX512's TileTriplePF (see tilePairPFAVX512).
func tileTriplePFAVX512(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last bool, pf unsafe.Pointer, bias, add []float32, relu bool) {
	const mr, rows = 4, 12
	checkTile(kc, cols)
	tile12x32AVX512(kc, unsafe.SliceData(a[:3*kc*mr]), unsafe.SliceData(b[:(kc-1)*ldb+cols]), ldb,
		unsafe.SliceData(c[:(rows-1)*ldc+cols]), ldc, dataOf(bias, rows), dataOf(add, (rows-1)*ldc+cols),
		tileFlags(first, last, relu, false)|pfFlag(pf), 1<<cols-1, pf)
}

// pfFlag is flags bit 4 (prefetch from pf on) when pf is not nil.
func pfFlag(pf unsafe.Pointer) int {
	if pf == nil {
		return 0
	}
	return 16
}

// edge4AVX512 is in edge4_amd64.s.
//
//go:noescape
func edge4AVX512(kc int, a, b *float32, ldb int, out *float32, slivers int)

// edge4Asm is AVX512's Edge4 (see Kernel.Edge4 and edge4_amd64.s).
func edge4Asm(kc, slivers int, a, b []float32, ldb int, out *[128]float32) {
	if kc <= 0 || slivers != 4 && slivers != 8 {
		panic("gemm: Edge4 with kc <= 0 or slivers other than 4 and 8")
	}
	edge4AVX512(kc, unsafe.SliceData(a[:slivers*kc*4]), unsafe.SliceData(b[:(kc-1)*ldb+4]), ldb, &out[0], slivers)
}

// tile8x48AVX512 and copyStrip48 are in tile48_amd64.s.
//
//go:noescape
func tile8x48AVX512(kc int, a, b *float32, ldb int, c *float32, ldc int, bias, add *float32, flags int)

//go:noescape
func copyStrip48(dst, src *float32, ldb, kc, pf int)

// tile48Asm is AVX512's Tile48 (see Kernel.Tile48 and tile48_amd64.s).
func tile48Asm(kc int, a, b []float32, ldb int, c []float32, ldc int, first, last, nextB bool, bias, add []float32, relu bool) {
	const mr, rows = 4, 8
	checkTile(kc, 32)
	tile8x48AVX512(kc, unsafe.SliceData(a[:2*kc*mr]), unsafe.SliceData(b[:(kc-1)*ldb+48]), ldb,
		unsafe.SliceData(c[:(rows-1)*ldc+48]), ldc, dataOf(bias, rows), dataOf(add, (rows-1)*ldc+48),
		tileFlags(first, last, relu, nextB))
}

// copyStrip48Asm is AVX512's CopyStrip48: copyStrip for 48 columns.
func copyStrip48Asm(dst, src []float32, ldb, kc int, next bool) {
	if kc <= 0 {
		return
	}
	dst = dst[:kc*48]
	src = src[:(kc-1)*ldb+48]
	pf := 0
	if next {
		pf = 1
	}
	copyStrip48(unsafe.SliceData(dst), unsafe.SliceData(src), ldb, kc, pf)
}
