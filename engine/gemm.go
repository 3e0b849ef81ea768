package engine

import (
	"fmt"

	"convscope/engine/gemm"
)

// GemmParams: Y = Alpha * op(A) * op(B) + Beta * C, with op transposing when
// TransA/TransB is set. A gives (M, K) after op, B (K, N), and the optional C
// broadcasts to (M, N) (e.g. a (N) bias). There are no implicit defaults:
// ONNX's are Alpha 1 and Beta 1, and a fully connected layer is
// GemmParams{Alpha: 1, Beta: 1, TransB: true} with weights (out, in).
type GemmParams struct {
	Alpha  float32
	Beta   float32
	TransA bool
	TransB bool
}

func init() {
	register(OpGemm, opImpl{
		newParams: func() any { return new(GemmParams) },
		infer:     inferGemm,
		run:       runGemm,
	})
}

func inferGemm(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[GemmParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 2, 3); err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if len(a) != 2 || len(b) != 2 {
		return nil, fmt.Errorf("A %v and B %v must be 2-D", a, b)
	}
	m, ka := a[0], a[1]
	if p.TransA {
		m, ka = ka, m
	}
	kb, nn := b[0], b[1]
	if p.TransB {
		kb, nn = nn, kb
	}
	if ka != kb {
		return nil, fmt.Errorf("inner dimensions differ: A %v (transA %v) and B %v (transB %v)", a, p.TransA, b, p.TransB)
	}
	if len(in) == 3 && in[2] != nil {
		c := in[2]
		bs, err := broadcastShape([]int{m, nn}, c)
		if err != nil || len(c) > 2 || !sameShape(bs, []int{m, nn}) {
			return nil, fmt.Errorf("C %v does not broadcast to (%d, %d)", c, m, nn)
		}
	}
	return [][]int{{m, nn}}, nil
}

func runGemm(x *execCtx, n *Node, in, out []*Tensor) error {
	p, err := paramsOf[GemmParams](n)
	if err != nil {
		return err
	}
	gemmColumns(x, p, in, matrixOf(in[1]), out[0], 0, out[0].Shape[1])
	return nil
}

// runGemmPart computes a split Gemm's columns (see Shard) with its part of
// B.
func runGemmPart(x *execCtx, n *Node, in []*Tensor, y *Tensor, sp *split) error {
	p, err := paramsOf[GemmParams](n)
	if err != nil {
		return err
	}
	gemmColumns(x, p, in, matrixOf(sp.w), y, sp.lo, sp.hi)
	return nil
}

// gemmColumns computes columns [lo, hi) of Y, b being B's part for them
// (all of B when they are all of Y's columns); in[1] is not read.
func gemmColumns(x *execCtx, p *GemmParams, in []*Tensor, b gemm.Matrix, y *Tensor, lo, hi int) {
	a := in[0]
	m, nn := y.Shape[0], y.Shape[1]
	k := a.Shape[1]
	if p.TransA {
		k = a.Shape[0]
	}
	beta := float32(0)
	if len(in) == 3 && in[2] != nil && p.Beta != 0 {
		beta = p.Beta
		// Broadcast C into Y; the GEMM then adds alpha*A*B to beta*Y.
		c := in[2]
		cs := broadcastStrides(c.Shape, 2)
		for i := 0; i < m; i++ {
			for j := lo; j < hi; j++ {
				y.Data[i*nn+j] = c.Data[i*cs[0]+j*cs[1]]
			}
		}
	}
	gemm.ParallelMatrix(gemm.DefaultTiles, gemm.Epilogue{}, x.workers, p.TransA, p.TransB, m, hi-lo, k, p.Alpha,
		matrixOf(a), b, beta, y.Data[lo:], nn)
}

// matrixOf returns a 2-D tensor as a GEMM operand: float32, or int8 with
// its scales along rows (axis 0) or columns (axis 1).
func matrixOf(t *Tensor) gemm.Matrix {
	if q := t.Int8; q != nil {
		return gemm.Int8(q.Q, q.Scales, q.Axis == 1, t.Shape[1])
	}
	return gemm.Float(t.Data, t.Shape[1])
}
