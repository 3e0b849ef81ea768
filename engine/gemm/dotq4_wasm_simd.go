//go:build wasm && goexperiment.simd && !convscope_nosimd

package gemm

// The assembly is generated (generate.go).

// dotQ4SIMD128Asm is SIMD128's DotQ4: dotQ4SIMD128's loop in assembly
// (dotq4_wasm_simd.s), then its reduction and tail in Go, so the same
// bits (TestDotQ4) in the plain build. In Go, V8's TurboFan hoists the
// loads of the four rows and spills vectors to its stack; the assembly
// keeps its 13 vectors in registers. In the relaxed-SIMD build the loop
// multiplies and adds with f32x4.relaxed_madd (MADD, madd_wasm.h), as the
// GEMM tiles do; the tail stays a multiply then an add.
func dotQ4SIMD128Asm(x []float32, q0, q1, q2, q3 []int8) [4]float32 {
	n := len(x)
	q0, q1, q2, q3 = q0[:n], q1[:n], q2[:n], q3[:n]
	var acc [8][4]float32 // row r: a at 2r, b at 2r+1
	n16 := n / 16
	if n16 > 0 {
		dotQ4Asm(&x[0], &q0[0], &q1[0], &q2[0], &q3[0], n16, &acc)
	}
	s := [4]float32{reduce2a(&acc[0], &acc[1]), reduce2a(&acc[2], &acc[3]), reduce2a(&acc[4], &acc[5]), reduce2a(&acc[6], &acc[7])}
	for p := n16 * 16; p < n; p++ {
		s[0] += x[p] * float32(q0[p])
		s[1] += x[p] * float32(q1[p])
		s[2] += x[p] * float32(q2[p])
		s[3] += x[p] * float32(q3[p])
	}
	return s
}

// dotQSIMD128Asm is SIMD128's DotQ: dotQ4SIMD128Asm on one row (dotQ1Asm,
// its row 0's operations), so that a row has the same bits whether a
// product takes it four rows at a time (gemv's DotQ4) or alone (the last
// rows, or a split of the rows over workers or shards that ends elsewhere)
// in the relaxed-SIMD build too, where the loop fuses its multiply-adds
// and dotQSIMD128 (Go) cannot. In the plain build it has dotQSIMD128's
// bits (TestDotQAsm).
func dotQSIMD128Asm(x []float32, q []int8) float32 {
	n := len(x)
	q = q[:n]
	var acc [2][4]float32
	n16 := n / 16
	if n16 > 0 {
		dotQ1Asm(&x[0], &q[0], n16, &acc)
	}
	s := reduce2a(&acc[0], &acc[1])
	for p := n16 * 16; p < n; p++ {
		s += x[p] * float32(q[p])
	}
	return s
}

// reduce2a is reduce2 on the accumulators' lanes in memory.
func reduce2a(la, lb *[4]float32) float32 {
	return ((la[0] + la[1]) + (la[2] + la[3])) + ((lb[0] + lb[1]) + (lb[2] + lb[3]))
}

// dotQ4Asm adds, for each of n16 blocks of 16 values, the four rows'
// products into acc as dotQ4SIMD128's loop does, without checking.
//
//go:noescape
func dotQ4Asm(x *float32, q0, q1, q2, q3 *int8, n16 int, acc *[8][4]float32)

// dotQ1Asm is dotQ4Asm on one row (acc: a, b).
//
//go:noescape
func dotQ1Asm(x *float32, q *int8, n16 int, acc *[2][4]float32)
