package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// ramp returns a (1, 1, h, w) tensor holding 1, 2, 3, ...
func ramp(t *testing.T, h, w int) *Tensor {
	x := tensor(t, []int{1, 1, h, w})
	for i := range x.Data {
		x.Data[i] = float32(i + 1)
	}
	return x
}

func TestMaxPool(t *testing.T) {
	x := ramp(t, 4, 4)
	for _, c := range []struct {
		name  string
		p     PoolParams
		shape []int
		want  []float32
	}{
		{"2x2s2", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{1, 1, 2, 2}, []float32{6, 8, 14, 16}},
		{"3x3s2 ceil", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 1, 2, 2}, []float32{11, 12, 15, 16}},
		{"3x3s2 floor", PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}}, []int{1, 1, 1, 1}, []float32{11}},
		{"pads", PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 1, 3, 3},
			[]float32{1, 3, 4, 9, 11, 12, 13, 15, 16}},
		{"dilation", PoolParams{Kernel: [2]int{2, 2}, Dilations: [2]int{2, 2}}, []int{1, 1, 2, 2}, []float32{11, 12, 15, 16}},
		{"asym pads", PoolParams{Kernel: [2]int{2, 2}, Pads: [4]int{0, 1, 0, 0}}, []int{1, 1, 3, 4},
			[]float32{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			out := runOp(t, OpMaxPool, &p, 1, x)
			wantTensor(t, out[0], c.shape, c.want, 0)
		})
	}
}

func TestPoolErrors(t *testing.T) {
	x := ramp(t, 4, 4)
	for _, p := range []PoolParams{
		{},                                       // no kernel
		{Kernel: [2]int{5, 5}},                   // larger than the input
		{Kernel: [2]int{2, 2}, Pads: [4]int{-1}}, // negative pad
		{Kernel: [2]int{2, 2}, Strides: [2]int{-1, 1}},
		{Kernel: [2]int{1 << 40, 1}},
	} {
		p := p
		if compileErr(OpMaxPool, &p, x) == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if compileErr(OpAveragePool, &PoolParams{Kernel: [2]int{2, 2}}, tensor(t, []int{1, 4, 4})) == nil {
		t.Error("3-D input accepted")
	}
}

// TestMaxPoolMatchesWindow: the separable pool gives exactly the bits of
// the tap-by-tap maximum (maxPoolWindow), NaN where it gives NaN, on random geometries (kernels 1 to
// 4, strides, dilations, pads, ceil mode, the 3x3 and 2x2 fast paths at the
// border and inside) with NaN, signed zeros and infinities in the input,
// for 1 and 3 workers on inputs large enough to be split.
func TestMaxPoolMatchesWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	// The pools of the ImageNet networks first (GoogLeNet's 3x3 stride 1
	// "same" pools take their own path, as do 3-tap windows), then random
	// geometries.
	fixed := []struct {
		p     PoolParams
		shape []int
	}{
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}, CeilMode: true}, []int{1, 5, 14, 14}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{2, 3, 7, 9}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 4, 112, 112}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 4, 56, 56}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}}, []int{1, 4, 55, 55}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 6, 14, 14}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{2, 0, 1, 2}, CeilMode: true}, []int{1, 3, 37, 70}},
		// Wider rows than the other cases: more than one MaxS2 vector
		// body pass and a masked tail.
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 2, 9, 300}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{1, 4, 28, 28}},
		// vec.MaxPoolS2 (natively with AVX-512): GoogLeNet's maxpool4
		// (2x2, ceil) on even and odd maps, maxpool3's 28x28, 2x2 and
		// 3x3 with padding on every side, top padding of 2, rows of
		// more than one vector with tails, maps narrower than a vector.
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 5, 14, 14}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, []int{2, 3, 13, 15}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 4, 28, 28}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 3, 11, 12}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{1, 0, 0, 1}, CeilMode: true}, []int{1, 3, 9, 7}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{2, 1, 2, 2}, CeilMode: true}, []int{1, 3, 10, 9}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{0, 2, 1, 0}}, []int{1, 2, 6, 5}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 2, 7, 301}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 2, 7, 67}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 2, 3, 3}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 64, 14, 14}},
		{PoolParams{Kernel: [2]int{5, 5}, Strides: [2]int{1, 1}, Pads: [4]int{2, 2, 2, 2}}, []int{1, 3, 11, 13}},
		{PoolParams{Kernel: [2]int{4, 4}, Strides: [2]int{1, 1}, Pads: [4]int{1, 2, 2, 1}}, []int{1, 3, 9, 10}},
		// ResNet's stem pool on 24 channels: over 256K input values,
		// split over the workers.
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 24, 112, 112}},
		// The CIFAR-10 networks' pools (in WebAssembly vec.MaxPool3x3S2P1
		// and vec.MaxPool3x3S1W): 3x3 stride 2 pad 1 on 32x32, 16x16 and
		// 8x8 maps, and on maps whose rows end in a part vector (12 and
		// 20 columns in, 6 and 10 out); 3x3 stride 1 "same" on 16x16,
		// 8x8, 4x4 and 6x5, and on 3-wide maps (the other path).
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 64, 32, 32}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 7, 16, 16}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{2, 5, 8, 8}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 3, 10, 12}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}, CeilMode: true}, []int{1, 3, 6, 20}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 9, 16, 16}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{2, 5, 8, 8}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 4, 4, 4}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 4, 6, 5}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 4, 5, 3}},
		// Over 256K input values: split over the workers.
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 300, 32, 32}},
		// VGG's 2x2 stride-2 pools (in WebAssembly vec.MaxPool2x2S2):
		// 32x32, 8x8, rows ending in a part vector (20 and 12 in), ceil
		// mode on even maps, padding after the input only, and a map
		// split over the workers.
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{1, 32, 32, 32}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{2, 5, 8, 8}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{1, 3, 6, 20}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 3, 10, 12}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{0, 0, 1, 1}}, []int{1, 3, 8, 8}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}, []int{1, 64, 64, 64}},
	}
	for i := 0; i < len(fixed)+150; i++ {
		var p PoolParams
		var shape []int
		if i < len(fixed) {
			p, shape = fixed[i].p, fixed[i].shape
		} else {
			k := [2]int{1 + r.IntN(4), 1 + r.IntN(4)}
			if i%3 == 0 {
				k = [2]int{3, 3}
			}
			p = PoolParams{Kernel: k, Strides: [2]int{1 + r.IntN(3), 1 + r.IntN(3)}, CeilMode: r.IntN(2) == 0}
			if r.IntN(4) == 0 {
				p.Dilations = [2]int{1 + r.IntN(2), 1 + r.IntN(2)}
			}
			for j := range p.Pads {
				p.Pads[j] = r.IntN(k[j%2]) // a pad below the kernel, as ONNX requires
			}
			shape = []int{1 + r.IntN(2), 1 + r.IntN(4), 5 + r.IntN(20), 5 + r.IntN(20)}
			if i%10 == 0 {
				shape[1] = 64 // enough elements for the planes to be split
			}
		}
		x := randTensor(r, shape...)
		for j := range x.Data {
			if r.IntN(20) == 0 {
				x.Data[j] = special[r.IntN(len(special))]
			}
		}
		if g, err := resolvePool(&p, shape); err != nil || g.oh <= 0 {
			continue // a kernel larger than the padded input
		}
		checkPoolWindows(t, p, x, fmt.Sprintf("%+v %v", p, shape), 1, 3)
	}
}

// checkPoolWindows runs MaxPool p on x in programs of each worker count
// and holds every output to maxPoolWindow's bits, tap by tap (outputs that
// are NaN on both sides pass: which NaN's bits win depends on the order).
func checkPoolWindows(t *testing.T, p PoolParams, x *Tensor, label string, workerCounts ...int) {
	t.Helper()
	g, err := resolvePool(&p, x.Shape)
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	want := make([]float32, g.n*g.c*g.oh*g.ow)
	for m := 0; m < g.n*g.c; m++ {
		src := x.Data[m*g.h*g.w : (m+1)*g.h*g.w]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				y0, x0 := g.window(oy, ox)
				want[(m*g.oh+oy)*g.ow+ox] = maxPoolWindow(&g, src, y0, x0)
			}
		}
	}
	for _, workers := range workerCounts {
		name := fmt.Sprintf("%s workers=%d", label, workers)
		gr, feeds := oneNode(OpMaxPool, &p, 1, x)
		prog, err := Compile(gr, Options{Workers: workers})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res, err := prog.Run(feeds)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := res.Outputs["o0"].Data
		for j := range want {
			if got[j] != got[j] && want[j] != want[j] {
				continue // both NaN
			}
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%s: y[%d] = %v (%#x), tap by tap %v (%#x)", name, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
			}
		}
	}
}

// TestMaxPoolZerosNaN holds the pool paths to maxPoolWindow's bits on
// inputs where the sign of zero decides (only -0, +0, negatives and
// infinities, no NaN: natively the stride-2 kernel's fast maxima fix the
// sign of zero themselves), then on the same with one NaN in a few rows
// (its row falls back to the exact max), for the ImageNet pools'
// geometries and odd ones, 1 and 2 workers.
func TestMaxPoolZerosNaN(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	negZero := float32(math.Copysign(0, -1))
	vals := []float32{negZero, 0, negZero, 0, -1, -2.5, float32(math.Inf(-1)), float32(math.Inf(1))}
	for _, c := range []struct {
		p     PoolParams
		shape []int
	}{
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 3, 56, 56}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 3, 112, 112}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{2, 3, 27, 29}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 5, 14, 14}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 0, 0}, CeilMode: true}, []int{1, 3, 15, 37}},
		// Stride 2 on rows of 16 to 31 columns (two vectors in
		// registers), left pads of 0, 1 and 2.
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, Pads: [4]int{0, 1, 0, 0}, CeilMode: true}, []int{1, 3, 9, 25}},
		{PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 3, 6, 17}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 3, 8, 20}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{0, 2, 0, 1}}, []int{1, 3, 7, 23}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true}, []int{1, 3, 7, 31}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 4, 28, 28}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{2, 3, 7, 7}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 3, 14, 19}},
		// Rows of 3 vectors with a tail, exactly one and two vectors, one
		// vector and a lane, 2x2 maps.
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 2, 5, 40}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 3, 4, 16}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 2, 3, 32}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{1, 2, 3, 17}},
		{PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, []int{2, 2, 2, 2}},
	} {
		for _, nan := range []bool{false, true} {
			x := randTensor(r, c.shape...)
			for j := range x.Data {
				x.Data[j] = vals[r.IntN(len(vals))]
				if nan && r.IntN(200) == 0 {
					x.Data[j] = float32(math.NaN())
				}
			}
			checkPoolWindows(t, c.p, x, fmt.Sprintf("%+v %v nan=%v", c.p, c.shape, nan), 1, 2)
		}
	}
}
