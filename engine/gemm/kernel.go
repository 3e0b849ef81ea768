package gemm

// kernel computes the mr x nr product of a packed A sliver (kc x mr,
// a[p*mr+i]) and a packed B sliver (kc x nr, b[p*nr+j]) into acc
// (row-major mr x nr). Each accumulator sums over p in order, so the result
// of an element does not depend on where its tile lies.
//
// The tile is 4x2 because scalar Go code on amd64 has 15 float registers:
// 8 accumulators + 2 values of B + 1 of A fit with no spills, where a 4x4
// tile spilled about half its operands to the stack and ran slower.
func kernel(kc int, a, b []float32, acc *[mr * nr]float32) {
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	a = a[:kc*mr]
	b = b[:kc*nr]
	for len(a) >= mr && len(b) >= nr {
		b0, b1 := b[0], b[1]
		a0 := a[0]
		c00 += a0 * b0
		c01 += a0 * b1
		a1 := a[1]
		c10 += a1 * b0
		c11 += a1 * b1
		a2 := a[2]
		c20 += a2 * b0
		c21 += a2 * b1
		a3 := a[3]
		c30 += a3 * b0
		c31 += a3 * b1
		a, b = a[mr:], b[nr:]
	}
	*acc = [mr * nr]float32{c00, c01, c10, c11, c20, c21, c30, c31}
}
