//go:build !(amd64 && goexperiment.simd) || convscope_nosimd

package conv

// widenInt16 writes the int16 values src as float32 into dst (exact);
// winotm_amd64.go has the vector form.
func widenInt16(dst []float32, src []int16) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v)
	}
}

// winoOutTM16 has a vector form on amd64 only (winotm_amd64.go); elsewhere
// transformOutputTM takes one channel at a time.
func winoOutTM16(p []float32, plane int, sc *[16]float32, y *[4][16]float32) bool { return false }

// biasReluRows has a vector form on amd64 only (winotm_amd64.go):
// elsewhere storeTransposed adds the bias and applies ReLU.
func biasReluRows(x []float32, rows, nr int, bias []float32, relu bool) bool { return false }

// transposeStore has a vector form on amd64 only (winotm_amd64.go):
// elsewhere storeTransposed moves one value at a time.
func transposeStore(ct, y []float32, rows, nr, mc, ldy int) bool { return false }
