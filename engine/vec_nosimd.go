//go:build !((wasm || amd64) && goexperiment.simd) || convscope_nosimd

package engine

// vecPaths: this build has only the generic loops.
var vecPaths = []vecPath{vecGeneric}

func addVec(dst, a, b []float32)     { addGeneric(dst, a, b) }
func reluVec(dst, src []float32)     { reluGeneric(dst, src) }
func maxVec(dst, a, b []float32)     { maxGeneric(dst, a, b) }
func max3Vec(dst, a, b, c []float32) { max3Generic(dst, a, b, c) }
