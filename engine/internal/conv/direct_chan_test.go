package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"convscope/internal/cputime"
)

// directChanKernels are the channel-vector tile kernels to test: the
// portable one, and this build's SIMD one if any.
func directChanKernels() map[string]directChanFn {
	ks := map[string]directChanFn{"go": directChanGo}
	if directChanKernel != nil {
		ks["simd"] = directChanKernel
	}
	return ks
}

// TestDirectChanKernel holds each tile kernel to the definition (float64
// sums) on random taps: one tap, odd counts, a KC slice, pixels at any
// offsets (repeated too, as the last tile's), stored and added, with a
// row stride wider than the tile, with and without prefetches.
func TestDirectChanKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	pl := randSlice(r, 5000)
	for _, k := range []int{1, 2, 7, 64, 256} {
		w := randSlice(r, k*directChanC)
		off := make([]int, k)
		for p := range off {
			off[p] = r.IntN(4000)
		}
		base := [directChanPix]int{0, 2, 7, 900, 901, 901}
		for _, ldc := range []int{directChanC, 80} {
			for _, add := range []bool{false, true} {
				c0 := randSlice(r, (directChanPix-1)*ldc+directChanC)
				for name, kern := range directChanKernels() {
					c := append([]float32(nil), c0...)
					pf := &w[len(w)-1] // prefetch past the weights, or (added) not at all
					if add {
						pf = nil
					}
					kern(k, w, off, pl, &base, c, ldc, add, pf)
					for j := range directChanPix {
						for i := range ldc {
							got := c[min(j*ldc+i, len(c)-1)]
							if i >= directChanC {
								if j < directChanPix-1 && got != c0[j*ldc+i] {
									t.Fatalf("k=%d %s: c[%d] past the tile written", k, name, j*ldc+i)
								}
								continue
							}
							var s float64
							for p := 0; p < k; p++ {
								s += float64(w[p*directChanC+i]) * float64(pl[base[j]+off[p]])
							}
							if add {
								s += float64(c0[j*ldc+i])
							}
							if d := math.Abs(float64(got) - s); !(d <= 1e-4*float64(k+1)) {
								t.Fatalf("k=%d ldc=%d add=%v %s: pixel %d channel %d = %v, want %v", k, ldc, add, name, j, i, got, s)
							}
						}
					}
				}
			}
		}
	}
}

// directChanCases are geometries the channel-vector path takes: ResNet's
// 3x3 stride-2 convs at small channel counts (56 -> 28 with a pad, 14 ->
// 7: 49 pixels, a last tile of one), M not a multiple of 64 and above it
// (a partial slab), odd sizes, asymmetric pads, a batch of two, more than
// one KC slice, no padding (the input read in place).
var directChanCases = []Geom{
	{N: 1, C: 16, M: 64, H: 56, W: 56, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
	{N: 1, C: 32, M: 70, H: 14, W: 14, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 1, PB: 1, PR: 1},
	{N: 2, C: 40, M: 5, H: 23, W: 16, KH: 3, KW: 3, SH: 2, SW: 2, PT: 1, PL: 0, PB: 1, PR: 2},
	{N: 1, C: 17, M: 130, H: 9, W: 11, KH: 3, KW: 3, SH: 2, SW: 2},
	{N: 1, C: 64, M: 8, H: 5, W: 5, KH: 3, KW: 3, SH: 2, SW: 2, PT: 2, PL: 2, PB: 2, PR: 2},
}

// TestDirectChanMatchesNaive runs directChan with each tile kernel, float32
// and int8 weights, with and without bias and ReLU, on 1 and 3 workers
// against Naive; results must not depend on the number of workers, bit
// for bit, and every output must be written.
func TestDirectChanMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	for _, g := range directChanCases {
		g = directCase(g)
		if !useDirect(g) || !useDirectChan(g) {
			t.Fatalf("%+v: not the channel-vector path; the case tests nothing", g)
		}
		x := randSlice(r, g.N*g.C*g.H*g.W)
		wq, wf := quantWeights(r, g)
		for _, w := range []Weights{{F: randSlice(r, g.M*g.C*g.KH*g.KW)}, wq} {
			wv := w.F
			if w.Q != nil {
				wv = wf
			}
			for _, bias := range [][]float32{nil, randSlice(r, g.M)} {
				for _, relu := range []bool{false, true} {
					want := make([]float32, g.N*g.M*g.OH*g.OW)
					Naive(g, x, wv, bias, want, relu)
					for name, kern := range directChanKernels() {
						var one []float32
						for _, workers := range []int{1, 3} {
							got := make([]float32, len(want))
							for j := range got {
								got[j] = float32(math.NaN())
							}
							directChan(g, x, w, bias, got, relu, workers, kern)
							one = checkWorkerRun(t, fmt.Sprintf("%+v %s int8=%v bias=%v relu=%v workers=%d", g, name, w.Q != nil, bias != nil, relu, workers), got, want, one)
						}
					}
				}
			}
		}
	}
}

// BenchmarkDirectChanKernel times the SIMD tile kernel alone over a KC
// slice with its operands in L1 (the taps of a 3x3 conv on a 58-wide
// padded plane), GFLOP/s per CPU-second.
func BenchmarkDirectChanKernel(b *testing.B) {
	if directChanKernel == nil {
		b.Skip("no SIMD kernel")
	}
	const k = 256
	r := rand.New(rand.NewPCG(55, 56))
	pl := randSlice(r, 30*58*3+200)
	w := randSlice(r, k*directChanC)
	off := make([]int, k)
	for p := range off {
		c, t := p/9, p%9
		off[p] = c*58*3 + t/3*58 + t%3
	}
	base := [directChanPix]int{0, 2, 4, 6, 8, 10}
	c := make([]float32, directChanPix*directChanC)
	c0 := cputime.Seconds()
	for b.Loop() {
		directChanKernel(k, w, off, pl, &base, c, directChanC, true, &w[0])
	}
	b.ReportMetric(2*k*directChanPix*directChanC*float64(b.N)/(cputime.Seconds()-c0)/1e9, "GFLOP/cpu-s")
}
