package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// consumeGraph is conv, pool, conv, pool, conv with an Identity (skipped
// by the passes, so "b2" is another name of "b").
func consumeGraph(r *rand.Rand) *Graph {
	pad := &ConvParams{Pads: [4]int{1, 1, 1, 1}}
	pool := &PoolParams{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}}
	return &Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, 3, 32, 32}}},
		Outputs: []string{"y"},
		Consts:  map[string]*Tensor{"w1": randTensor(r, 16, 3, 3, 3), "w2": randTensor(r, 16, 16, 3, 3), "w3": randTensor(r, 4, 16, 3, 3)},
		Nodes: []*Node{
			{Name: "c1", Op: OpConv, Inputs: []string{"x", "w1"}, Outputs: []string{"a"}, Params: pad},
			{Name: "p1", Op: OpMaxPool, Inputs: []string{"a"}, Outputs: []string{"b"}, Params: pool},
			{Name: "id", Op: OpIdentity, Inputs: []string{"b"}, Outputs: []string{"b2"}},
			{Name: "c2", Op: OpConv, Inputs: []string{"b2", "w2"}, Outputs: []string{"c"}, Params: pad},
			{Name: "p2", Op: OpMaxPool, Inputs: []string{"c"}, Outputs: []string{"d"}, Params: pool},
			{Name: "c3", Op: OpConv, Inputs: []string{"d", "w3"}, Outputs: []string{"y"}, Params: pad},
		},
	}
}

// TestConsume: each kept value is offered once its last reader ran, under
// every name it was kept as, with the values a plain run keeps; a consumed
// value is left out of Kept and its buffer serves a later value; a value
// the caller keeps is in Kept at its exact size; outputs are not offered;
// the outputs are the same bits.
func TestConsume(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	g := consumeGraph(r)
	keep := []string{"a", "b", "b2", "c", "y"}
	p, err := Compile(g, Options{Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*Tensor{"x": randTensor(r, 1, 3, 32, 32)}
	plain, err := p.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	var offered []string
	var aBuf *float32
	var done []string // Progress's node names when each value was offered
	node := ""
	res, err := p.RunWith(in, RunOptions{
		Progress: func(_, _ int, nt NodeTiming) { node = nt.Node },
		Consume: func(name string, x *Tensor) bool {
			offered = append(offered, name)
			done = append(done, node)
			if !slices.Equal(x.Data, plain.Kept[name].Data) || !slices.Equal(x.Shape, plain.Kept[name].Shape) {
				t.Errorf("%s: offered values differ from a plain run's", name)
			}
			switch name {
			case "a":
				aBuf = &x.Data[0]
				return true
			case "c":
				if &x.Data[0] != aBuf {
					t.Error("c did not reuse a's released buffer")
				}
				return false
			}
			return true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// a's last reader is p1, b's (and b2's) c2, c's p2 (the Identity is
	// skipped); Progress for a node comes after the offers it makes, so
	// each offer sees the node run before.
	if want := []string{"a", "b", "b2", "c"}; !slices.Equal(offered, want) {
		t.Errorf("offered %v, want %v", offered, want)
	}
	if want := []string{"c1", "p1", "p1", "c2"}; !slices.Equal(done, want) {
		t.Errorf("offered after nodes %v (the node before the last reader), want %v", done, want)
	}
	for _, k := range []string{"a", "b", "b2"} {
		if res.Kept[k] != nil {
			t.Errorf("consumed %s is still in Kept", k)
		}
	}
	c := res.Kept["c"]
	if c == nil || !slices.Equal(c.Data, plain.Kept["c"].Data) || cap(c.Data) != len(c.Data) {
		t.Fatalf("kept c: %v", c)
	}
	if !slices.Equal(res.Outputs["y"].Data, plain.Outputs["y"].Data) || !slices.Equal(res.Kept["y"].Data, plain.Outputs["y"].Data) {
		t.Error("outputs differ from a plain run's")
	}
	// A second run reuses the pool: the same bits again.
	again, err := p.RunWith(in, RunOptions{Consume: func(string, *Tensor) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Kept) != 1 || again.Kept["y"] == nil || !slices.Equal(again.Outputs["y"].Data, plain.Outputs["y"].Data) {
		t.Errorf("everything consumed: kept %d values, outputs equal %v", len(again.Kept), slices.Equal(again.Outputs["y"].Data, plain.Outputs["y"].Data))
	}
}

// TestConsumeExactSize: a value the caller keeps that took a larger pooled
// buffer is copied to its own size, so it does not pin the larger buffer.
func TestConsumeExactSize(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	g := consumeGraph(r)
	// d (16x8x8) is made after a (16x32x32) was handed back and takes its
	// buffer.
	p, err := Compile(g, Options{Keep: []string{"a", "d"}})
	if err != nil {
		t.Fatal(err)
	}
	pooled := 0
	var offered *Tensor
	res, err := p.RunWith(map[string]*Tensor{"x": randTensor(r, 1, 3, 32, 32)}, RunOptions{
		Consume: func(name string, x *Tensor) bool {
			if name == "d" {
				pooled, offered = cap(x.Data), x
			}
			return name == "a"
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Kept["d"]
	if d == nil || len(d.Data) != 16*8*8 || cap(d.Data) != len(d.Data) || pooled <= len(d.Data) {
		t.Fatalf("kept d: %d values in a buffer of %d (offered in a buffer of %d)", len(d.Data), cap(d.Data), pooled)
	}
	if offered != d {
		t.Error("Kept holds another tensor than the one offered (a caller holding it would see a pooled buffer)")
	}
}
