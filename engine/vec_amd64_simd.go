//go:build amd64 && goexperiment.simd && !convscope_nosimd

package engine

import "simd/archsimd"

// vecAVX2 does eight float32 at a time with AVX2 (the tail with the generic
// loop), for CPUs that have it; the others keep the generic loops. Natively
// Go's max on float32 is inline but branches on NaN and signed zeros per
// value: MaxPool took 5.2 of GoogLeNet's 32 ms one-worker pass (16%), where
// onnxruntime-node spends 0.35 ms.
//
// VMAXPS is not Go's max: it returns its second operand when either is NaN
// and when both are zeros of either sign. max8 fixes both cases with two
// compares and blends, so the results have max's bits (NaN if either is NaN,
// +0 over -0), which TestVecPaths checks.
var vecAVX2 = vecPath{name: "avx2", add: addAVX2, relu: reluAVX2, max: maxAVX2, max3: max3AVX2}

var vecPaths = vecPathsAMD64()

func vecPathsAMD64() []vecPath {
	if hasAVX2 {
		return []vecPath{vecGeneric, vecAVX2}
	}
	return []vecPath{vecGeneric}
}

var hasAVX2 = archsimd.X86.AVX2()

func addVec(dst, a, b []float32) {
	if hasAVX2 {
		addAVX2(dst, a, b)
		return
	}
	addGeneric(dst, a, b)
}

func reluVec(dst, src []float32) {
	if hasAVX2 {
		reluAVX2(dst, src)
		return
	}
	reluGeneric(dst, src)
}

func maxVec(dst, a, b []float32) {
	if hasAVX2 {
		maxAVX2(dst, a, b)
		return
	}
	maxGeneric(dst, a, b)
}

func max3Vec(dst, a, b, c []float32) {
	if hasAVX2 {
		max3AVX2(dst, a, b, c)
		return
	}
	max3Generic(dst, a, b, c)
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

// max8 is max(x, y) lane by lane with Go's max's bits (see vecAVX2).
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
