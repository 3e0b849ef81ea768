package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"convscope/internal/cputime"
)

// convShapes are GEMMs of the ImageNet networks' convs as the engine runs
// them (weights m x k as int8 A, prepacked; im2col or the input image as B,
// k x n; bias and ReLU in the epilogue): AlexNet's 5x5 and 3x3 convs on
// 27x27 and 13x13 maps, ResNet-50's and GoogLeNet's 1x1 convs.
var convShapes = []struct {
	name    string
	m, n, k int
}{
	{"alexnet.features.3", 192, 729, 1600},
	{"alexnet.features.8", 256, 169, 3456},
	{"resnet50.layer1.conv1", 64, 3136, 256},
	{"resnet50.layer1.0.conv1", 64, 3136, 64},
	{"resnet50.layer1.conv3", 256, 3136, 64},
	{"resnet50.layer2.conv3", 512, 784, 128},
	{"resnet50.layer3.conv3", 1024, 196, 256},
	{"resnet50.layer4.conv3", 2048, 49, 512},
	{"googlenet.3b.branch1", 128, 784, 256},
	{"resnet50.layer2.1.conv1", 128, 784, 512},
	{"googlenet.3a.branch2.0", 96, 784, 192},
	{"resnet50.layer3.1.conv1", 256, 196, 1024},
	{"resnet50.layer2.0.downsample", 512, 784, 256},
}

// BenchmarkConvShapes runs each shape with every kernel on one worker and
// reports GFLOP/s per CPU-second of the process (cpuSeconds; the timed
// loop is the only work, so on a busy machine this is what the product
// costs), and the kernel alone (Fn over the packed slivers, no packing or
// store) and, for a kernel with TilePair (TileTriple), the pair (triple)
// alone (into one tile of C), for comparison.
func BenchmarkConvShapes(b *testing.B) {
	r := rand.New(rand.NewPCG(71, 72))
	for _, s := range convShapes {
		aq, _ := quantize(r, s.m, s.k, false)
		bm := randMat(r, s.k*s.n)
		bias := randMat(r, s.m)
		c := make([]float32, s.m*s.n)
		flop := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		for _, kern := range Kernels() {
			t := TilesFor(kern)
			pa := PackInt8A(t, aq.Q, aq.Scales, s.k, s.m, s.k)
			a := aq.WithPacked(pa)
			ep := Epilogue{RowBias: bias, Relu: true}
			b.Run(fmt.Sprintf("%s/%s", s.name, kern.Name), func(b *testing.B) {
				ParallelMatrix(t, ep, 1, false, false, s.m, s.n, s.k, 1, a, Float(bm, s.n), 0, c, s.n)
				b.ResetTimer()
				c0 := cputime.Seconds()
				for b.Loop() {
					ParallelMatrix(t, ep, 1, false, false, s.m, s.n, s.k, 1, a, Float(bm, s.n), 0, c, s.n)
				}
				b.ReportMetric(flop*float64(b.N)/(cputime.Seconds()-c0)/1e9, "GFLOP/cpu-s")
			})
			b.Run(fmt.Sprintf("%s/%s/kernel-only", s.name, kern.Name), func(b *testing.B) {
				mr, nr, kc := kern.MR, kern.NR, min(t.KC, s.k)
				pa := randMat(r, kc*mr)
				pb := randMat(r, kc*nr)
				acc := make([]float32, mr*nr)
				calls := (s.m + mr - 1) / mr * ((s.n + nr - 1) / nr) * ((s.k + kc - 1) / kc)
				c0 := cputime.Seconds()
				for b.Loop() {
					for i := 0; i < calls; i++ {
						kern.Fn(kc, pa, pb, acc)
					}
				}
				b.ReportMetric(flop*float64(b.N)/(cputime.Seconds()-c0)/1e9, "GFLOP/cpu-s")
			})
			if kern.TilePair == nil {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s/pair-only", s.name, kern.Name), func(b *testing.B) {
				mr, nr, kc := kern.MR, kern.NR, min(t.KC, s.k)
				pa := randMat(r, 2*kc*mr)
				pb := randMat(r, kc*nr)
				tile := make([]float32, 2*mr*nr)
				calls := (s.m + 2*mr - 1) / (2 * mr) * ((s.n + nr - 1) / nr) * ((s.k + kc - 1) / kc)
				c0 := cputime.Seconds()
				for b.Loop() {
					for i := 0; i < calls; i++ {
						kern.TilePair(kc, pa, pb, nr, tile, nr, nr, true, true, false, nil, nil, false)
					}
				}
				b.ReportMetric(flop*float64(b.N)/(cputime.Seconds()-c0)/1e9, "GFLOP/cpu-s")
			})
			if kern.TileTriple == nil {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s/triple-only", s.name, kern.Name), func(b *testing.B) {
				mr, nr, kc := kern.MR, kern.NR, min(t.KC, s.k)
				pa := randMat(r, 3*kc*mr)
				pb := randMat(r, kc*nr)
				tile := make([]float32, 3*mr*nr)
				calls := (s.m + 3*mr - 1) / (3 * mr) * ((s.n + nr - 1) / nr) * ((s.k + kc - 1) / kc)
				c0 := cputime.Seconds()
				for b.Loop() {
					for i := 0; i < calls; i++ {
						kern.TileTriple(kc, pa, pb, nr, tile, nr, nr, true, true, false, nil, nil, false)
					}
				}
				b.ReportMetric(flop*float64(b.N)/(cputime.Seconds()-c0)/1e9, "GFLOP/cpu-s")
			})
		}
	}
}
