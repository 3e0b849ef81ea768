package engine

import "testing"

func TestDropoutIsIdentityWithMask(t *testing.T) {
	x := tensor(t, []int{2, 2}, 1, -2, 3, -4)
	out := runOp(t, OpDropout, &DropoutParams{Ratio: 0.5}, 2, x)
	wantTensor(t, out[0], []int{2, 2}, []float32{1, -2, 3, -4}, 0)
	wantTensor(t, out[1], []int{2, 2}, []float32{1, 1, 1, 1}, 0) // mask: all true as 1.0
}

func TestDropoutSkippedWhenFused(t *testing.T) {
	g, feeds := oneNode(OpDropout, &DropoutParams{Ratio: 0.5}, 1, tensor(t, []int{3}, 1, 2, 3))
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Nodes()) != 0 {
		t.Fatalf("%d nodes left, want the Dropout skipped", len(p.Nodes()))
	}
	res, err := p.Run(feeds)
	if err != nil {
		t.Fatal(err)
	}
	wantTensor(t, res.Outputs["o0"], []int{3}, []float32{1, 2, 3}, 0)
	if &res.Outputs["o0"].Data[0] == &feeds["i0"].Data[0] {
		t.Fatal("output aliases the input")
	}
}
