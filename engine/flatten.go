package engine

// FlattenParams: the output is 2-D, (prod(shape[:Axis]), prod(shape[Axis:])).
// Axis may be negative (counted from the end) and may equal the rank.
type FlattenParams struct {
	Axis int
}

func init() {
	register(OpFlatten, opImpl{
		newParams: func() any { return new(FlattenParams) },
		infer:     inferFlatten,
		run:       runIdentity, // same data, new shape
	})
}

func inferFlatten(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[FlattenParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	axis, err := normAxis(p.Axis, len(in[0]), true)
	if err != nil {
		return nil, err
	}
	outer, inner := 1, 1
	for i, d := range in[0] {
		if i < axis {
			outer *= d
		} else {
			inner *= d
		}
	}
	return [][]int{{outer, inner}}, nil
}
