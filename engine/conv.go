package engine

import (
	"fmt"
	"slices"

	"convscope/engine/internal/conv"
)

// ConvParams are the attributes of a 2-D convolution. Inputs: X (N, C, H, W),
// W (outC, C/Group, kH, kW), optional B (outC). Zero fields take ONNX's
// defaults: Kernel from W's shape, Strides and Dilations 1, Group 1.
type ConvParams struct {
	Kernel    [2]int // (kH, kW)
	Strides   [2]int
	Pads      [4]int // (top, left, bottom, right), already resolved from auto_pad
	Dilations [2]int
	Group     int
	// Residual (set by fuse; model files neither write nor read it): a 4th
	// input R of the output's shape is added after the bias, before the
	// ReLU. It is a ResNet block's Add fused into the conv that makes one
	// of its operands; a conv with no bias has "" as its 3rd input.
	Residual bool `json:"-"`
	Relu     bool // fused ReLU after bias (and residual)
}

func init() {
	register(OpConv, opImpl{
		newParams: func() any { return new(ConvParams) },
		infer:     inferConv,
		run:       runConv,
	})
}

// convGeom checks a conv's params against its input and weight shapes and
// returns the kernel geometry (with N from x).
func convGeom(p *ConvParams, x, w []int) (conv.Geom, error) {
	var g conv.Geom
	if len(x) != 4 {
		return g, errShape(x, "(N, C, H, W); only 2-D convolution is supported")
	}
	if len(w) != 4 {
		return g, fmt.Errorf("weight shape %v: want (outC, C/group, kH, kW)", w)
	}
	g.N, g.C, g.H, g.W = x[0], x[1], x[2], x[3]
	g.M, g.KH, g.KW = w[0], w[2], w[3]
	g.Group = orOne(p.Group)
	g.SH, g.SW = orOne(p.Strides[0]), orOne(p.Strides[1])
	g.DH, g.DW = orOne(p.Dilations[0]), orOne(p.Dilations[1])
	g.PT, g.PL, g.PB, g.PR = p.Pads[0], p.Pads[1], p.Pads[2], p.Pads[3]
	for _, v := range []int{g.Group, g.SH, g.SW, g.DH, g.DW} {
		if v < 0 || v > MaxElements {
			return g, fmt.Errorf("group, strides and dilations must be positive, got %d", v)
		}
	}
	for _, v := range p.Pads {
		if v < 0 || v > MaxElements {
			return g, fmt.Errorf("pads %v must be non-negative", p.Pads)
		}
	}
	if (p.Kernel[0] != 0 || p.Kernel[1] != 0) && (p.Kernel[0] != g.KH || p.Kernel[1] != g.KW) {
		return g, fmt.Errorf("kernel %v does not match weight shape %v", p.Kernel, w)
	}
	if g.C%g.Group != 0 || g.M%g.Group != 0 {
		return g, fmt.Errorf("group %d does not divide input channels %d and output channels %d", g.Group, g.C, g.M)
	}
	if w[1] != g.C/g.Group {
		return g, fmt.Errorf("weight shape %v needs %d input channels per group, input %v with group %d has %d",
			w, w[1], x, g.Group, g.C/g.Group)
	}
	g.OH = conv.OutSize(g.H, g.PT, g.PB, g.KH, g.SH, g.DH)
	g.OW = conv.OutSize(g.W, g.PL, g.PR, g.KW, g.SW, g.DW)
	if g.OH <= 0 || g.OW <= 0 {
		return g, fmt.Errorf("kernel %dx%d (dilation %d,%d) does not fit input %dx%d with pads %v",
			g.KH, g.KW, g.DH, g.DW, g.H, g.W, p.Pads)
	}
	// The im2col buffer is (C/group*kH*kW) x (some output pixels).
	if _, err := mulCheck(w[1]*g.KH, g.KW); err != nil {
		return g, err
	}
	return g, nil
}

func orOne(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

func inferConv(n *Node, in [][]int) ([][]int, error) {
	p, err := paramsOf[ConvParams](n)
	if err != nil {
		return nil, err
	}
	if p.Residual {
		// The bias may be absent (""), the residual may not.
		if err = arity(in, 2, 4); err == nil && (len(in) != 4 || in[3] == nil) {
			err = fmt.Errorf("%d inputs, want 4 (the 4th the residual, present)", len(in))
		}
	} else {
		err = arity(in, 2, 3)
	}
	if err != nil {
		return nil, err
	}
	g, err := convGeom(p, in[0], in[1])
	if err != nil {
		return nil, err
	}
	if len(in) >= 3 && in[2] != nil && (len(in[2]) != 1 || in[2][0] != g.M) {
		return nil, fmt.Errorf("bias shape %v, want (%d)", in[2], g.M)
	}
	y := []int{g.N, g.M, g.OH, g.OW}
	if p.Residual && !slices.Equal(in[3], y) {
		return nil, fmt.Errorf("residual shape %v, want the output's %v", in[3], y)
	}
	return [][]int{y}, nil
}

// convOperands returns a conv's bias (nil when it has none) and residual
// (nil unless fused, see ConvParams.Residual) from its inputs.
func convOperands(in []*Tensor) (bias, res []float32) {
	if len(in) >= 3 && in[2] != nil {
		bias = in[2].Data
	}
	if len(in) == 4 && in[3] != nil {
		res = in[3].Data
	}
	return bias, res
}

// convArgs returns conv node n's parameters, its geometry on inputs in
// and its weights (in[1]: float32, or int8 with the panels Compile packed).
func convArgs(x *execCtx, n *Node, in []*Tensor) (p *ConvParams, g conv.Geom, w conv.Weights, err error) {
	if p, err = paramsOf[ConvParams](n); err != nil {
		return nil, g, w, err
	}
	if g, err = convGeom(p, in[0].Shape, in[1].Shape); err != nil {
		return nil, g, w, err
	}
	w = conv.Weights{F: in[1].Data}
	if q := in[1].Int8; q != nil {
		// Compile hands a conv int8 weights only along the output channels.
		w = conv.Weights{Q: q.Q, Scales: q.Scales, Packed: x.packed[in[1]]}
	}
	return p, g, w, nil
}

func runConv(x *execCtx, n *Node, in, out []*Tensor) error {
	p, g, w, err := convArgs(x, n, in)
	if err != nil {
		return err
	}
	bias, res := convOperands(in)
	if res != nil {
		conv.ForwardAdd(g, in[0].Data, w, bias, res, out[0].Data, p.Relu, x.workers)
		return nil
	}
	conv.Forward(g, in[0].Data, w, bias, out[0].Data, p.Relu, x.workers)
	return nil
}
