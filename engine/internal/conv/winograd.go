package conv

import (
	"runtime"

	"convscope/engine/gemm"
)

// Winograd F(2x2, 3x3) for 3x3 convolutions with stride 1 and dilation 1
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2015). Each 2x2 block of outputs of a channel is computed from a 4x4 patch
// of input with 16 multiplies per input channel instead of 36: the input
// patch d and the kernel g are transformed (V = Bt d B, U = G g Gt), the
// sum over input channels of U (.) V is taken for each of the 16 positions
// (16 GEMMs, (M x C) times (C x tiles)), and the 4x4 result m is
// transformed back (Y = At m A). The transforms add and subtract only, so
// the result stays within float32 rounding of the direct sum (see
// TestWinogradMatchesNaive for the measured error).
//
//	Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	G  = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//	At = [1 1 1 0; 0 1 -1 -1]

// useWinograd reports whether g takes the Winograd path with GEMM kernel
// kern: a 3x3 kernel, stride 1, dilation 1, no groups, at least 16 output
// channels, at least 400 output pixels, and enough input channels (with 3,
// as in a network's first layer, the GEMMs' inner dimension would be 3).
// Below 400 pixels the 16 GEMMs are too narrow and the weight transform
// (redone on every call) does not pay off. With the amd64 SIMD kernels the
// GEMMs are so fast that the transforms, which are scalar, dominate unless
// there are at least 128 input channels. Per CPU-second on one thread here,
// with bias and ReLU, Winograd against im2col ran (BenchmarkConv3x3):
//
//	                    64ch 56x56   128ch 28x28   256ch 14x14
//	amd64 avx512_4x32      0.78x        1.1x          0.63x
//	amd64 avx2fma_4x16     0.96x        1.2x
//	amd64 generic4x2       2.1x         2.1x          1.9x
//	wasm simd128_4x12      1.43x        1.54x         1.1x
func useWinograd(g Geom, kern gemm.Kernel) bool {
	minC := 16
	if runtime.GOARCH == "amd64" && kern.Name != gemm.Generic.Name {
		minC = 128
	}
	return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.Group == 1 && g.C >= minC && g.M >= 16 && g.OH*g.OW >= 400
}

// winograd computes the same result as Naive for geometries useWinograd
// accepts. Output tiles are processed in chunks so the transformed input
// and products fit colBudget-sized buffers; results are bit-identical for
// any number of workers.
func winograd(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int, t gemm.Tiles) {
	tilesY, tilesX := (g.OH+1)/2, (g.OW+1)/2
	tiles := tilesY * tilesX
	chunk := min(tiles, max(16, colBudget/(16*max(g.C, g.M))))

	buf := colPool.Get().(*[]float32)
	defer colPool.Put(buf)
	need := 16*g.M*g.C + 16*g.C*chunk + 16*g.M*chunk
	if cap(*buf) < need {
		*buf = make([]float32, need)
	}
	all := (*buf)[:need]
	u := all[:16*g.M*g.C]                          // (16, M, C)
	v := all[16*g.M*g.C : 16*g.M*g.C+16*g.C*chunk] // (16, C, chunk)
	prod := all[16*g.M*g.C+16*g.C*chunk:]          // (16, M, chunk)

	transformWeights(w, u, g.M, g.C, workers)
	for n := 0; n < g.N; n++ {
		xn := x[n*g.C*g.H*g.W : (n+1)*g.C*g.H*g.W]
		yn := y[n*g.M*g.OH*g.OW : (n+1)*g.M*g.OH*g.OW]
		for t0 := 0; t0 < tiles; t0 += chunk {
			tc := min(chunk, tiles-t0)
			transformInput(g, xn, v, chunk, t0, tc, tilesX, workers)
			for xi := 0; xi < 16; xi++ {
				gemm.ParallelTiles(t, workers, false, false, g.M, tc, g.C, 1,
					u[xi*g.M*g.C:], g.C, v[xi*g.C*chunk:], chunk, 0, prod[xi*g.M*chunk:], chunk)
			}
			transformOutput(g, prod, yn, bias, relu, chunk, t0, tc, tilesX, workers)
		}
	}
}

// transformWeights writes U = G g Gt for every (m, c) kernel g of w
// (M, C, 3, 3) into u laid out (16, M, C). It runs on every call, so int8
// weights are transformed from int8, one kernel at a time: no float32 copy
// of the weights is kept (at 16/9 of their size, the transformed weights of
// VGG16 would be 0.5 GB more). The buffer u is per call (colPool), at most
// 16*512*512 floats (16.8 MB) for VGG16's 512-channel layers.
func transformWeights(w Weights, u []float32, mCount, cCount, workers int) {
	plane := mCount * cCount
	parallelFor(workers, plane, func(lo, hi int) {
		var buf [9]float32
		for mc := lo; mc < hi; mc++ {
			k := (*[9]float32)(w.values(mc*9, 9, mc/cCount, buf[:]))
			// q = G g: rows 0..3, three columns each.
			var q [4][3]float32
			for j := 0; j < 3; j++ {
				g0, g1, g2 := k[j], k[3+j], k[6+j]
				q[0][j] = g0
				q[1][j] = 0.5 * (g0 + g1 + g2)
				q[2][j] = 0.5 * (g0 - g1 + g2)
				q[3][j] = g2
			}
			for i := 0; i < 4; i++ {
				q0, q1, q2 := q[i][0], q[i][1], q[i][2]
				u[(i*4+0)*plane+mc] = q0
				u[(i*4+1)*plane+mc] = 0.5 * (q0 + q1 + q2)
				u[(i*4+2)*plane+mc] = 0.5 * (q0 - q1 + q2)
				u[(i*4+3)*plane+mc] = q2
			}
		}
	})
}

// transformInput writes V = Bt d B for output tiles t0..t0+tc-1 of every
// input channel into v laid out (16, C, ld). Tile t covers outputs
// (2*ty.., 2*tx..) and reads the 4x4 input patch at (2*ty-PT, 2*tx-PL),
// zero outside the image. The patch and the transform are written out in
// scalars: Go keeps them in registers, where a [4][4] array would live on
// the stack (that made the transforms cost more than the GEMMs).
func transformInput(g Geom, x, v []float32, ld, t0, tc, tilesX, workers int) {
	plane := g.C * ld
	parallelFor(workers, g.C, func(lo, hi int) {
		var d [16]float32
		for c := lo; c < hi; c++ {
			img := x[c*g.H*g.W : (c+1)*g.H*g.W]
			for t := 0; t < tc; t++ {
				ty, tx := (t0+t)/tilesX, (t0+t)%tilesX
				iy0, ix0 := 2*ty-g.PT, 2*tx-g.PL
				var r0, r1, r2, r3 [4]float32
				if iy0 >= 0 && ix0 >= 0 && iy0+4 <= g.H && ix0+4 <= g.W {
					o := iy0*g.W + ix0
					r0 = *(*[4]float32)(img[o:])
					r1 = *(*[4]float32)(img[o+g.W:])
					r2 = *(*[4]float32)(img[o+2*g.W:])
					r3 = *(*[4]float32)(img[o+3*g.W:])
				} else {
					for r := 0; r < 4; r++ {
						iy := iy0 + r
						for q := 0; q < 4; q++ {
							ix := ix0 + q
							if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
								d[r*4+q] = img[iy*g.W+ix]
							} else {
								d[r*4+q] = 0
							}
						}
					}
					r0, r1, r2, r3 = [4]float32(d[0:4]), [4]float32(d[4:8]), [4]float32(d[8:12]), [4]float32(d[12:16])
				}
				// Bt d: rows b0..b3.
				b00, b01, b02, b03 := r0[0]-r2[0], r0[1]-r2[1], r0[2]-r2[2], r0[3]-r2[3]
				b10, b11, b12, b13 := r1[0]+r2[0], r1[1]+r2[1], r1[2]+r2[2], r1[3]+r2[3]
				b20, b21, b22, b23 := r2[0]-r1[0], r2[1]-r1[1], r2[2]-r1[2], r2[3]-r1[3]
				b30, b31, b32, b33 := r1[0]-r3[0], r1[1]-r3[1], r1[2]-r3[2], r1[3]-r3[3]
				// (Bt d) B, row by row.
				o := c*ld + t
				v[o] = b00 - b02
				v[o+plane] = b01 + b02
				v[o+2*plane] = b02 - b01
				v[o+3*plane] = b01 - b03
				v[o+4*plane] = b10 - b12
				v[o+5*plane] = b11 + b12
				v[o+6*plane] = b12 - b11
				v[o+7*plane] = b11 - b13
				v[o+8*plane] = b20 - b22
				v[o+9*plane] = b21 + b22
				v[o+10*plane] = b22 - b21
				v[o+11*plane] = b21 - b23
				v[o+12*plane] = b30 - b32
				v[o+13*plane] = b31 + b32
				v[o+14*plane] = b32 - b31
				v[o+15*plane] = b31 - b33
			}
		}
	})
}

// transformOutput turns the 16 products of each tile (prod laid out
// (16, M, ld)) into its 2x2 outputs Y = At m A, adds the bias, applies
// ReLU and writes those inside the output.
func transformOutput(g Geom, prod, y, bias []float32, relu bool, ld, t0, tc, tilesX, workers int) {
	plane := g.M * ld
	parallelFor(workers, g.M, func(lo, hi int) {
		for m := lo; m < hi; m++ {
			var bv float32
			if bias != nil {
				bv = bias[m]
			}
			out := y[m*g.OH*g.OW : (m+1)*g.OH*g.OW]
			for t := 0; t < tc; t++ {
				o := m*ld + t
				p := prod[o : o+15*plane+1]
				// At m: rows s0 (m0+m1+m2) and s1 (m1-m2-m3) of the 4x4 m.
				s00 := p[0] + p[4*plane] + p[8*plane]
				s01 := p[plane] + p[5*plane] + p[9*plane]
				s02 := p[2*plane] + p[6*plane] + p[10*plane]
				s03 := p[3*plane] + p[7*plane] + p[11*plane]
				s10 := p[4*plane] - p[8*plane] - p[12*plane]
				s11 := p[5*plane] - p[9*plane] - p[13*plane]
				s12 := p[6*plane] - p[10*plane] - p[14*plane]
				s13 := p[7*plane] - p[11*plane] - p[15*plane]
				y00 := s00 + s01 + s02 + bv
				y01 := s01 - s02 - s03 + bv
				y10 := s10 + s11 + s12 + bv
				y11 := s11 - s12 - s13 + bv
				if relu { // comparisons, not max: see gemm.Epilogue
					if y00 < 0 {
						y00 = 0
					}
					if y01 < 0 {
						y01 = 0
					}
					if y10 < 0 {
						y10 = 0
					}
					if y11 < 0 {
						y11 = 0
					}
				}
				ty, tx := (t0+t)/tilesX, (t0+t)%tilesX
				oy, ox := 2*ty, 2*tx
				if oy+2 <= g.OH && ox+2 <= g.OW {
					o := oy*g.OW + ox
					out[o], out[o+1] = y00, y01
					out[o+g.OW], out[o+g.OW+1] = y10, y11
					continue
				}
				out[oy*g.OW+ox] = y00
				if ox+1 < g.OW {
					out[oy*g.OW+ox+1] = y01
				}
				if oy+1 < g.OH {
					out[(oy+1)*g.OW+ox] = y10
					if ox+1 < g.OW {
						out[(oy+1)*g.OW+ox+1] = y11
					}
				}
			}
		}
	})
}
