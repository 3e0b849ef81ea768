//go:build !((amd64 || wasm) && goexperiment.simd) || convscope_nosimd

package conv

// winoOut4 is winoOut for four consecutive tiles (y[0] = y00, y[1] = y01,
// y[2] = y10, y[3] = y11 of the four); winograd_simd.go has the vector form.
func winoOut4(p []float32, plane int, bv float32, relu bool, y *[4][4]float32) {
	for k := 0; k < 4; k++ {
		y[0][k], y[1][k], y[2][k], y[3][k] = winoOut(p[k:], plane, bv, relu)
	}
}

// transformSliver4 has a vector form only (winograd_simd.go).
func transformSliver4(w Weights, us []float32, m0, cCount, st, rs int) bool { return false }

// inputQuad4 and outputQuad4 have vector forms only (winograd_simd.go).
func inputQuad4(pc []float32, ln, tilesX, t int, v []float32, plane int) bool { return false }
func outputQuad4(p []float32, plane int, bv float32, relu bool, ys *[4][4][4]float32) bool {
	return false
}
