package engine

import (
	"fmt"
	"math"
)

// BatchNormParams: inference-mode BatchNormalization,
// y = scale * (x - mean) / sqrt(var + Epsilon) + B per channel (dimension 1).
// Inputs: X (N, C, ...), scale (C), B (C), mean (C), var (C). ONNX's default
// epsilon is 1e-5; the importer fills it in.
type BatchNormParams struct {
	Epsilon float32
}

func init() {
	register(OpBatchNorm, opImpl{
		newParams: func() any { return new(BatchNormParams) },
		infer:     inferBatchNorm,
		run:       runBatchNorm,
	})
}

func inferBatchNorm(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[BatchNormParams](n)
	if err != nil {
		return nil, err
	}
	if err := arity(in, 5, 5); err != nil {
		return nil, err
	}
	if len(n.Outputs) > 1 {
		return nil, fmt.Errorf("%d outputs: training mode is not supported", len(n.Outputs))
	}
	if p.Epsilon < 0 || math.IsNaN(float64(p.Epsilon)) {
		return nil, fmt.Errorf("epsilon %v is negative", p.Epsilon)
	}
	x := in[0]
	if len(x) < 2 {
		return nil, fmt.Errorf("input shape %v: want (N, C, ...)", x)
	}
	for i, name := range []string{"scale", "B", "mean", "var"} {
		if s := in[i+1]; len(s) != 1 || s[0] != x[1] {
			return nil, fmt.Errorf("%s has shape %v, want (%d)", name, s, x[1])
		}
	}
	return [][]int{x}, nil
}

func runBatchNorm(_ *execCtx, n *Node, in, out []*Tensor) error {
	p, err := paramsOf[BatchNormParams](n)
	if err != nil {
		return err
	}
	x := in[0]
	c := x.Shape[1]
	spatial := 1
	for _, d := range x.Shape[2:] {
		spatial *= d
	}
	scale, bias, mean, vari := in[1].Data, in[2].Data, in[3].Data, in[4].Data
	for b := 0; b < x.Shape[0]; b++ {
		for ch := 0; ch < c; ch++ {
			s := float32(float64(scale[ch]) / math.Sqrt(float64(vari[ch])+float64(p.Epsilon)))
			sh := bias[ch] - mean[ch]*s
			off := (b*c + ch) * spatial
			src, dst := x.Data[off:off+spatial], out[0].Data[off:off+spatial]
			for i, v := range src {
				dst[i] = v*s + sh
			}
		}
	}
	return nil
}
