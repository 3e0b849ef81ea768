//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package session

// simdMapPaths: this build has only the generic loops.
var simdMapPaths []mapPath

// scanCopyMaps: this build copies and then scans (see CopyScanStats).
var scanCopyMaps func(dst, src []float32, size int, lo, hi []float32, t *tally) int
