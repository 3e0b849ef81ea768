package engine

import (
	"fmt"
	"math"

	"convscope/engine/internal/vec"
)

// LRNParams: local response normalization across channels (AlexNet, GoogLeNet),
// ONNX formula: square_sum[n,c,h,w] = sum of x[n,i,h,w]^2 for i in
// [c - floor((Size-1)/2), c + ceil((Size-1)/2)] (clipped to the channels),
// y = x / (Bias + Alpha/Size * square_sum)^Beta. ONNX defaults are Alpha
// 1e-4, Beta 0.75, Bias 1; the importer fills them in.
type LRNParams struct {
	Size  int
	Alpha float32
	Beta  float32
	Bias  float32
}

func init() {
	register(OpLRN, opImpl{
		newParams: func() any { return new(LRNParams) },
		infer:     inferLRN,
		run:       runLRN,
	})
}

func inferLRN(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[LRNParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	if p.Size <= 0 || p.Size > MaxElements {
		return nil, fmt.Errorf("size %d is not positive", p.Size)
	}
	if len(in[0]) < 3 {
		return nil, fmt.Errorf("input shape %v: want (N, C, ...)", in[0])
	}
	return [][]int{in[0]}, nil
}

func runLRN(_ *execCtx, n *Node, in, out []*Tensor) error {
	p, err := paramsOf[LRNParams](n)
	if err != nil {
		return err
	}
	x := in[0]
	c := x.Shape[1]
	spatial := 1
	for _, d := range x.Shape[2:] {
		spatial *= d
	}
	lo, hi := (p.Size-1)/2, p.Size-1-(p.Size-1)/2 // floor and ceil of (size-1)/2
	k := float64(p.Alpha) / float64(p.Size)
	// vec.LRNScale is pow's fast path (beta 0.75) on bases that are never
	// negative; both loops are vector loops in WebAssembly, with the bits
	// of the scalar ones (vec.TestLRNLoops).
	scale := p.Beta == 0.75 && p.Bias >= 0 && k >= 0
	sum := make([]float64, spatial)
	for b := 0; b < x.Shape[0]; b++ {
		base := b * c * spatial
		for ch := 0; ch < c; ch++ {
			// Channel by channel over contiguous maps: sum holds the square
			// sum over [ch-lo, ch+hi] for every position.
			clear(sum)
			for i := max(0, ch-lo); i <= min(c-1, ch+hi); i++ {
				vec.SquaresAdd(sum, x.Data[base+i*spatial:base+(i+1)*spatial])
			}
			src := x.Data[base+ch*spatial : base+(ch+1)*spatial]
			dst := out[0].Data[base+ch*spatial : base+(ch+1)*spatial]
			if scale {
				vec.LRNScale(dst, src, sum, float64(p.Bias), k)
				continue
			}
			for s, v := range src {
				dst[s] = float32(float64(v) / pow(float64(p.Bias)+k*sum[s], float64(p.Beta)))
			}
		}
	}
	return nil
}

// pow is math.Pow with a fast path for beta 0.75, the value AlexNet and
// GoogLeNet use: x^0.75 = sqrt(x) * sqrt(sqrt(x)), several times faster.
func pow(x, beta float64) float64 {
	if beta == 0.75 && x >= 0 {
		r := math.Sqrt(x)
		return r * math.Sqrt(r)
	}
	return math.Pow(x, beta)
}
