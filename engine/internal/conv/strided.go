package conv

import "convscope/engine/internal/par"

// strided1x1 reports whether g is a 1x1 conv with a stride above 1 and no
// padding (ResNet's downsample convs): its im2col matrix is the input
// subsampled, row c holding x[c, oy*SH, ox*SW] for every output pixel.
func (g Geom) strided1x1() bool {
	return g.KH == 1 && g.KW == 1 && (g.SH > 1 || g.SW > 1) &&
		g.PT == 0 && g.PL == 0 && g.PB == 0 && g.PR == 0
}

// subsample is im2col for strided1x1 geometries: the cg x pc matrix of
// output pixels p0..p0+pc-1 into col, one output row segment at a time,
// every SW-th value of input row oy*SH (pickStride, a vector loop for
// stride 2 with AVX-512), where im2col's general loop tests each tap
// against the input's bounds. BenchmarkIm2col 1x1s2_256ch_56 (ResNet-50's
// layer2.0.downsample), three runs at load 4: im2col 0.142-0.161 cpu-ms,
// subsample 0.110-0.130: what is left is reading the input's even rows.
func subsample(g Geom, x, col []float32, cg, p0, pc, workers int) {
	if pc*cg < 1<<15 {
		workers = 1
	}
	oy0, ox00 := p0/g.OW, p0%g.OW
	par.ForChunks(workers, cg, chunksPerWorker*workers, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			img := x[c*g.H*g.W : (c+1)*g.H*g.W]
			dst := col[c*pc : (c+1)*pc]
			n := 0
			for i, oy, ox0 := 0, oy0, ox00; i < pc; i, oy, ox0 = i+n, oy+1, 0 {
				n = min(g.OW-ox0, pc-i)
				row := img[oy*g.SH*g.W : (oy*g.SH+1)*g.W]
				pickStride(dst[i:i+n], row[ox0*g.SW:], g.SW)
			}
		}
	})
}

// pickStride sets dst[j] = src[j*s] (len(src) > (len(dst)-1)*s); stride 2
// is directSplit2's even phase (two-source permutes where AVX-512 is there).
func pickStride(dst, src []float32, s int) {
	if s == 2 {
		directSplit2(dst, nil, src)
		return
	}
	pickStrideGeneric(dst, src, s)
}

// pickStrideGeneric sets dst[j] = src[j*s] (len(src) > (len(dst)-1)*s).
func pickStrideGeneric(dst, src []float32, s int) {
	if len(dst) == 0 {
		return
	}
	src = src[:(len(dst)-1)*s+1]
	for j := range dst {
		dst[j] = src[j*s]
	}
}
