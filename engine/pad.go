package engine

import "fmt"

// PadParams: constant padding. Pads is in ONNX order, (x1_begin, x2_begin,
// ..., x1_end, x2_end, ...), two entries per input dimension; negative
// entries crop. Value fills the new elements. The importer turns ONNX's
// pads/constant_value inputs (opset 11+) into these fields and rejects
// modes other than "constant".
type PadParams struct {
	Pads  []int
	Value float32
}

func init() {
	register(OpPad, opImpl{
		newParams: func() any { return new(PadParams) },
		infer:     inferPad,
		run:       runPad,
	})
}

func inferPad(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[PadParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	r := len(in[0])
	if len(p.Pads) != 2*r {
		return nil, fmt.Errorf("%d pads for rank %d, want %d", len(p.Pads), r, 2*r)
	}
	out := make([]int, r)
	for i, d := range in[0] {
		b, e := p.Pads[i], p.Pads[i+r]
		if b > MaxElements || e > MaxElements || b < -MaxElements || e < -MaxElements {
			return nil, fmt.Errorf("pads %v: %w", p.Pads, ErrTooLarge)
		}
		out[i] = d + b + e
		if out[i] <= 0 {
			return nil, fmt.Errorf("pads %v crop dimension %d (size %d) to %d", p.Pads, i, d, out[i])
		}
	}
	return [][]int{out}, nil
}

func runPad(_ *execCtx, n *Node, in, out []*Tensor) error {
	p, err := paramsOf[PadParams](n)
	if err != nil {
		return err
	}
	src, dst := in[0], out[0]
	r := len(src.Shape)
	for i := range dst.Data {
		dst.Data[i] = p.Value
	}
	if r == 0 {
		dst.Data[0] = src.Data[0]
		return nil
	}
	// Copy row by row along the last dimension: for each output row, find the
	// source row (if inside) and the overlapping column range.
	inStr := make([]int, r)
	s := 1
	for i := r - 1; i >= 0; i-- {
		inStr[i] = s
		s *= src.Shape[i]
	}
	last := dst.Shape[r-1]
	begin := p.Pads[r-1]
	lo, hi := max(0, begin), min(last, begin+src.Shape[r-1]) // dst columns with a source
	if lo >= hi {
		return nil
	}
	idx := make([]int, r-1)
	for row := 0; row*last < len(dst.Data); row++ {
		srcOff, inside := 0, true
		for d := 0; d < r-1; d++ {
			sd := idx[d] - p.Pads[d]
			if sd < 0 || sd >= src.Shape[d] {
				inside = false
				break
			}
			srcOff += sd * inStr[d]
		}
		if inside {
			copy(dst.Data[row*last+lo:row*last+hi], src.Data[srcOff+lo-begin:srcOff+hi-begin])
		}
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < dst.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return nil
}
