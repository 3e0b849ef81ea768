// Package gemm multiplies float32 matrices: C = alpha*op(A)*op(B) + beta*C,
// BLAS sgemm semantics on row-major slices with explicit row strides.
//
// op(A) is m x k: element (i, p) is a[i*lda+p], or a[p*lda+i] when transA.
// op(B) is k x n: element (p, j) is b[p*ldb+j], or b[j*ldb+p] when transB.
// C is m x n: element (i, j) is c[i*ldc+j]. When beta is 0, C is not read
// (so it may hold garbage or NaN).
//
// Naive is the reference; Blocked is the cache-blocked, packed kernel; and
// Parallel splits Blocked over goroutines by disjoint output tiles, so every
// element of C is summed in the same order whatever the number of workers:
// results are bit-identical for 1 and N workers. Callers must pass slices
// long enough for the sizes and strides (CheckSizes reports if they are not);
// the kernels know nothing about tensors or graphs.
//
// The arithmetic of the packed path is a Kernel (an MR x NR register tile)
// selected through Tiles; Generic is portable Go with no build tag. Built
// with GOEXPERIMENT=simd, amd64 adds AVX512 (4x32 Float32x16) and AVX2
// (4x16 Float32x8), each listed only when the CPU has the features, and
// wasm adds SIMD128 (4x12 Float32x4). Kernels lists every kernel of the
// build, so every test and benchmark runs each one; DefaultTiles uses the
// fastest unless the CONVSCOPE_NOSIMD environment variable is set, and the
// convscope_nosimd build tag leaves the SIMD kernels out. TilesFor holds the
// blocking sizes. ParallelEpilogue fuses a per-row bias and ReLU into the
// product. ParallelMatrix takes Matrix operands, which may be int8 with
// per-channel scales (a model's weights, kept int8 in memory): they are
// dequantized into the packed panels, with the same bits as a float32 copy
// (except at batch 1, see gemv).
package gemm

// CheckSizes reports whether the slices are long enough for a call with
// these sizes and strides.
func CheckSizes(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	return CheckMatrices(transA, transB, m, n, k, Float(a, lda), Float(b, ldb), c, ldc)
}

// Naive is the reference: a triple loop with one float32 sum per element,
// in order of p. Tests compare every fast path against it.
func Naive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
