package conv

// winogradTM and directChan compute C transposed (pixels along the
// micro-kernel's rows, output channels along its columns) into a scratch
// of npix rows of nr channels, which storeBiasRelu writes into the
// output's channel rows.

// storeBiasRelu is storeTransposed with the bias and ReLU applied to ct
// first, as vectors where the build has them (biasReluRows): the same
// bits.
func storeBiasRelu(g Geom, ct, y, bias []float32, relu bool, m0, mc, mr, nr, npix int) {
	var bpad [64]float32 // NR is at most 32 (AVX-512)
	if vectorOutput && nr <= len(bpad) {
		var bp []float32
		if bias != nil {
			bp = bpad[:nr] // channels past M: zero
			copy(bp, bias[m0:m0+mc])
		}
		if biasReluRows(ct, npix, nr, bp, relu) {
			// ct is npix rows of nr channels (sliver q's row i is pixel
			// q*mr+i): a plain transpose into y's channel rows.
			// transposeStore moves 16x16 blocks through vector registers,
			// about twice as fast as storeTransposed's one value at a time
			// (49 to 3136 pixels; 3-4% of a ResNet-50 pass was
			// storeTransposed, through pixel-major, winogradTM and
			// directChan).
			if !transposeStore(ct, y[m0*npix:], npix, nr, mc, npix) {
				storeTransposed(g, ct, y, nil, false, m0, mc, mr, nr, npix)
			}
			return
		}
	}
	storeTransposed(g, ct, y, bias, relu, m0, mc, mr, nr, npix)
}

// storeTransposed writes channels m0..m0+mc-1 of the finished tiles ct
// ([pixel sliver][mr][nr]) into y (M x npix), adding the bias then
// applying ReLU as gemm's epilogue does.
func storeTransposed(g Geom, ct, y, bias []float32, relu bool, m0, mc, mr, nr, npix int) {
	for j := 0; j < mc; j++ {
		ch := m0 + j
		out := y[ch*npix : (ch+1)*npix]
		var bv float32
		if bias != nil {
			bv = bias[ch]
		}
		// Pixel px is row px%mr of sliver px/mr: walk the tiles' rows in
		// order, no division per value.
		src := ct[j:]
		for px := range out {
			v := src[px*nr]
			if bias != nil {
				v += bv
			}
			if relu && v < 0 {
				v = 0
			}
			out[px] = v
		}
	}
}
