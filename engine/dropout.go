package engine

import "fmt"

// DropoutParams are Dropout's attributes. Inference ignores them: Dropout is
// the identity. Ratio is kept so a graph round-trips.
type DropoutParams struct {
	Ratio float32
}

// Dropout at inference: output 0 is a copy of input 0. The optional output 1
// is ONNX's boolean mask, all true; tensors here are float32, so the mask is
// represented as 1.0 in every element. Inputs 1 (ratio) and 2
// (training_mode) of opset 12+ may be present; they must be constants the
// importer has checked (training mode is not supported), and are ignored.
// With fusion on, a Dropout without a mask output is skipped entirely.

func init() {
	register(OpDropout, opImpl{
		newParams: func() any { return new(DropoutParams) },
		infer:     inferDropout,
		run:       runDropout,
	})
}

func inferDropout(n *Node, in [][]int) ([][]int, error) {
	if _, err := paramsOf[DropoutParams](n); err != nil {
		return nil, err
	}
	if err := arity(in, 1, 3); err != nil {
		return nil, err
	}
	if len(n.Outputs) > 2 {
		return nil, fmt.Errorf("%d outputs, want 1 or 2", len(n.Outputs))
	}
	return [][]int{in[0], in[0]}, nil
}

func runDropout(_ *execCtx, _ *Node, in, out []*Tensor) error {
	copy(out[0].Data, in[0].Data)
	if len(out) > 1 && out[1] != nil {
		for i := range out[1].Data {
			out[1].Data[i] = 1
		}
	}
	return nil
}
