//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package session

// simdMapPaths: this build has only the generic loops.
var simdMapPaths []mapPath
