package engine

import "math"

// SoftmaxParams: Axis may be negative. Coerce2D selects the ONNX opset 1-12
// semantics: the input is viewed as 2-D, (prod(shape[:Axis]),
// prod(shape[Axis:])), and softmax runs over each row. With Coerce2D false
// (opset 13+) softmax runs over the single dimension Axis. The importer sets
// both; for (N, C) logits with Axis 1 they agree.
type SoftmaxParams struct {
	Axis     int
	Coerce2D bool
}

func init() {
	register(OpSoftmax, opImpl{
		newParams: func() any { return new(SoftmaxParams) },
		infer:     inferSoftmax,
		run:       runSoftmax,
	})
}

func inferSoftmax(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[SoftmaxParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	if _, err := normAxis(p.Axis, len(in[0]), false); err != nil {
		return nil, err
	}
	return [][]int{in[0]}, nil
}

func runSoftmax(_ *execCtx, n *Node, in, out []*Tensor) error {
	p, err := paramsOf[SoftmaxParams](n)
	if err != nil {
		return err
	}
	shape := in[0].Shape
	axis, _ := normAxis(p.Axis, len(shape), false)
	// Every case is (outer, axisLen, inner) with the reduction over axisLen.
	outer, axisLen, inner := 1, 1, 1
	for i, d := range shape {
		switch {
		case i < axis:
			outer *= d
		case i == axis || p.Coerce2D:
			axisLen *= d
		default:
			inner *= d
		}
	}
	softmax(out[0].Data, in[0].Data, outer, axisLen, inner)
	return nil
}

// softmax computes a numerically stable softmax of src, viewed as
// (outer, n, inner), over the middle dimension; sums are in float64.
func softmax(dst, src []float32, outer, n, inner int) {
	for o := 0; o < outer; o++ {
		base := o * n * inner
		for i := 0; i < inner; i++ {
			m := float32(math.Inf(-1))
			for k := 0; k < n; k++ {
				m = max(m, src[base+k*inner+i])
			}
			var sum float64
			for k := 0; k < n; k++ {
				e := math.Exp(float64(src[base+k*inner+i] - m))
				dst[base+k*inner+i] = float32(e)
				sum += e
			}
			for k := 0; k < n; k++ {
				dst[base+k*inner+i] = float32(float64(dst[base+k*inner+i]) / sum)
			}
		}
	}
}
