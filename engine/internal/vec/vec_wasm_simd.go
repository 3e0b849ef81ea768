//go:build wasm && goexperiment.simd && !convscope_nosimd

package vec

import "simd/archsimd"

// simd128 does four float32 at a time with WebAssembly SIMD128 (the tail
// with the generic loop). f32x4.add is the scalar add lane by lane; ReLU
// keeps v unless v < 0 as reluGeneric does; f32x4.max gives max's bits
// (NaN if either is NaN, +0 over -0) except which NaN comes out when there
// is one (the WebAssembly spec leaves its payload open), which no caller
// depends on.
var simd128 = Path{Name: "simd128", Add: addSIMD128, Relu: reluSIMD128, AddRelu: addReluSIMD128, Max: maxSIMD128, Max3: max3SIMD128, MaxS2: maxS2Generic}

var simdPaths = []Path{simd128}

func addSIMD128(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		x0 := archsimd.LoadFloat32x4Array((*[4]float32)(a[i:]))
		x1 := archsimd.LoadFloat32x4Array((*[4]float32)(a[i+4:]))
		y0 := archsimd.LoadFloat32x4Array((*[4]float32)(b[i:]))
		y1 := archsimd.LoadFloat32x4Array((*[4]float32)(b[i+4:]))
		x0.Add(y0).StoreArray((*[4]float32)(dst[i:]))
		x1.Add(y1).StoreArray((*[4]float32)(dst[i+4:]))
	}
	addGeneric(dst[i:], a[i:], b[i:])
}

func reluSIMD128(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	var zero archsimd.Float32x4
	i := 0
	for ; i+8 <= n; i += 8 {
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(src[i:]))
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(src[i+4:]))
		zero.IfElse(v0.Less(zero), v0).StoreArray((*[4]float32)(dst[i:]))
		zero.IfElse(v1.Less(zero), v1).StoreArray((*[4]float32)(dst[i+4:]))
	}
	reluGeneric(dst[i:], src[i:])
}

func addReluSIMD128(c, r []float32, relu bool) {
	n := len(c)
	r = r[:n]
	var zero archsimd.Float32x4
	i := 0
	for ; i+8 <= n; i += 8 {
		v0 := archsimd.LoadFloat32x4Array((*[4]float32)(c[i:])).Add(archsimd.LoadFloat32x4Array((*[4]float32)(r[i:])))
		v1 := archsimd.LoadFloat32x4Array((*[4]float32)(c[i+4:])).Add(archsimd.LoadFloat32x4Array((*[4]float32)(r[i+4:])))
		if relu {
			v0 = zero.IfElse(v0.Less(zero), v0)
			v1 = zero.IfElse(v1.Less(zero), v1)
		}
		v0.StoreArray((*[4]float32)(c[i:]))
		v1.StoreArray((*[4]float32)(c[i+4:]))
	}
	addReluGeneric(c[i:], r[i:], relu)
}

func maxSIMD128(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := n / 8 * 8
	if i > 0 {
		max2Asm(&dst[0], &a[0], &b[0], i/8)
	}
	maxGeneric(dst[i:], a[i:], b[i:])
}

func max3SIMD128(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := n / 8 * 8
	if i > 0 {
		max3Asm(&dst[0], &a[0], &b[0], &c[0], i/8)
	}
	max3Generic(dst[i:], a[i:], b[i:], c[i:])
}

// max2Asm and max3Asm are maxSIMD128's and max3SIMD128's loops over n8
// blocks of 8 values (max_wasm_simd.s), unchecked.
//
//go:noescape
func max2Asm(dst, a, b *float32, n8 int)

//go:noescape
func max3Asm(dst, a, b, c *float32, n8 int)
