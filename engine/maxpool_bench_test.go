package engine

import (
	"math/rand/v2"
	"testing"

	"convscope/internal/cputime"
)

// BenchmarkMaxPool runs the max pools of the ImageNet networks (the op's
// run function, into an output allocated once) on one worker, reporting
// CPU time a run (what counts on a machine other work keeps busy):
// ResNet's maxpool (3x3 stride 2, pad 1), GoogLeNet's maxpool1-3 (3x3
// stride 2, ceil mode) and maxpool4 (2x2 stride 2, ceil mode), and three of
// its inception pools (3x3 stride 1, pad 1).
func BenchmarkMaxPool(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		name string
		p    PoolParams
		c, h int
	}{
		{"resnet_64x112", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, 64, 112},
		{"googlenet1_64x112", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, 64, 112},
		{"googlenet2_192x56", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, 192, 56},
		{"googlenet3_480x28", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, 480, 28},
		{"googlenet4_832x14_k2", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, 832, 14},
		// The inception blocks' branch-4 pools: 3x3, stride 1, pad 1.
		{"incep3a_192x28_s1", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, 192, 28},
		{"incep4b_512x14_s1", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, 512, 14},
		{"incep5a_832x7_s1", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, 832, 7},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := c.p
			x := randTensor(r, 1, c.c, c.h, c.h)
			g, err := resolvePool(&p, x.Shape)
			if err != nil {
				b.Fatal(err)
			}
			y, err := NewTensor(1, c.c, g.oh, g.ow)
			if err != nil {
				b.Fatal(err)
			}
			n := &Node{Op: OpMaxPool, Params: &p}
			ctx := &execCtx{workers: 1}
			run := func() {
				if err := runMaxPool(ctx, n, []*Tensor{x}, []*Tensor{y}); err != nil {
					b.Fatal(err)
				}
			}
			run()
			b.ResetTimer()
			cpu0 := cputime.Seconds()
			for b.Loop() {
				run()
			}
			b.ReportMetric((cputime.Seconds()-cpu0)*1e6/float64(b.N), "cpu-us/op")
		})
	}
}
