// Package conv holds the 2-D convolution kernels: a naive direct reference
// and the fast path (im2col + GEMM, a direct GEMM for 1x1 convs, Winograd
// F(2x2, 3x3) for large enough 3x3 stride-1 convs, a direct loop for
// depthwise convs), with bias and ReLU fused into the GEMM's epilogue. Kernels take slices and a Geom of plain sizes,
// never graph types; the engine validates sizes before calling them.
package conv

import "convscope/engine/gemm"

// Geom is the geometry of one NCHW convolution.
type Geom struct {
	N, C, H, W     int // input (N, C, H, W)
	M              int // output channels; weights are (M, C/Group, KH, KW)
	KH, KW         int // kernel
	SH, SW         int // strides
	PT, PL, PB, PR int // pads: top, left, bottom, right
	DH, DW         int // dilations
	Group          int
	OH, OW         int // output (N, M, OH, OW)
}

// pointwise says whether g is a 1x1 kernel at stride 1 without padding:
// each output pixel reads only the input pixel at its place (no im2col; a
// depthwise one is a per-channel scale and shift).
func (g Geom) pointwise() bool {
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 &&
		g.PT == 0 && g.PL == 0 && g.PB == 0 && g.PR == 0
}

// OutSize returns the output size of one spatial axis, or a value <= 0 when
// the (dilated) kernel does not fit the padded input.
func OutSize(in, padBegin, padEnd, kernel, stride, dilation int) int {
	ext := (kernel-1)*dilation + 1
	span := in + padBegin + padEnd - ext
	if span < 0 {
		return 0
	}
	return span/stride + 1
}

// Naive computes y = conv(x, w) + bias (bias may be nil), then ReLU if relu,
// by the definition: for every output element, a sum over input channels of
// its group and kernel taps inside the input. It is the reference the fast
// paths are tested against.
func Naive(g Geom, x, w, bias, y []float32, relu bool) {
	cg, mg := g.C/g.Group, g.M/g.Group
	for n := 0; n < g.N; n++ {
		for m := 0; m < g.M; m++ {
			grp := m / mg
			for oy := 0; oy < g.OH; oy++ {
				for ox := 0; ox < g.OW; ox++ {
					var s float32
					for c := 0; c < cg; c++ {
						ic := grp*cg + c
						for ky := 0; ky < g.KH; ky++ {
							iy := oy*g.SH - g.PT + ky*g.DH
							if iy < 0 || iy >= g.H {
								continue
							}
							for kx := 0; kx < g.KW; kx++ {
								ix := ox*g.SW - g.PL + kx*g.DW
								if ix < 0 || ix >= g.W {
									continue
								}
								s += x[((n*g.C+ic)*g.H+iy)*g.W+ix] * w[((m*cg+c)*g.KH+ky)*g.KW+kx]
							}
						}
					}
					if bias != nil {
						s += bias[m]
					}
					if relu && s < 0 {
						s = 0
					}
					y[((n*g.M+m)*g.OH+oy)*g.OW+ox] = s
				}
			}
		}
	}
}

// Weights are a conv's weights (M, C/Group, KH, KW): float32 values F, or
// int8 values Q with one scale per output channel (M Scales), as a model
// file stores them. Int8 weights are never copied to float32 as a whole:
// the GEMM dequantizes them into its packed panels, Winograd and depthwise
// one kernel at a time. The values are rounded as a float32 copy would
// hold them, so both forms give the same bits, but for the convs
// winogradTM takes (natively, int8 weights kept by Prepack for 3x3
// stride-1 maps of up to 64 tiles): its kernels are the exact integer
// transform of Q, scaled after the sum over input channels, which float32
// weights cannot take; there the two forms agree within float32 rounding.
type Weights struct {
	F      []float32
	Q      []int8
	Scales []float32
	// Packed, when set, is Q laid out for the GEMM's packed path (see
	// Prepack); it changes no result bit.
	Packed *gemm.PackedA
}

// matrix returns the weights of output channels m0.. as a GEMM operand
// with k = C/Group*KH*KW columns.
func (w Weights) matrix(m0, k int) gemm.Matrix {
	if w.Q == nil {
		return gemm.Float(w.F[m0*k:], k)
	}
	m := gemm.Int8(w.Q[m0*k:], w.Scales[m0:], false, k)
	if w.Packed != nil && m0 == 0 {
		m = m.WithPacked(w.Packed)
	}
	return m
}

// Prepack returns int8 weights w (not yet packed) laid out once for the
// GEMM that Forward runs for g (im2col or pointwise, no groups), or nil when
// g takes the depthwise path or the weights are float32. The result goes into Weights.Packed.
// It costs one more int8 copy of those weights, made when a model is
// compiled instead of packing them value by value on every run.
//
// For a conv that takes the Winograd path it returns a PackedA holding
// only the transformed kernels (Ext, see winogradWeights), or nil when
// keepWinogradWeights says the memory is not there (in WebAssembly, layers
// past 384x256 channels: VGG16's would be 105 MB in all).
//
// For a conv of few output pixels, natively, it returns the GEMM's panels
// dequantized, float32 (FloatPanels); for one that
// takes winogradTM (maps of up to 64 tiles, natively), only
// its transformed kernels (Ext).
//
// LayoutFor chooses which, on this build's Target.
func Prepack(g Geom, w Weights) *gemm.PackedA {
	if w.Q == nil {
		return nil
	}
	t := Build()
	k := g.C * g.KH * g.KW
	switch LayoutFor(g, t) {
	case WinogradKernels:
		return &gemm.PackedA{Ext: newWinogradWeights(w, g.M, g.C, t.Kernel.MR)}
	case Winograd4Kernels:
		return &gemm.PackedA{Ext: newWinograd4Weights(w, g.M, g.C, t.Kernel.MR)}
	case FloatPanels:
		pa := gemm.PackInt8A(gemm.DefaultTiles, w.Q, w.Scales, k, g.M, k)
		pa.KeepFloat(gemm.DefaultTiles)
		return pa
	case DirectSlivers:
		return &gemm.PackedA{Ext: newDirectPacked(g, w)}
	case WinogradTiles:
		return &gemm.PackedA{Ext: newWinogradTMWeights(w, g.M, g.C, t.Kernel.NR)}
	case Panels:
		return gemm.PackInt8A(gemm.DefaultTiles, w.Q, w.Scales, k, g.M, k)
	}
	return nil
}

// values returns the n weights at element offset off, which belong to
// output channel m: a view of F, or Q dequantized into dst (len >= n).
func (w Weights) values(off, n, m int, dst []float32) []float32 {
	if w.Q == nil {
		return w.F[off : off+n]
	}
	s := w.Scales[m]
	dst = dst[:n]
	for i, q := range w.Q[off : off+n] {
		dst[i] = float32(float32(q) * s) // rounded as gemm.Matrix rounds it
	}
	return dst
}
