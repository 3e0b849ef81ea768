package vec

import "math"

// SquaresAdd adds float64(x[i])*float64(x[i]) to sum[i] for every i <
// len(sum) (len(x) >= len(sum)): LRN's square sums over channels, one
// channel a call, in the order of the calls.
func SquaresAdd(sum []float64, x []float32) { squaresAdd(sum, x[:len(sum)]) }

// LRNScale sets dst[i] = float32(float64(x[i]) / (r*sqrt(r))) with r =
// sqrt(bias + k*sum[i]), i < len(dst): LRN's output for beta 0.75 (t^0.75
// = sqrt(t)*sqrt(sqrt(t))). Callers pass bias >= 0 and k >= 0, so that
// the base is never negative (LRN takes math.Pow otherwise).
func LRNScale(dst, x []float32, sum []float64, bias, k float64) {
	lrnScale(dst, x[:len(dst)], sum[:len(dst)], bias, k)
}

func squaresAddGeneric(sum []float64, x []float32) {
	x = x[:len(sum)]
	for i, v := range x {
		sum[i] += float64(v) * float64(v)
	}
}

func lrnScaleGeneric(dst, x []float32, sum []float64, bias, k float64) {
	x, sum = x[:len(dst)], sum[:len(dst)]
	for i, v := range x {
		r := math.Sqrt(bias + k*sum[i])
		dst[i] = float32(float64(v) / (r * math.Sqrt(r)))
	}
}
