package vec

import "math"

// Maxf is Go's max(x, y) on float32 with the same result bits (the body of
// runtime.fmax): in WebAssembly the builtin is a call to runtime.fmax32,
// which the compiler does not inline, and a call per element made max
// pooling ten times slower than its comparisons.
func Maxf(x, y float32) float32 {
	if y != y || y > x {
		return y
	}
	if x != x || x > y || x != 0 {
		return x
	}
	// x and y are both ±0: -0 only if both are.
	return math.Float32frombits(math.Float32bits(x) & math.Float32bits(y))
}
