package engine

import "fmt"

// ConcatParams: the axis to join along; negative counts from the end.
type ConcatParams struct {
	Axis int
}

func init() {
	register(OpConcat, opImpl{
		newParams: func() any { return new(ConcatParams) },
		infer:     inferConcat,
		run:       runConcat,
	})
}

func inferConcat(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[ConcatParams](n)
	if err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	for i, s := range in {
		if s == nil {
			return nil, fmt.Errorf("input %d is absent", i)
		}
	}
	axis, err := normAxis(p.Axis, len(in[0]), false)
	if err != nil {
		return nil, err
	}
	out := append([]int{}, in[0]...)
	for i, s := range in[1:] {
		if len(s) != len(out) {
			return nil, fmt.Errorf("input %d has rank %d, input 0 rank %d", i+1, len(s), len(out))
		}
		for d := range s {
			if d == axis {
				continue
			}
			if s[d] != out[d] {
				return nil, fmt.Errorf("input %d has shape %v, incompatible with %v on axis %d", i+1, s, in[0], d)
			}
		}
		out[axis] += s[axis]
		if out[axis] > MaxElements {
			return nil, fmt.Errorf("concatenated axis: %w", ErrTooLarge)
		}
	}
	return [][]int{out}, nil
}

func runConcat(_ *execCtx, n *Node, in, out []*Tensor) error {
	p, err := paramsOf[ConcatParams](n)
	if err != nil {
		return err
	}
	o := out[0]
	axis, _ := normAxis(p.Axis, len(o.Shape), false)
	outer := 1
	for _, d := range o.Shape[:axis] {
		outer *= d
	}
	inner := 1
	for _, d := range o.Shape[axis+1:] {
		inner *= d
	}
	rowOut := o.Shape[axis] * inner
	off := 0
	for _, t := range in {
		rowIn := t.Shape[axis] * inner
		if outer == 1 && rowIn > 0 && &t.Data[0] == &o.Data[off] {
			off += rowIn // written in place (concatplace.go)
			continue
		}
		for i := 0; i < outer; i++ {
			copy(o.Data[i*rowOut+off:i*rowOut+off+rowIn], t.Data[i*rowIn:(i+1)*rowIn])
		}
		off += rowIn
	}
	return nil
}
