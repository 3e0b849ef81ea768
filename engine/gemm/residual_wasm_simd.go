//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

import "simd/archsimd"

// addRelu is AddRelu eight values at a time as two Float32x4 (the tail with
// the generic loop): f32x4.add is the scalar add lane by lane, and the ReLU
// keeps v unless v < 0.
func addRelu(c, r []float32, relu bool) {
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
