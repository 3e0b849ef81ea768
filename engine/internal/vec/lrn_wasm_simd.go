//go:build wasm && goexperiment.simd && !convscope_nosimd

package vec

// LRN's loops two values a vector (f64x2; the tail of an odd length with
// the generic loop): the same float64 operations lane by lane as the Go
// loops (mul, add, sqrt, div, the float32 rounding), so the same bits. Go
// ran them one float64 at a time with a slice check each: alexnet_cifar's
// LRN of 64x16x16 values took 0.59 ms in Node (relaxed build), 36 ns a
// value.
func squaresAdd(sum []float64, x []float32) {
	n := len(sum)
	x = x[:n]
	i := n / 2 * 2
	if i > 0 {
		squaresAddAsm(&sum[0], &x[0], i/2)
	}
	squaresAddGeneric(sum[i:], x[i:])
}

func lrnScale(dst, x []float32, sum []float64, bias, k float64) {
	n := len(dst)
	x, sum = x[:n], sum[:n]
	i := n / 2 * 2
	if i > 0 {
		bk := [2]float64{bias, k}
		lrnScaleAsm(&dst[0], &x[0], &sum[0], i/2, &bk)
	}
	lrnScaleGeneric(dst[i:], x[i:], sum[i:], bias, k)
}

// squaresAddAsm and lrnScaleAsm are squaresAdd's and lrnScale's loops
// over n2 pairs of values (lrn_wasm_simd.s), unchecked; bk holds bias
// and k.
//
//go:noescape
func squaresAddAsm(sum *float64, x *float32, n2 int)

//go:noescape
func lrnScaleAsm(dst, x *float32, sum *float64, n2 int, bk *[2]float64)
