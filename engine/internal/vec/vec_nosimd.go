//go:build !((wasm || amd64) && goexperiment.simd) || convscope_nosimd

package vec

// simdPaths: this build has only the generic loops.
var simdPaths []Path
