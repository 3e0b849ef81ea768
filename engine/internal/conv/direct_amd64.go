//go:build amd64 && goexperiment.simd && !convscope_nosimd

package conv

import (
	"simd/archsimd"
)

// directKernel is the direct path's tile kernel on this build and CPU, or
// nil (Forward then takes im2col + GEMM).
var directKernel directTileFn = func() directTileFn {
	if archsimd.X86.AVX512() {
		return directTileAVX512
	}
	return nil
}()

// directKernel8x32 is in direct_amd64.s.
//
//go:noescape
func directKernel8x32(k int, a *float32, off *int, p0, p1 *float32, acc *[256]float32)

// directTileAVX512 is directTileGo: the 8 x 32 accumulators in assembly
// (directKernel8x32), then the bias and the ReLU on each row's two vectors
// as gemm's StoreTile does them, and a store of each segment's first n
// values. The caller guarantees that every load of the planes the kernel
// makes, 16 values at b+off[p], lies inside planes (direct checks it once
// per call).
func directTileAVX512(k int, a []float32, off []int, planes []float32, b0, b1 int, y []float32, d0, d1, ldy, rows, n0, n1 int, bias []float32, relu bool, acc *[256]float32) {
	_ = a[8*k-1]
	_ = off[k-1]
	directKernel8x32(k, &a[0], &off[0], &planes[b0], &planes[b1], acc)
	var zero archsimd.Float32x16
	for i := 0; i < rows; i++ {
		v0 := archsimd.LoadFloat32x16Array((*[16]float32)(acc[i*32:]))
		v1 := archsimd.LoadFloat32x16Array((*[16]float32)(acc[i*32+16:]))
		if bias != nil {
			b := archsimd.BroadcastFloat32x16(bias[i])
			v0, v1 = v0.Add(b), v1.Add(b)
		}
		if relu {
			// ReLU keeps v unless v < 0, as gemm.Epilogue does (-0
			// and NaN stay).
			v0 = zero.IfElse(v0.Less(zero), v0)
			v1 = zero.IfElse(v1.Less(zero), v1)
		}
		v0.StorePart(y[d0+i*ldy : d0+i*ldy+n0])
		if n1 > 0 {
			v1.StorePart(y[d1+i*ldy : d1+i*ldy+n1])
		}
	}
	archsimd.ClearAVXUpperBits()
}
