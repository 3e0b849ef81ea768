//go:build wasm && goexperiment.simd && !convscope_nosimd

package vec

import "math"

// MaxPool3x3S1Wasm says whether MaxPool3x3S1W may be called for planes w
// wide: in WebAssembly with SIMD, rows of at least one vector.
func MaxPool3x3S1Wasm(w int) bool { return w >= 4 }

// MaxPool3x3S2Wasm says whether MaxPool3x3S2P1 may be called for this
// geometry (see there): in WebAssembly with SIMD, pad 1, even h and w,
// output h/2 x w/2 of at least 4 columns (the CIFAR-10 networks' stride-2
// pools: 32x32, 16x16 and 8x8 maps).
func MaxPool3x3S2Wasm(h, w, oh, ow, pt, pl int) bool {
	return pt == 1 && pl == 1 && h >= 2 && h%2 == 0 && w%2 == 0 && oh == h/2 && ow == w/2 && ow >= 4
}

// MaxPool2x2S2Wasm says whether MaxPool2x2S2 may be called for this
// geometry: in WebAssembly with SIMD, no padding on the top and left, even
// h and w, output h/2 x w/2 of at least 4 columns (VGG's pools).
func MaxPool2x2S2Wasm(h, w, oh, ow, pt, pl int) bool {
	return pt == 0 && pl == 0 && h >= 2 && h%2 == 0 && w%2 == 0 && oh == h/2 && ow == w/2 && ow >= 4
}

// MaxPool2x2S2 pools planes consecutive (h, w) planes of src into (h/2,
// w/2) planes of dst with a 2x2 window and stride 2 (no padding on the
// top and left; any on the bottom and right: no window reaches it), with
// Go's max's bits (which NaN aside), using vp (at least w+2 values, any
// contents). Only when MaxPool2x2S2Wasm.
func MaxPool2x2S2(dst, src, vp []float32, planes, h, w int) {
	if planes <= 0 {
		return
	}
	oh, ow := h/2, w/2
	if !MaxPool2x2S2Wasm(h, w, oh, ow, 0, 0) || len(vp) < w+2 {
		panic("vec: MaxPool2x2S2: bad geometry")
	}
	_, _ = src[planes*h*w-1], dst[planes*oh*ow-1]
	vp[w], vp[w+1] = 0, 0 // read into lanes that are dropped
	maxPool2x2S2Asm(&dst[0], &src[0], &vp[0], planes, oh, 4*w, w/4, tailOff(w), ow/4, tailOff(ow), &evenLanes)
}

// MaxPool3x3S1W pools planes consecutive (h, w) planes of src into dst
// (the same size) with a 3x3 window, stride 1 and one cell of padding on
// every side, with Go's max's bits (which NaN aside; f32x4.max is NaN when
// either is and +0 over -0, as max), using vp (at least w+2 values, any
// contents). Only when MaxPool3x3S1Wasm(w); h at least 1.
func MaxPool3x3S1W(dst, src, vp []float32, planes, h, w int) {
	if planes <= 0 {
		return
	}
	if !MaxPool3x3S1Wasm(w) || h < 1 || len(vp) < w+2 {
		panic("vec: MaxPool3x3S1W: bad geometry")
	}
	_, _ = src[planes*h*w-1], dst[planes*h*w-1]
	if w == 4 || w == 8 {
		// Rows of one or two vectors (GoogLeNet-CIFAR's inception 4
		// pools, 8x8): the column maxima in registers, not through vp.
		// In Node, relaxed build, min us of 3000 calls over 3 alternating
		// runs (load 9-10), vp -> registers: 208x8x8 35.1 -> 27.4,
		// 288x8x8 61.2 -> 37.9; but 128x16x16 58.6 -> 63.5, 64x16x16
		// 29.4 -> 31.5 (longer rows lose less to store forwarding and
		// more to the swizzles), so those keep vp.
		maxPool3x3S1W4Asm(&dst[0], &src[0], planes, h, 4*w, w/4, 4*h*w, &neighbourLanes)
		return
	}
	negInf := float32(math.Inf(-1))
	vp[0], vp[w+1] = negInf, negInf
	maxPool3x3S1Asm(&dst[0], &src[0], &vp[0], planes, h, 4*w, w/4, tailOff(w), 4*h*w)
}

// MaxPool3x3S2P1 pools planes consecutive (h, w) planes of src into
// (h/2, w/2) planes of dst with a 3x3 window, stride 2 and one cell of
// padding on the top and left (any on the bottom and right: no window
// reaches it), with Go's max's bits (which NaN aside), using vp (at least
// w+2 values, any contents). Only when MaxPool3x3S2Wasm.
func MaxPool3x3S2P1(dst, src, vp []float32, planes, h, w int) {
	if planes <= 0 {
		return
	}
	oh, ow := h/2, w/2
	if !MaxPool3x3S2Wasm(h, w, oh, ow, 1, 1) || len(vp) < w+2 {
		panic("vec: MaxPool3x3S2P1: bad geometry")
	}
	_, _ = src[planes*h*w-1], dst[planes*oh*ow-1]
	vp[0] = float32(math.Inf(-1))
	vp[w+1] = 0 // read into a lane that is dropped
	maxPool3x3S2Asm(&dst[0], &src[0], &vp[0], planes, oh, 4*w, w/4, tailOff(w), ow/4, tailOff(ow), &evenLanes)
}

// tailOff is the byte offset of the last vector of a row of n >= 4
// values when n is not a multiple of 4 (it overlaps the one before and
// is written again with the same bits), else -1.
func tailOff(n int) int {
	if n%4 == 0 {
		return -1
	}
	return 4 * (n - 4)
}

// evenLanes are the swizzles that take float32 lanes 0 and 2 of a vector
// to lanes 0 and 1 (first 16 bytes) or to lanes 2 and 3 (last 16), zero
// in the others (an index past 15 gives a zero byte).
var evenLanes = [32]uint8{
	0, 1, 2, 3, 8, 9, 10, 11, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 0, 1, 2, 3, 8, 9, 10, 11,
}

// maxPool3x3S1Asm and maxPool3x3S2Asm are MaxPool3x3S1W's and
// MaxPool3x3S2P1's loops (maxpool_wasm_simd.s), unchecked; wb is a row's
// bytes, n4 its whole vectors, tb the byte offset of its tail vector or
// -1.
//
//go:noescape
func maxPool3x3S1Asm(dst, src, vp *float32, planes, h, wb, n4, tb, planeb int)

// maxPool3x3S1W4Asm is maxPool3x3S1Asm for rows of one or two vectors,
// the column maxima kept in registers (maxpool_wasm_simd.s); n4 a row's
// vectors, wb and planeb a row's and a plane's bytes.
//
//go:noescape
func maxPool3x3S1W4Asm(dst, src *float32, planes, h, wb, n4, planeb int, tbl *[64]uint8)

// neighbourLanes are maxPool3x3S1W4Asm's swizzles: the previous vector's
// lane 3 into lane 0, this one's lanes 0-2 into lanes 1-3 (or together:
// each lane's left neighbour), this one's lanes 1-3 into lanes 0-2, the
// next one's lane 0 into lane 3 (each lane's right neighbour); an index
// past 15 gives a zero byte.
var neighbourLanes = [64]uint8{
	12, 13, 14, 15, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 1, 2, 3,
}

//go:noescape
func maxPool3x3S2Asm(dst, src, vp *float32, planes, oh, wb, n4v, tbv, n4o, tbo int, tbl *[32]uint8)

//go:noescape
func maxPool2x2S2Asm(dst, src, vp *float32, planes, oh, wb, n4v, tbv, n4o, tbo int, tbl *[32]uint8)
