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
// more int8 copy of those weights. Natively, a conv that takes Winograd
// (3x3 stride 1, 14x14 outputs or more) keeps its transformed kernels
// instead, float32 at 16/9 of the count (ResNet-18 17 MB, GoogLeNet 14 MB,
// ResNet-50 25 MB, VGG16 105 MB; conv.Prepack); in WebAssembly only for
// layers up to 256x256 channels (memory: VGG16 keeps 12 of its 105 MB).
// Natively, a GEMM conv with few output pixels (ResNet's layer4 and
// GoogLeNet's inception 5 at 7x7) keeps its GEMM panels dequantized,
// float32, instead of int8 (conv.FloatPanels).
// Results keep every bit of the per-call layouts.
func (p *Program) prepackConvWeights() {
	p.packed = map[*Tensor]*gemm.PackedA{}
	p.eachPackedConv(func(n *Node, g conv.Geom) {
		w := p.consts[n.Inputs[1]]
		if pa := conv.Prepack(g, conv.Weights{Q: w.Int8.Q, Scales: w.Int8.Scales}); pa != nil {
			p.packed[w] = pa
		}
	})
}

// eachPackedConv calls visit with every conv whose whole int8 weights
// (along the output channels) are among p's constants, once per weight
// tensor, with its geometry: the convs prepackConvWeights lays out (and
// PlanFootprint counts).
func (p *Program) eachPackedConv(visit func(n *Node, g conv.Geom)) {
	seen := map[*Tensor]bool{}
	for _, n := range p.nodes {
		if n.Op != OpConv || len(n.Inputs) < 2 {
			continue
		}
		w, ok := p.consts[n.Inputs[1]]
		if !ok || w.Int8 == nil || w.Int8.Axis != 0 || seen[w] {
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
		seen[w] = true
		visit(n, g)
	}
}
