package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestShardShared: the convs split by rows are shared out chunk by chunk
// (Shard.Share), whichever program comes: when shard 0 runs alone to the
// end (the other not started, as a descheduled worker), it takes every
// chunk of both convs, and shard 1, run after it, takes none and only
// copies their rows out; both hold the whole program's bits. Then both
// run together, as the tests of the split do, and the chunks of each
// conv are taken once each between them. A gather waits for the parts,
// not the programs, so shard 0 is not held up (two gathers: each buffer
// is written once).
func TestShardShared(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 8, 40, 40}})
	pad := &ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}
	b.node("r1", OpConv, pad, "a1", "x", b.q("w1", 0, 32, 8, 3, 3), b.f("b1", 32))
	b.node("r2", OpConv, &ConvParams{Pads: [4]int{2, 2, 2, 2}}, "y", "a1", b.q("w2", 0, 32, 32, 5, 5), b.f("b2", 32))
	in := map[string]*Tensor{"x": randTensor(r, 1, 8, 40, 40)}
	want := wholeRun(t, b.g, in)
	l := NewLocalGather(2)
	owned := make([]map[string][]int, 2) // per shard, node -> chunks taken, over the runs
	var progs []*Program
	for i := range 2 {
		owned[i] = map[string][]int{}
		s := l.Shard(i)
		gather := s.Gather
		s.Gather = func(parts []Gathered) error {
			for _, g := range parts {
				if g.Own == nil {
					t.Errorf("shard %d: %s gathered as a fixed band, want shared chunks", i, g.Node)
				}
				owned[i][g.Node] = append(owned[i][g.Node], g.Own...)
			}
			return gather(parts)
		}
		p, err := Compile(b.g, Options{Workers: 1, Shard: s})
		if err != nil {
			t.Fatal(err)
		}
		for n, sp := range p.splits {
			if sp.rows == nil || !sp.rows.shared || len(sp.rows.subs) < 3 {
				t.Fatalf("shard %d: %s is not shared out in several chunks: %+v", i, n.Name, sp)
			}
		}
		progs = append(progs, p)
	}
	chunks := func(name string) []int {
		var all []int
		for _, n := range progs[0].nodes {
			if n.Name == name {
				all = make([]int, len(progs[0].splits[n].rows.subs))
			}
		}
		for i := range all {
			all[i] = i
		}
		return all
	}
	for i, p := range progs { // one after the other
		res, err := p.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		sameBits(t, "alone y", res.Outputs["y"], want.Outputs["y"])
		for _, node := range []string{"r1", "r2"} {
			got := owned[i][node]
			if i == 0 && !slices.Equal(got, chunks(node)) || i == 1 && len(got) != 0 {
				t.Errorf("shard %d run alone took chunks %v of %s, of %v", i, got, node, chunks(node))
			}
		}
	}
	for round := range 3 { // together
		res, err := RunShards(l, progs, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range res {
			sameBits(t, "together y", res.Outputs["y"], want.Outputs["y"])
		}
		for _, node := range []string{"r1", "r2"} {
			got := append(slices.Clone(owned[0][node]), owned[1][node]...)
			slices.Sort(got)
			var wantChunks []int
			for range round + 2 {
				wantChunks = append(wantChunks, chunks(node)...)
			}
			slices.Sort(wantChunks)
			if !slices.Equal(got, wantChunks) {
				t.Errorf("after %d runs together, %s's chunks were taken %v times, want each once a run (%v)", round+1, node, got, wantChunks)
			}
		}
	}
}
