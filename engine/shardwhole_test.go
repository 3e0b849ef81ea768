package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// noWholeNodes turns wholeNodes off (for the tests of the other splits,
// whose graphs have branches it would take) and returns what restores it.
func noWholeNodes() func() {
	old := wholeMaxMACs
	wholeMaxMACs = -1
	return func() { wholeMaxMACs = old }
}

// TestShardWholeNodes: in poolGraph, the branch convs c1 (after the
// stride-1 pool p1, which runs with it) and c1b, read only by the Concat,
// run whole on one shard each, and p1's output is not gathered; c2 and
// c2b (read by an Add) and the pools of other readers do not. Every bit
// is the unsharded program's, at 2 and 3 shards, batch 1 and 2, owners
// fixed or shared out.
func TestShardWholeNodes(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	g := poolGraph(t, r)
	ref, err := Compile(g, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, count := range []int{2, 3, -2, -3} { // negative: shared out
		shared := count < 0
		count = max(count, -count)
		l, progs := compileShards(t, g, Options{Workers: 1}, count, shared)
		for i, p := range progs {
			var whole, own []string
			for n, sp := range p.splits {
				if sp.whole != nil {
					whole = append(whole, n.Name)
				}
			}
			for n := range p.ownOnly {
				own = append(own, n.Name)
			}
			slices.Sort(whole)
			if want := []string{"c1", "c1b", "p1"}; !slices.Equal(whole, want) {
				t.Errorf("shard %d of %d: whole nodes %v, want %v", i, count, whole, want)
			}
			if !slices.Contains(own, "p1") || slices.Contains(own, "c1") || slices.Contains(own, "c1b") {
				t.Errorf("shard %d of %d: not gathered %v, want p1 (not c1, c1b)", i, count, own)
			}
		}
		for _, batch := range []int{1, 2} {
			in := map[string]*Tensor{"x": randTensor(r, batch, 3, 28, 28)}
			want, res := shardsAndWhole(t, ref, l, progs, in)
			for _, res := range res {
				sameBits(t, "y", res.Outputs["y"], want.Outputs["y"])
			}
		}
	}
}
