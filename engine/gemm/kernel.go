package gemm

// kernel4x4 computes the mr x nr product of a packed A sliver (kc x mr,
// a[p*mr+i]) and a packed B sliver (kc x nr, b[p*nr+j]) and stores it in
// acc (row-major 4x4). Each accumulator sums over p in order, so the result
// of an element does not depend on where its tile lies.
func kernel4x4(kc int, a, b []float32, acc *[mr * nr]float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	a = a[:kc*mr]
	b = b[:kc*nr]
	for p := 0; p < kc; p++ {
		av := a[p*mr : p*mr+mr : p*mr+mr]
		bv := b[p*nr : p*nr+nr : p*nr+nr]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		a0 := av[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := av[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := av[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := av[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	*acc = [mr * nr]float32{
		c00, c01, c02, c03,
		c10, c11, c12, c13,
		c20, c21, c22, c23,
		c30, c31, c32, c33,
	}
}
