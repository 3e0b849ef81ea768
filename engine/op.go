package engine

import (
	"fmt"

	"convscope/engine/gemm"
)

// opImpl is what an operator file registers for its kind: params decoding,
// shape inference and execution. The graph code switches on OpKind through
// this table and never on strings.
type opImpl struct {
	// newParams returns a pointer to the zero params struct; nil for
	// param-less ops.
	newParams func() any
	// infer validates the node's params against its input shapes (nil for
	// absent optional inputs) and returns the output shapes (nil for an
	// output the node does not produce). It must not panic on any input.
	infer func(n *Node, in [][]int) ([][]int, error)
	// run computes outputs from inputs. Output tensors are allocated with
	// the inferred shapes; their contents are unspecified on entry (buffers
	// are reused), so run must write every element. Inputs must not be
	// modified.
	run func(x *execCtx, n *Node, in, out []*Tensor) error
}

var ops [numOps]opImpl

// register is called from the init function of each op file.
func register(k OpKind, impl opImpl) {
	if ops[k].infer != nil {
		panic("engine: operator registered twice: " + k.String())
	}
	ops[k] = impl
}

// execCtx carries per-run settings to kernels.
type execCtx struct {
	workers int
	packed  map[*Tensor]*gemm.PackedA // Program.packed
	gathers []Gathered                // split outputs not gathered yet (shardgather.go)
	convIn  []*Tensor                 // the inputs of a conv its pool computes, for the pool (shardpool.go)
}

// paramsOf returns n.Params as *T. A nil Params means the zero value of T
// (each params type documents how zero fields default).
func paramsOf[T any](n *Node) (*T, error) {
	if n.Params == nil {
		return new(T), nil
	}
	p, ok := n.Params.(*T)
	if !ok || p == nil {
		var zero T
		return nil, fmt.Errorf("params are %T, want *%T", n.Params, zero)
	}
	return p, nil
}

// arity checks the number of inputs (between min and max) and that the
// first min are present.
func arity(in [][]int, min, max int) error {
	if len(in) < min || len(in) > max {
		if min == max {
			return fmt.Errorf("%d inputs, want %d", len(in), min)
		}
		return fmt.Errorf("%d inputs, want %d to %d", len(in), min, max)
	}
	for i := 0; i < min; i++ {
		if in[i] == nil {
			return fmt.Errorf("required input %d is absent", i)
		}
	}
	return nil
}

// normAxis maps a possibly negative axis into [0, rank) (or [0, rank] when
// inclusive, as Flatten allows axis == rank).
func normAxis(axis, rank int, inclusive bool) (int, error) {
	hi := rank
	if inclusive {
		hi = rank + 1
	}
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= hi {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return a, nil
}

// errShape reports an input shape that does not have the layout an op needs.
func errShape(got []int, want string) error {
	return fmt.Errorf("input shape %v: want %s", got, want)
}
