//go:build amd64 && goexperiment.simd && !convscope_nosimd

package gemm

import "simd/archsimd"

// addRelu is AddRelu eight values at a time with AVX2 where the CPU has it
// (the tail, and CPUs without, with the generic loop): the add is the
// scalar add lane by lane and the ReLU keeps v unless v < 0. In scalar
// code the fused residual cost more than the vectorised Add and Relu
// passes it replaced (ResNet-50, 1 worker).
func addRelu(c, r []float32, relu bool) {
	if !hasAVX2 {
		addReluGeneric(c, r, relu)
		return
	}
	n := len(c)
	r = r[:n]
	var zero archsimd.Float32x8
	i := 0
	for ; i+8 <= n; i += 8 {
		v := archsimd.LoadFloat32x8Array((*[8]float32)(c[i:])).Add(archsimd.LoadFloat32x8Array((*[8]float32)(r[i:])))
		if relu {
			v = zero.IfElse(v.Less(zero), v)
		}
		v.StoreArray((*[8]float32)(c[i:]))
	}
	addReluGeneric(c[i:], r[i:], relu)
	archsimd.ClearAVXUpperBits()
}

var hasAVX2 = archsimd.X86.AVX2()
