package engine

import "fmt"

// AdaptiveAvgPoolParams: PyTorch's AdaptiveAvgPool2d to a fixed (outH, outW)
// (torchvision's AlexNet ends with one to (6, 6)). Output cell i along an
// axis of input size In averages input cells [floor(i*In/Out),
// ceil((i+1)*In/Out)), PyTorch's bin rule; bins may overlap.
type AdaptiveAvgPoolParams struct {
	Out [2]int // (outH, outW)
}

func init() {
	register(OpAdaptiveAvgPool, opImpl{
		newParams: func() any { return new(AdaptiveAvgPoolParams) },
		infer:     inferAdaptiveAvgPool,
		run:       runAdaptiveAvgPool,
	})
}

func inferAdaptiveAvgPool(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[AdaptiveAvgPoolParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	if len(in[0]) != 4 {
		return nil, errShape(in[0], "(N, C, H, W)")
	}
	if p.Out[0] <= 0 || p.Out[1] <= 0 || p.Out[0] > MaxElements || p.Out[1] > MaxElements {
		return nil, fmt.Errorf("output size %v is not positive", p.Out)
	}
	return [][]int{{in[0][0], in[0][1], p.Out[0], p.Out[1]}}, nil
}

func runAdaptiveAvgPool(_ *execCtx, n *Node, in, out []*Tensor) error {
	p, err := paramsOf[AdaptiveAvgPoolParams](n)
	if err != nil {
		return err
	}
	s := in[0].Shape
	h, w, oh, ow := s[2], s[3], p.Out[0], p.Out[1]
	for m := 0; m < s[0]*s[1]; m++ {
		src := in[0].Data[m*h*w : (m+1)*h*w]
		dst := out[0].Data[m*oh*ow : (m+1)*oh*ow]
		for i := 0; i < oh; i++ {
			y0, y1 := i*h/oh, ((i+1)*h+oh-1)/oh
			for j := 0; j < ow; j++ {
				x0, x1 := j*w/ow, ((j+1)*w+ow-1)/ow
				var sum float64
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						sum += float64(src[y*w+x])
					}
				}
				dst[i*ow+j] = float32(sum / float64((y1-y0)*(x1-x0)))
			}
		}
	}
	return nil
}
