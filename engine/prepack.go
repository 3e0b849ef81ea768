package engine

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/conv"
)

// prepackConvWeights lays out, once per compiled program, the int8 weights
// of every conv that runs as a GEMM (im2col or pointwise, no groups) in the
// order the GEMM's packed path reads them (gemm.PackedA), so a run
// dequantizes contiguous slivers with vector instructions instead of
// gathering and converting them value by value on every call. It costs one
// more int8 copy of those weights (ResNet-50: 23 MB; VGG16: 7 MB, its
// 28x28 and 56x56 convs of 128 channels and more take Winograd). Results
// keep every bit.
func (p *Program) prepackConvWeights() {
	p.packed = map[*Tensor]*gemm.PackedA{}
	for _, n := range p.nodes {
		if n.Op != OpConv || len(n.Inputs) < 2 {
			continue
		}
		w, ok := p.consts[n.Inputs[1]]
		if !ok || w.Int8 == nil || w.Int8.Axis != 0 {
			continue
		}
		if _, done := p.packed[w]; done {
			continue
		}
		xs, ok := p.shapes[n.Inputs[0]]
		if !ok {
			continue
		}
		params, err := paramsOf[ConvParams](n)
		if err != nil {
			continue
		}
		g, err := convGeom(params, xs, w.Shape)
		if err != nil {
			continue // Run reports it
		}
		if pa := conv.Prepack(g, conv.Weights{Q: w.Int8.Q, Scales: w.Int8.Scales}); pa != nil {
			p.packed[w] = pa
		}
	}
}
