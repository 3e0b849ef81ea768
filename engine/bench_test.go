package engine

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkConv3x3 runs one 3x3 conv, 64 -> 64 channels at 56x56 (pad 1,
// stride 1; ResNet's first stage) through the compiled program, and reports
// GFLOP/s counting a multiply-add as 2 FLOPs (2*64*64*9*56*56 = 231 MFLOP).
func BenchmarkConv3x3(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	g := &Graph{
		Inputs:  []ValueInfo{{"x", []int{1, 64, 56, 56}}},
		Outputs: []string{"y"},
		Consts:  map[string]*Tensor{"w": randTensor(r, 64, 64, 3, 3), "b": randTensor(r, 64)},
		Nodes: []*Node{{Name: "conv", Op: OpConv, Inputs: []string{"x", "w", "b"}, Outputs: []string{"y"},
			Params: &ConvParams{Pads: [4]int{1, 1, 1, 1}}}},
	}
	p, err := Compile(g, Options{})
	if err != nil {
		b.Fatal(err)
	}
	feeds := map[string]*Tensor{"x": randTensor(r, 1, 64, 56, 56)}
	// One untimed run first: under WebAssembly the first calls execute in
	// V8's baseline compiler until the optimizing tier takes over, which
	// with -benchtime=3x would otherwise dominate the figure.
	if _, err := p.Run(feeds); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Run(feeds); err != nil {
			b.Fatal(err)
		}
	}
	flops := 2.0 * 64 * 64 * 9 * 56 * 56
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
