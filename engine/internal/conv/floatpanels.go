package conv

// useFloatPanels reports whether a conv that takes the GEMM path keeps its
// weights dequantized (FloatPanels, natively): where each weight feeds at
// most floatPanelsMaxPixels output pixels, dequantizing its int8 panels
// on every call costs a large share of the product (a sixth of ResNet-50
// layer4's 1x1s at 7x7: 49 columns), and the float copy is read in place.
// These convs took the pixel-major GEMM before (pixels along the
// kernel's rows, float32 weights), which the usual GEMM with Tile48 (8x48
// tiles, 49 = 48 + 1 by Edge4) and its floats kept beat on every such
// shape of ResNet-18/50 and GoogLeNet (BenchmarkFloatPanels).
func useFloatPanels(g Geom) bool {
	return g.Group == 1 && g.OH*g.OW <= floatPanelsMaxPixels
}

// floatPanelsMaxPixels: 7x7 (ResNet's layer4, GoogLeNet's inception 5)
// and 8x8 maps.
const floatPanelsMaxPixels = 64

func roundUp(x, m int) int { return (x + m - 1) / m * m }
