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

// directChanKernel is the channel-vector path's tile kernel
// (direct_chan.go) on this build and CPU, or nil (the portable one).
var directChanKernel directChanFn = func() directChanFn {
	if archsimd.X86.AVX512() {
		return directChanAVX512
	}
	return nil
}()

// directChanAVX512 is directChanGo through directKernelC6x64 (ldc 64).
// The caller guarantees that every load, pl[base[j]+off[p]], lies in pl
// (directChan checks the last pixel's last tap once per call).
func directChanAVX512(k int, w []float32, off []int, pl []float32, base *[directChanPix]int, c []float32, ldc int, add bool, pf *float32) {
	_ = w[k*directChanC-1]
	_ = off[k-1]
	_ = c[(directChanPix-1)*ldc+directChanC-1]
	var ad int
	if add {
		ad = 1
	}
	directKernelC6x64(k, &w[0], &off[0], &pl[base[0]], &pl[base[1]], &pl[base[2]], &pl[base[3]], &pl[base[4]], &pl[base[5]], &c[0], ldc, ad, pf)
}

// directKernelC6x64 is in direct_amd64.s.
//
//go:noescape
func directKernelC6x64(k int, w *float32, off *int, p0, p1, p2, p3, p4, p5 *float32, c *float32, ldc, add int, pf *float32)

// directKernel8x48 and directKernel6x64 are in direct_amd64.s.
//
//go:noescape
func directKernel8x48(k int, a *float32, off *int, p0, p1, p2 *float32, acc *[384]float32, y *float32, ldy, mode int, bias *float32)

//go:noescape
func directKernel6x64(k int, a *float32, off *int, p0, p1, p2, p3 *float32, acc *[384]float32, y *float32, ldy, mode int, bias *float32)

// directTileAVX512 is directTileGo: the r x 16*segs accumulators in
// assembly (directKernel8x48 for r 8, directKernel6x64 for r 6), then each
// row's vectors stored, or added to what is stored (C + acc), then the
// bias and the ReLU, as gemm's storeTileAddAVX512 does them, lane by lane
// (so the bits are the GEMM's). The caller guarantees that every load of
// the planes the kernel makes, 16 values at b+off[p], lies inside planes
// (direct checks it once per call).
func directTileAVX512(kc int, a []float32, off []int, planes []float32, t *directTile, y []float32, ldy, r, rows int, first, last bool, bias []float32, relu bool, acc *[384]float32) {
	_ = a[r*kc-1]
	_ = off[kc-1]
	segs := 3
	if r == 6 {
		segs = 4
	}
	// A full tile of segments contiguous in y (the q layout of the 3x3
	// stride-2 convs; row segments, consecutive pixels as output rows are
	// a whole number of segments: ResNet's conv1, 112 = 7 x 16, all tiles
	// but the last) is stored, added, biased and ReLU'd by the kernel
	// from its registers (see directKernel8x48's mode): in Go, through
	// acc, it was 9% of BenchmarkConvLayer 3x3s2_128to128_56's CPU
	// profile.
	mode, py, pb := 0, &acc[0], (*float32)(nil)
	if rows == r {
		d0, full := t.d[0], true
		for s := 0; s < segs; s++ {
			full = full && t.n[s] == directSeg && t.d[s] == d0+s*directSeg
		}
		if full {
			_ = y[d0+(r-1)*ldy+segs*directSeg-1]
			mode, py = 1, &y[d0]
			if !first {
				mode |= 2
			}
			if last && bias != nil {
				_ = bias[r-1]
				mode, pb = mode|4, &bias[0]
			}
			if last && relu {
				mode |= 8
			}
		}
	}
	if r == 6 {
		directKernel6x64(kc, &a[0], &off[0], &planes[t.b[0]], &planes[t.b[1]], &planes[t.b[2]], &planes[t.b[3]], acc, py, ldy, mode, pb)
	} else {
		directKernel8x48(kc, &a[0], &off[0], &planes[t.b[0]], &planes[t.b[1]], &planes[t.b[2]], acc, py, ldy, mode, pb)
	}
	if mode != 0 {
		return
	}
	var zero archsimd.Float32x16
	for i := 0; i < rows; i++ {
		for s := 0; s < segs; s++ {
			if t.n[s] == 0 {
				continue
			}
			v := archsimd.LoadFloat32x16Array((*[16]float32)(acc[(i*segs+s)*16:]))
			r := y[t.d[s]+i*ldy : t.d[s]+i*ldy+t.n[s]]
			if !first {
				c, _ := archsimd.LoadFloat32x16Part(r)
				v = c.Add(v)
			}
			if last && bias != nil {
				v = v.Add(archsimd.BroadcastFloat32x16(bias[i]))
			}
			if last && relu {
				// ReLU keeps v unless v < 0, as gemm.Epilogue does (-0
				// and NaN stay).
				v = zero.IfElse(v.Less(zero), v)
			}
			v.StorePart(r)
		}
	}
	archsimd.ClearAVXUpperBits()
}

// directSplit2 sets e[j] = src[2j] and o[j] = src[2j+1] (len(src) >=
// 2*len(e)-1 and 2*len(o)): an input row into the planes of its two column
// phases at stride 2, 16 values of each from two loads by two two-source
// permutes (VPERMI2PS) where AVX-512 is there, the last ones masked. Value
// by value, with a call per plane row, the planes of ResNet-50's
// layer2.0.conv2 (128 channels) took a sixth of the conv.
func directSplit2(e, o, src []float32) {
	if directKernel == nil {
		split2Go(e, o, src)
		return
	}
	even := archsimd.LoadUint32x16Array(&splitEven)
	odd := archsimd.LoadUint32x16Array(&splitOdd)
	part := func(i int) archsimd.Float32x16 {
		v, _ := archsimd.LoadFloat32x16Part(src[min(i, len(src)):])
		return v
	}
	for j := 0; j < len(e) || j < len(o); j += 16 {
		a, b := part(2*j), part(2*j+16)
		a.ConcatPermute(b, even).StorePart(e[min(j, len(e)):])
		a.ConcatPermute(b, odd).StorePart(o[min(j, len(o)):])
	}
	archsimd.ClearAVXUpperBits()
}

// splitEven and splitOdd pick the even and the odd lanes of two
// concatenated Float32x16: arrays, loaded where they are used (a vector
// variable's initializer would run AVX-512 on any CPU).
var (
	splitEven = [16]uint32{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}
	splitOdd  = [16]uint32{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}
)
