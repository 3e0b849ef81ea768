package engine

import "fmt"

// ReshapeParams: the target shape, ONNX rules: 0 copies the input dimension
// at the same index, -1 (at most one) is inferred from the element count.
// The importer turns ONNX's shape input into this field.
type ReshapeParams struct {
	Shape []int64
}

func init() {
	register(OpReshape, opImpl{
		newParams: func() any { return new(ReshapeParams) },
		infer:     inferReshape,
		run:       runIdentity, // same data, new shape
	})
}

func inferReshape(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[ReshapeParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 1, 1); err != nil {
		return nil, err
	}
	total, err := NumElements(in[0])
	if err != nil {
		return nil, err
	}
	out := make([]int, len(p.Shape))
	infer := -1
	known := 1
	for i, d := range p.Shape {
		switch {
		case d == 0:
			if i >= len(in[0]) {
				return nil, fmt.Errorf("shape %v: 0 at index %d copies a dimension the input %v lacks", p.Shape, i, in[0])
			}
			out[i] = in[0][i]
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", p.Shape)
			}
			infer = i
			continue
		case d < 0 || d > MaxElements:
			return nil, fmt.Errorf("shape %v: invalid dimension %d", p.Shape, d)
		default:
			out[i] = int(d)
		}
		if out[i] > MaxElements/known {
			return nil, fmt.Errorf("shape %v: %w", p.Shape, ErrTooLarge)
		}
		known *= out[i]
	}
	if infer >= 0 {
		if total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in[0], total, p.Shape)
		}
		out[infer] = total / known
		known = total
	}
	if known != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v (%d elements)", in[0], total, p.Shape, known)
	}
	return [][]int{out}, nil
}
