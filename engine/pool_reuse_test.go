package engine

import (
	"math/rand/v2"
	"testing"
)

// TestBufferPoolBestFit: a released buffer serves any smaller tensor, the
// smallest that fits is taken, and nothing fits means a new buffer.
func TestBufferPoolBestFit(t *testing.T) {
	var b bufferPool
	big, mid := b.get([]int{1, 64, 10, 10}), b.get([]int{1, 16, 10, 10})
	b.put(big)
	b.put(mid)
	got := b.get([]int{1, 8, 10, 10})
	if &got.Data[:cap(got.Data)][cap(got.Data)-1] != &mid.Data[cap(mid.Data)-1] || len(got.Data) != 800 {
		t.Fatalf("a tensor of 800 did not take the smallest free buffer that fits (%d of %d)", len(got.Data), cap(got.Data))
	}
	got = b.get([]int{1, 32, 10, 10})
	if &got.Data[0] != &big.Data[0] {
		t.Fatal("a tensor of 3200 did not take the free buffer of 6400")
	}
	fresh := b.get([]int{1, 64, 10, 10})
	if len(b.free) != 0 || len(fresh.Data) != 6400 {
		t.Fatalf("with no free buffer left: %d free, tensor of %d", len(b.free), len(fresh.Data))
	}
}

// TestOutputsNotPooled: outputs and kept values are exactly their size (a
// small result never pins a large pooled buffer): y (4x32x32) is computed
// after a (16x32x32) was released, whose buffer would fit it.
func TestOutputsNotPooled(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	pad := &ConvParams{Pads: [4]int{1, 1, 1, 1}}
	pool := &PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}
	g := &Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, 3, 32, 32}}},
		Outputs: []string{"y"},
		Consts:  map[string]*Tensor{"w1": randTensor(r, 16, 3, 3, 3), "w2": randTensor(r, 16, 16, 3, 3), "w3": randTensor(r, 4, 16, 3, 3)},
		Nodes: []*Node{
			{Name: "c1", Op: OpConv, Inputs: []string{"x", "w1"}, Outputs: []string{"a"}, Params: pad},
			{Name: "p1", Op: OpMaxPool, Inputs: []string{"a"}, Outputs: []string{"b"}, Params: pool},
			{Name: "c2", Op: OpConv, Inputs: []string{"b", "w2"}, Outputs: []string{"c"}, Params: pad},
			{Name: "p2", Op: OpMaxPool, Inputs: []string{"c"}, Outputs: []string{"d"}, Params: pool},
			{Name: "c3", Op: OpConv, Inputs: []string{"d", "w3"}, Outputs: []string{"y"}, Params: pad},
		},
	}
	p, err := Compile(g, Options{Keep: []string{"c"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(map[string]*Tensor{"x": randTensor(r, 1, 3, 32, 32)})
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string]*Tensor{"y": res.Outputs["y"], "c": res.Kept["c"]} {
		if cap(x.Data) != len(x.Data) {
			t.Errorf("%s: %d values in a buffer of %d", name, len(x.Data), cap(x.Data))
		}
	}
}
