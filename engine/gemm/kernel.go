package gemm

// kernel computes the mr x nr product of a packed A sliver (kc x mr,
// a[p*mr+i]) and a packed B sliver (kc x nr, b[p*nr+j]) into acc
// (row-major mr x nr). Each accumulator sums over p in order, so the result
// of an element does not depend on where its tile lies.
//
// The tile is 4x2 because scalar Go code on amd64 has 15 float registers:
// 8 accumulators + 2 values of B + 1 of A fit (Go's wasm port also has 16
// float registers), where a 4x4 tile spilled about half its operands to the
// stack: 4x4 ran 3.9 GFLOP/s per CPU-second here, 4x2 4.5, 6x2 4.2 and
// 3x3 4.7 (not worth an odd tile the SIMD kernels would not share).
func kernel(kc int, a, b []float32, acc *[mr * nr]float32) {
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	a = a[:kc*mr]
	b = b[:kc*nr]
	for p := 0; p < kc; p++ {
		av := (*[mr]float32)(a[p*mr:])
		bv := (*[nr]float32)(b[p*nr:])
		b0, b1 := bv[0], bv[1]
		a0 := av[0]
		c00 += a0 * b0
		c01 += a0 * b1
		a1 := av[1]
		c10 += a1 * b0
		c11 += a1 * b1
		a2 := av[2]
		c20 += a2 * b0
		c21 += a2 * b1
		a3 := av[3]
		c30 += a3 * b0
		c31 += a3 * b1
	}
	*acc = [mr * nr]float32{c00, c01, c10, c11, c20, c21, c30, c31}
}
