//go:build !((wasm || amd64) && goexperiment.simd) || convscope_nosimd

package gemm

func addRelu(c, r []float32, relu bool) { addReluGeneric(c, r, relu) }
