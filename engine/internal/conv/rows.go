package conv

import "convscope/engine/gemm"

// Band is the convolution of a band of output rows [R0, R1) of a whole
// conv's geometry, as a conv of its own: G takes the input rows [In0, In1)
// of each channel (with G.PT and G.PB the whole's padding that falls in
// the band) and gives R1-R0 rows. The engine's row split (a sharded
// program computing its rows of a conv with all of the conv's weights)
// runs it with Forward.
type Band struct {
	G        Geom
	R0, R1   int
	In0, In1 int
}

// RowBand returns the band of g's output rows [r0, r1) for one image, and
// whether Forward computes every one of its values with the bits of
// Forward over the whole of g. That holds when both take the same path
// (im2col + GEMM and pointwise GEMM sum each output pixel
// alone, in the same order whatever the other pixels: the GEMM's column
// blocks and im2col's chunks already fall anywhere) and, for Winograd,
// when the band's 2x2 output tiles are the whole's (r0 even; r1-r0 even
// unless r1 is the last row): a tile's outputs depend on all 16 values of
// its 4x4 input tile, which the band's input rows then hold as the whole's.
// Depthwise convs (one input channel per group) and groups are refused.
func RowBand(g Geom, r0, r1 int) (Band, bool) {
	if g.Group != 1 || g.C == 1 || r0 < 0 || r1 <= r0 || r1 > g.OH {
		return Band{}, false
	}
	ext := (g.KH-1)*g.DH + 1
	a := r0*g.SH - g.PT               // first input row read, padding counted
	b := (r1-1)*g.SH - g.PT + ext - 1 // last
	in0, in1 := max(0, a), min(g.H, b+1)
	if in1 <= in0 {
		return Band{}, false // the band sees only padding
	}
	bg := g
	bg.N = 1
	bg.H = in1 - in0
	bg.PT, bg.PB = in0-a, b+1-in1
	bg.OH = OutSize(bg.H, bg.PT, bg.PB, g.KH, g.SH, g.DH)
	if bg.OH != r1-r0 {
		return Band{}, false
	}
	// A conv whose weights Prepack keeps for winogradTM (natively, maps of
	// up to 64 tiles) is not cut into bands: a band's path would depend on
	// its size and the kept layout, and a band of such a map has few
	// pixels (split by channels instead, as the usual Winograd's 14x14).
	if LayoutFor(g, Build()) == WinogradTiles && (r0 != 0 || r1 != g.OH) {
		return Band{}, false
	}
	// The band must take the whole's path; and useWinograd's choice too,
	// so that WebAssembly's Winograd on small maps (useWinogradOn) adds no
	// band the split engine did not take before (a 14x14 Winograd conv's
	// 7-row bands: it goes by channels, as natively).
	wino := useWinogradOn(g, wasmBuild)
	if useWinogradOn(bg, wasmBuild) != wino || useWinograd(bg) != useWinograd(g) {
		return Band{}, false
	}
	if wino && (r0%2 != 0 || (r1-r0)%2 != 0 && r1 != g.OH) {
		return Band{}, false
	}
	// F(4x4) (useWinograd4): the band's path must be the whole's (the
	// kept kernels are one or the other's), and its 4x4 tiles the
	// whole's.
	w4 := useWinograd4(g, wasmBuild)
	if useWinograd4(bg, wasmBuild) != w4 || w4 && (r0%4 != 0 || (r1-r0)%4 != 0 && r1 != g.OH) {
		return Band{}, false
	}
	return Band{G: bg, R0: r0, R1: r1, In0: in0, In1: in1}, true
}

// RowStep is the multiple of rows RowBand wants of a band's first row
// (and of its height, but for a band that ends the output) on this
// build: 4 for F(4x4) Winograd's tiles (useWinograd4), else 2 (F(2x2)'s;
// the other paths take any).
func RowStep(g Geom) int {
	if useWinograd4(g, wasmBuild) {
		return 4
	}
	return 2
}

// PointwiseRows computes output rows [r0, r1) of one image of g, a 1x1
// stride-1 conv without padding (x the image's input, y its output and res
// its residual, or nil, each whole), in place, and reports whether it
// could (false: g is not such a conv). It runs the GEMM that Forward (or
// ForwardAdd) runs on RowBand(g, r0, r1)'s band, over the same pixels, so
// every value has the whole conv's bits; but it reads the band's input
// rows and residual and writes its output rows where they lie in the whole
// planes (a channel's rows are contiguous there, its planes OH*OW apart:
// the GEMM's row strides), instead of through copies of the band: the row
// split copied each 1x1 band's input, residual and output twice (ResNet-50's
// layer1: 0.9 M values a band of 256 channels).
func PointwiseRows(g Geom, x []float32, w Weights, bias, res, y []float32, r0, r1 int, relu bool, workers int) bool {
	if !g.pointwise() || g.Group != 1 || r0 < 0 || r1 <= r0 || r1 > g.OH {
		return false
	}
	npix := g.OH * g.OW
	p0, pc := r0*g.OW, (r1-r0)*g.OW
	ep := gemm.Epilogue{Relu: relu}
	if bias != nil {
		ep.RowBias = bias[:g.M]
	}
	if res != nil {
		ep.Add = res[p0:]
	}
	gemm.ParallelMatrix(gemm.DefaultTiles, ep, workers, false, false, g.M, pc, g.C, 1, w.matrix(0, g.C), gemm.Float(x[p0:], npix), 0, y[p0:], npix)
	return true
}
