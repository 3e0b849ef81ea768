package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// inceptionGraph is an inception block: a split conv whose output three
// branches read (two split convs, and a max pool before a third), a Concat
// of the branches, a split conv reading it, and a split conv that only a
// caller keeps (no node reads it).
func inceptionGraph(t *testing.T, r *rand.Rand) *Graph {
	t.Helper()
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 3, 16, 16}})
	q, f, node := b.q, b.f, b.node
	pad1 := &ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}
	node("c0", OpConv, pad1, "a", "x", q("w0", 0, 64, 3, 3, 3), f("b0", 64))
	node("b1", OpConv, &ConvParams{Relu: true}, "y1", "a", q("w1", 0, 32, 64, 1, 1), f("bb1", 32))
	node("b2", OpConv, pad1, "y2", "a", q("w2", 0, 48, 64, 3, 3), f("bb2", 48))
	node("p", OpMaxPool, &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, "ap", "a")
	node("b4", OpConv, nil, "y4", "ap", q("w4", 0, 32, 64, 1, 1), f("bb4", 32))
	node("cat", OpConcat, &ConcatParams{Axis: 1}, "c", "y1", "y2", "y4")
	node("side", OpConv, nil, "s", "a", q("ws", 0, 32, 64, 1, 1), f("bs", 32))
	node("out", OpConv, nil, "y", "c", q("wy", 0, 40, 112, 1, 1), f("by", 40))
	return b.g
}

// TestShardGathersDeferred: a split node's gather waits for the first
// node that reads its output, and the parts waiting then go in one call:
// the branches of the block in one, not one each. Every shard makes the
// same calls, and gets the unsharded program's bits, with the memory plan
// reusing buffers (no Keep), keeping every value, and handing a kept value
// nobody reads to Consume as soon as it is computed (it must be whole by
// then), split by channels and by rows.
func TestShardGathersDeferred(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	g := inceptionGraph(t, r)
	in := map[string]*Tensor{"x": randTensor(r, 1, 3, 16, 16)}
	old := rowMaxWeights
	defer func() { rowMaxWeights = old }()
	for _, rows := range []bool{false, true} {
		rowMaxWeights = old // the row split takes c0, b2 and side
		if !rows {
			rowMaxWeights = -1
		}
		for _, keep := range [][]string{nil, {"*"}, {"s"}} {
			name := fmt.Sprintf("rows %v keep %v", rows, keep)
			opt := Options{Workers: 1, Keep: keep}
			ref, err := Compile(g, opt)
			if err != nil {
				t.Fatal(err)
			}
			var ro RunOptions
			var consumed *Tensor
			if len(keep) == 1 && keep[0] == "s" {
				ro.Consume = func(_ string, t *Tensor) bool { consumed = t.Clone(); return true }
			}
			want, err := ref.RunWith(in, ro)
			if err != nil {
				t.Fatal(err)
			}
			wantS := consumed
			l := NewLocalGather(2)
			progs, calls := compileLogged(t, g, opt, l, 2, false)
			res := make([]*Result, 2)
			got := make([]*Tensor, 2)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, p := range progs {
				wg.Go(func() {
					var ro RunOptions
					if wantS != nil {
						ro.Consume = func(_ string, t *Tensor) bool { got[i] = t.Clone(); return true }
					}
					if res[i], errs[i] = p.RunWith(in, ro); errs[i] != nil {
						l.Abort(errs[i])
					}
				})
			}
			wg.Wait()
			for i := range 2 {
				if errs[i] != nil {
					t.Fatalf("%s: shard %d: %v", name, i, errs[i])
				}
				sameBits(t, name+": y", res[i].Outputs["y"], want.Outputs["y"])
				for k, v := range want.Kept {
					sameBits(t, name+": "+k, res[i].Kept[k], v)
				}
				if wantS != nil {
					sameBits(t, name+": s consumed", got[i], wantS)
				}
			}
			if !slices.Equal(calls[0], calls[1]) {
				t.Errorf("%s: the shards' gathers differ: %q and %q", name, calls[0], calls[1])
			}
			// c0 at b1, the branches at the Concat, with side: it reads
			// only c0's output, so it runs before the Concat, which
			// waits for the branches' parts (orderGathers), and its
			// parts go with theirs (or as soon as it goes to Consume,
			// which then takes the branches' with it); out at the end.
			wantCalls := []string{"c0", "b1+b2+b4+side", "out"}
			if !slices.Equal(calls[0], wantCalls) {
				t.Errorf("%s: gathers %q, want %q", name, calls[0], wantCalls)
			}
		}
	}
}

// compileLogged compiles g for each of l's count shards with opt, and logs
// per shard each gather its program asks for (the gathered nodes joined by
// "+"), for the tests of which values the shards exchange. noShare leaves
// the shards no shared work (Shard.Share nil).
func compileLogged(t *testing.T, g *Graph, opt Options, l *LocalGather, count int, noShare bool) (progs []*Program, calls [][]string) {
	t.Helper()
	var mu sync.Mutex
	calls = make([][]string, count)
	progs = make([]*Program, count)
	for i := range progs {
		o := opt
		o.Shard = l.Shard(i)
		if noShare {
			o.Shard.Share = nil
		}
		gather := o.Shard.Gather
		o.Shard.Gather = func(parts []Gathered) error {
			var nodes []string
			for _, p := range parts {
				nodes = append(nodes, p.Node)
			}
			mu.Lock()
			calls[i] = append(calls[i], strings.Join(nodes, "+"))
			mu.Unlock()
			return gather(parts)
		}
		var err error
		if progs[i], err = Compile(g, o); err != nil {
			t.Fatal(err)
		}
	}
	return progs, calls
}
