package engine

import (
	"fmt"
	"math"
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
	for b := 0; b < x.Shape[0]; b++ {
		base := b * c * spatial
		for ch := 0; ch < c; ch++ {
			from, to := max(0, ch-lo), min(c-1, ch+hi)
			for s := 0; s < spatial; s++ {
				var sum float64
				for i := from; i <= to; i++ {
					v := float64(x.Data[base+i*spatial+s])
					sum += v * v
				}
				idx := base + ch*spatial + s
				out[0].Data[idx] = float32(float64(x.Data[idx]) / math.Pow(float64(p.Bias)+k*sum, float64(p.Beta)))
			}
		}
	}
	return nil
}
