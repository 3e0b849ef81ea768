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
				benchTileOnly(b, r, kern, t, s.m, s.n, s.k, 2, kern.TilePair)
			})
			if kern.TileTriple == nil {
				continue
			}
			b.Run(fmt.Sprintf("%s/%s/triple-only", s.name, kern.Name), func(b *testing.B) {
				benchTileOnly(b, r, kern, t, s.m, s.n, s.k, 3, kern.TileTriple)
			})
		}
	}
}

// benchTileOnly times tile, kern's tile over slivers A slivers, called as
// often as an m x n x k product needs such tiles, each into one tile of C
// from the same slivers (in L1: no packing, no memory traffic).
func benchTileOnly(b *testing.B, r *rand.Rand, kern Kernel, t Tiles, m, n, k, slivers int, tile func(kc int, a, b []float32, ldb int, c []float32, ldc, cols int, first, last, nextB bool, bias, add []float32, relu bool)) {
	mr, nr, kc := kern.MR, kern.NR, min(t.KC, k)
	pa := randMat(r, slivers*kc*mr)
	pb := randMat(r, kc*nr)
	c := make([]float32, slivers*mr*nr)
	calls := (m + slivers*mr - 1) / (slivers * mr) * ((n + nr - 1) / nr) * ((k + kc - 1) / kc)
	c0 := cputime.Seconds()
	for b.Loop() {
		for i := 0; i < calls; i++ {
			tile(kc, pa, pb, nr, c, nr, nr, true, true, false, nil, nil, false)
		}
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/(cputime.Seconds()-c0)/1e9, "GFLOP/cpu-s")
}

// fcShapes are the fully connected layers of AlexNet and VGG16 (out x in,
// int8 weights with a scale per output, as model files hold them) at
// batch 1: a dot product of the input with each row (gemv, the kernel's
// DotQ4), bound by the weights' bytes and their widening to float32.
var fcShapes = []struct {
	name string
	n, k int
}{
	{"alexnet.classifier.1", 4096, 9216},
	{"alexnet.classifier.4", 4096, 4096},
	{"vgg16.classifier.0", 4096, 25088},
	{"classifier.6", 1000, 4096},
}

// BenchmarkFCShapes runs each fully connected layer on one worker with the
// default kernel and reports cpu-ms/op, the process's CPU time per product
// (on a busy machine what the product costs).
func BenchmarkFCShapes(b *testing.B) {
	r := rand.New(rand.NewPCG(73, 74))
	for _, s := range fcShapes {
		x := randMat(r, s.k)
		wq, _ := quantize(r, s.n, s.k, false)
		y := make([]float32, s.n)
		b.Run(s.name, func(b *testing.B) {
			c0 := cputime.Seconds()
			for b.Loop() {
				ParallelMatrix(DefaultTiles, Epilogue{}, 1, false, true, 1, s.n, s.k, 1, Float(x, s.k), wq, 0, y, s.n)
			}
			b.ReportMetric((cputime.Seconds()-c0)*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}
