package conv

import (
	"convscope/engine/gemm"
	"convscope/engine/internal/par"
	"convscope/engine/internal/vec"
)

// colBudget bounds the im2col buffer (in float32s, 4 MiB): a VGG16 conv1_2
// at 224x224 would otherwise need 64*9*224*224 floats (115 MB), too much for
// a browser tab. Output pixels are processed in chunks that fit; chunking
// does not change any element's summation order.
const colBudget = 1 << 20

// chunksPerWorker is how many ranges conv's parallel loops cut their work
// into per worker (par.ForChunks): on a busy machine the caller then takes
// over the ranges of a helper the OS has descheduled, instead of waiting
// for half the work.
const chunksPerWorker = 4

// Forward computes the same result as Naive (within float32 rounding; the
// summation order differs) with the fast paths:
//   - 1x1 kernel, stride 1, no padding: the input image of a group already is
//     the GEMM's B matrix (C/Group x H*W);
//   - depthwise (one input channel per group): a direct loop per channel;
//   - 3x3, stride 1, no groups, at least 16 channels in and out and enough
//     output pixels (useWinograd; in WebAssembly down to 7x7 maps,
//     useWinogradOn): Winograd F(2x2, 3x3) (winograd.go), 2.25 times
//     fewer multiplies;
//   - strided, few input channels (first layers; useDirect), natively with
//     AVX-512: a direct kernel reading the input's column-phase planes
//     (direct.go), no im2col;
//   - 3x3 stride 1 on maps of at most 64 tiles (14x14, 13x13, 7x7),
//     natively, with its kernels kept (useWinogradTM), ahead of Winograd:
//     Winograd with tiles along the micro-kernel's rows and channels along
//     its columns (winograd_tm.go);
//   - otherwise im2col over chunks of output pixels + GEMM per group
//     (natively, with few output pixels, the weights' dequantized panels
//     kept: useFloatPanels).
//
// workers bounds the goroutines; results are bit-identical for any value.
// Int8 weights give the bits their dequantized float32 values would give,
// but where winogradTM takes them (see Weights).
func Forward(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int) {
	forward(g, x, w, bias, y, relu, workers, paths{tiles: gemm.DefaultTiles, winograd: true, direct: directKernel})
}

// ForwardAdd is Forward with res (laid out as y, not overlapping it) added
// to the conv's output after the bias and before the ReLU: a ResNet block's
// residual Add (+ ReLU) fused into the conv that makes one of its operands.
// The result has the bits of Forward without the ReLU, then the Add and the
// ReLU as separate passes (vec.AddRelu).
func ForwardAdd(g Geom, x []float32, w Weights, bias, res, y []float32, relu bool, workers int) {
	forwardAdd(g, x, w, bias, res, y, relu, workers, paths{tiles: gemm.DefaultTiles, winograd: true, direct: directKernel})
}

// paths selects the GEMM kernel, whether Winograd may be used and the
// direct path's tile kernel (nil: not used, see direct.go); the
// benchmarks compare them side by side.
type paths struct {
	tiles    gemm.Tiles
	winograd bool
	direct   directTileFn
}

func forward(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int, pa paths) {
	forwardAdd(g, x, w, bias, nil, y, relu, workers, pa)
}

// forwardAdd is forward with the residual res (nil: none, see ForwardAdd).
// The GEMM path adds it in its epilogue, on each tile while it is in L1;
// the others add it in a second pass over y, before which they skip the
// ReLU.
func forwardAdd(g Geom, x []float32, w Weights, bias, res, y []float32, relu bool, workers int, pa paths) {
	// after is the second pass of the paths that do not take res. y may
	// run on past this conv's output (a shard's part of a whole tensor).
	after := func() {
		if res != nil {
			n := g.N * g.M * g.OH * g.OW
			vec.AddRelu(y[:n], res[:n], relu)
		}
	}
	relu1 := relu && res == nil // the ReLU of the conv alone
	cg, mg := g.C/g.Group, g.M/g.Group
	if cg == 1 && g.KH*g.KW <= 64 {
		depthwise(g, x, w, bias, y, relu1, workers)
		after()
		return
	}
	if ww := w.winogradTM(); pa.winograd && ww != nil && ww.mr == pa.tiles.Kernel.NR && ww.m == g.M && ww.c == g.C && useWinogradTM(g, pa.tiles.Kernel) {
		winogradTM(g, x, ww, bias, y, relu1, workers, pa.tiles)
		after()
		return
	}
	if pa.winograd && useWinograd4(g, wasmBuild) {
		ww, done := winograd4Weights4(w, g, pa.tiles)
		winograd4(g, x, ww, bias, y, relu1, workers, pa.tiles)
		done()
		after()
		return
	}
	if pa.winograd && useWinogradOn(g, wasmBuild) {
		winograd(g, x, w, bias, y, relu1, workers, pa.tiles)
		after()
		return
	}
	if pa.direct != nil && useDirect(g) {
		direct(g, x, w, bias, y, relu1, workers, pa.direct)
		after()
		return
	}
	k := cg * g.KH * g.KW
	npix := g.OH * g.OW
	pointwise := g.pointwise()
	chunk := npix
	var col []float32
	if !pointwise {
		chunk = min(npix, max(64, colBudget/k))
		buf := colPool.get(k * colStride(chunk))
		defer colPool.put(buf)
		col = *buf
	}
	// The group's input split by column phase, for strided convs that
	// visit each input value at least 4 times (first layers: 7x7 stride 2,
	// 11x11 stride 4). For a 3x3 stride 2 the split cost more than the
	// gather it saved (BenchmarkIm2col).
	var ph []float32
	if !pointwise && g.SW > 1 && g.KH*g.KW >= 4*g.SH*g.SW {
		buf := colPool.get(cg * g.H * g.SW * phaseWidth(g))
		defer colPool.put(buf)
		ph = *buf
	}
	for n := 0; n < g.N; n++ {
		for grp := 0; grp < g.Group; grp++ {
			xg := x[(n*g.C+grp*cg)*g.H*g.W:]
			if ph != nil {
				splitPhases(g, xg, ph, cg, workers)
			}
			wg := w.matrix(grp*mg, k)
			yg := y[(n*g.M+grp*mg)*npix:]
			// Bias and ReLU run in the GEMM's epilogue, on each register
			// tile while it is in L1.
			ep := gemm.Epilogue{Relu: relu}
			if bias != nil {
				ep.RowBias = bias[grp*mg : (grp+1)*mg]
			}
			if res != nil {
				ep.Add = res[(n*g.M+grp*mg)*npix:]
			}
			if pointwise {
				gemm.ParallelMatrix(pa.tiles, ep, workers, false, false, mg, npix, k, 1, wg, gemm.Float(xg, npix), 0, yg, npix)
				continue
			}
			for p0 := 0; p0 < npix; p0 += chunk {
				pc := min(chunk, npix-p0)
				ld := pc // col's row stride
				if g.strided1x1() {
					subsample(g, xg, col, cg, p0, pc, workers)
				} else {
					ld = colStride(pc)
					im2colLD(g, xg, ph, col, cg, p0, pc, ld, workers)
				}
				epc := ep
				if res != nil {
					epc.Add = ep.Add[p0:]
				}
				gemm.ParallelMatrix(pa.tiles, epc, workers, false, false, mg, pc, k, 1, wg, gemm.Float(col, ld), 0, yg[p0:], npix)
			}
		}
	}
}

// im2col writes the (cg*KH*KW) x pc matrix of input taps for output pixels
// p0..p0+pc-1 of one group (x points at the group's first channel): row
// (c, ky, kx), column p holds x[c, iy, ix] or 0 outside the input. Rows are
// independent copies, so they are split over workers. With a column stride
// above 1, ph is the group's input split by column phase (splitPhases), so
// that a row segment is one contiguous copy there instead of a strided
// gather; nil, the gather is done from x.
func im2col(g Geom, x, ph, col []float32, cg, p0, pc, workers int) {
	im2colLD(g, x, ph, col, cg, p0, pc, pc, workers)
}

// colStride is the row stride of im2col's matrix of pc columns: pc, but
// in WebAssembly pc+8 where pc*4 bytes is a multiple of 1 KiB. The GEMM
// reads B's rows in place there (inPlace, blocked.go), a sliver of kc rows
// at that stride, and rows 4 KiB apart (32x32 maps: 1024 pixels) all fall
// in one set of the L1 (12 ways), so the sliver did not stay in L1 while
// each sliver of A reads it again; 32 bytes more a row spread the rows
// over the sets. In Node, relaxed build, the GEMM alone (int8 kept A, one
// worker), min us of 400 calls, stride pc -> pc+8: 3->64 3x3 32x32 (k 27)
// 122.9 -> 107.8, 3->16 3x3 32x32 37.1 -> 33.0, 3->64 5x5 32x32 (k 75)
// 286.7 -> 249.9, 16->32 5x5 16x16 (k 400) 177.7 -> 163.6; 24->48 5x5 8x8
// (rows 256 bytes apart) 125.7 -> 129.5, not padded. The same values in
// the same order: the same bits.
func colStride(pc int) int {
	if wasmBuild && pc%256 == 0 {
		return pc + 8
	}
	return pc
}

// im2colLD is im2col with the matrix's rows ld >= pc floats apart.
func im2colLD(g Geom, x, ph, col []float32, cg, p0, pc, ld, workers int) {
	if ph == nil && im2colPadded(g, x, col, cg, p0, pc, ld, workers) {
		return
	}
	rows := cg * g.KH * g.KW
	if pc*rows < 1<<15 {
		workers = 1 // too little to copy for goroutines to pay off
	}
	// The chunk's first output pixel; every later segment starts a row.
	// Divisions are kept out of the per-segment loop: on 7x7 maps (ResNet's
	// layer4) a segment is 7 values, and the two per segment that took its
	// (oy, ox) were about a quarter of im2col's time there in Node
	// (BenchmarkIm2col 3x3_512ch_7, best of 10-12 at load 7-9: 1.45-1.62
	// -> 1.16-1.17 cpu-ms; 5x5_64ch_27 2.12-2.25 -> 1.45-1.52).
	oy0, ox00 := p0/g.OW, p0%g.OW
	pw := phaseWidth(g)
	par.ForChunks(workers, rows, chunksPerWorker*workers, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			c, kk := row/(g.KH*g.KW), row%(g.KH*g.KW)
			ky, kx := kk/g.KW, kk%g.KW
			img := x[c*g.H*g.W : (c+1)*g.H*g.W]
			dst := col[row*ld : row*ld+pc]
			// With phases, tap kx of output column ox reads input column
			// ox*SW + t = (ox+q)*SW + r: element ox+q of phase r, whose
			// rows hold wr values.
			var r, q, wr int
			if ph != nil {
				t := kx*g.DW - g.PL
				q, r = t/g.SW, t%g.SW
				if r < 0 {
					q, r = q-1, r+g.SW
				}
				wr = (g.W - r + g.SW - 1) / g.SW
			}
			// Walk the chunk one output row segment at a time: within a
			// segment iy is fixed and ix steps by the stride.
			n := 0
			for i, oy, ox0 := 0, oy0, ox00; i < pc; i, oy, ox0 = i+n, oy+1, 0 {
				n = min(g.OW-ox0, pc-i)
				seg := dst[i : i+n]
				iy := oy*g.SH - g.PT + ky*g.DH
				if iy < 0 || iy >= g.H {
					clear(seg)
					continue
				}
				src := img[iy*g.W : (iy+1)*g.W]
				ix := ox0*g.SW - g.PL + kx*g.DW
				if g.SW == 1 && ix >= 0 && ix+len(seg) <= g.W {
					copy(seg, src[ix:])
					continue
				}
				if ph != nil {
					// ix + j*SW = (j0+j)*SW + r: element j0+j of phase r.
					j0 := ox0 + q
					prow := ph[((c*g.SW+r)*g.H+iy)*pw:][:wr]
					lo, hi := max(0, -j0), max(0, min(len(seg), wr-j0))
					lo = min(lo, hi)
					clear(seg[:lo])
					copy(seg[lo:hi], prow[j0+lo:j0+hi])
					clear(seg[hi:])
					continue
				}
				for j := range seg {
					if ix >= 0 && ix < g.W {
						seg[j] = src[ix]
					} else {
						seg[j] = 0
					}
					ix += g.SW
				}
			}
		}
	})
}

// phaseWidth is the row length of the phase planes of splitPhases: the
// longest phase, phase 0, ceil(W/SW).
func phaseWidth(g Geom) int { return (g.W + g.SW - 1) / g.SW }

// splitPhases writes the cg channels of x split by column phase into ph:
// row iy of phase r of channel c, at ((c*SW + r)*H + iy)*phaseWidth, holds
// x[c, iy, r], x[c, iy, r+SW], ... A strided im2col row segment, every
// SW-th value of an input row, is then contiguous in one phase's row. It
// reads the input once; the gather it replaces visited each value about
// KH*KW/(SH*SW) times, one strided load at a time (a quarter of ResNet's
// 7x7 stride-2 first layer).
func splitPhases(g Geom, x, ph []float32, cg, workers int) {
	pw := phaseWidth(g)
	if cg*g.H*g.W < 1<<15 {
		workers = 1
	}
	par.ForChunks(workers, cg*g.H, chunksPerWorker*workers, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			c, iy := ch/g.H, ch%g.H
			src := x[(c*g.H+iy)*g.W : (c*g.H+iy+1)*g.W]
			for r := 0; r < g.SW; r++ {
				dst := ph[((c*g.SW+r)*g.H+iy)*pw:][:(g.W-r+g.SW-1)/g.SW]
				for j := range dst {
					dst[j] = src[r+j*g.SW]
				}
			}
		}
	})
}

// depthwise handles convs with one input channel per group (MobileNet-style
// depthwise, or any conv with C == Group): each output channel is a direct
// KH x KW stencil over its input channel. Channels are split over workers;
// each output element is computed by one goroutine in a fixed order.
func depthwise(g Geom, x []float32, w Weights, bias, y []float32, relu bool, workers int) {
	mg := g.M / g.Group
	total := g.N * g.M
	scaleShift := g.pointwise()
	par.ForChunks(workers, total, chunksPerWorker*workers, func(lo, hi int) {
		buf := make([]float32, g.KH*g.KW) // one channel's dequantized kernel
		for nm := lo; nm < hi; nm++ {
			n, m := nm/g.M, nm%g.M
			img := x[(n*g.C+m/mg)*g.H*g.W:]
			ker := w.values(m*g.KH*g.KW, g.KH*g.KW, m, buf)
			out := y[nm*g.OH*g.OW : (nm+1)*g.OH*g.OW]
			var b float32
			if bias != nil {
				b = bias[m]
			}
			if scaleShift {
				// A per-channel scale and shift (GoogLeNet's
				// transform_input): one multiply-add a value, where the
				// loop below spent 8 times that on its tap and bounds
				// tests (0.4 ms natively, onnxruntime 0.05). The same
				// operations in the same order, so the same bits.
				k := ker[0]
				for i, v := range img[:len(out)] {
					var s float32
					s += v * k
					s += b
					if relu && s < 0 {
						s = 0
					}
					out[i] = s
				}
				continue
			}
			for oy := 0; oy < g.OH; oy++ {
				for ox := 0; ox < g.OW; ox++ {
					var s float32
					for ky := 0; ky < g.KH; ky++ {
						iy := oy*g.SH - g.PT + ky*g.DH
						if iy < 0 || iy >= g.H {
							continue
						}
						for kx := 0; kx < g.KW; kx++ {
							ix := ox*g.SW - g.PL + kx*g.DW
							if ix >= 0 && ix < g.W {
								s += img[iy*g.W+ix] * ker[ky*g.KW+kx]
							}
						}
					}
					s += b
					if relu && s < 0 {
						s = 0
					}
					out[oy*g.OW+ox] = s
				}
			}
		}
	})
}
