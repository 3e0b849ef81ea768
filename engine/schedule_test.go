package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// twoInceptions is a small GoogLeNet: a stem conv, two inception blocks
// (a 1x1 conv; 1x1 then 3x3; 1x1, ReLU then 3x3 with int8 weights; max
// pool then 1x1; their Concat), global average pool, Flatten and Gemm.
func twoInceptions(t *testing.T, r *rand.Rand, batch int) *Graph {
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{batch, 8, 14, 14}})
	pad := &ConvParams{Pads: [4]int{1, 1, 1, 1}}
	b.node("stem", OpConv, pad, "s", "x", b.f("ws", 16, 8, 3, 3), b.f("bs", 16))
	in, cin := "s", 16
	for k := 1; k <= 2; k++ {
		n := func(s string) string { return fmt.Sprintf("i%d.%s", k, s) }
		b.node(n("b1"), OpConv, nil, n("o1"), in, b.f(n("w1"), 8, cin, 1, 1))
		b.node(n("b2.0"), OpConv, nil, n("t2"), in, b.f(n("w20"), 8, cin, 1, 1), b.f(n("c20"), 8))
		b.node(n("b2.1"), OpConv, pad, n("o2"), n("t2"), b.f(n("w21"), 12, 8, 3, 3))
		b.node(n("b3.0"), OpConv, nil, n("t3"), in, b.f(n("w30"), 4, cin, 1, 1))
		b.node(n("b3.r"), OpRelu, nil, n("r3"), n("t3"))
		b.node(n("b3.1"), OpConv, pad, n("o3"), n("r3"), b.q(n("w31"), 0, 6, 4, 3, 3))
		b.node(n("b4.0"), OpMaxPool, &PoolParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}}, n("t4"), in)
		b.node(n("b4.1"), OpConv, nil, n("o4"), n("t4"), b.f(n("w41"), 6, cin, 1, 1))
		b.node(n("cat"), OpConcat, &ConcatParams{Axis: 1}, n("cat"), n("o1"), n("o2"), n("o3"), n("o4"))
		in, cin = n("cat"), 32
	}
	b.node("gap", OpGlobalAveragePool, nil, "gap", in)
	b.node("flat", OpFlatten, &FlattenParams{Axis: 1}, "flat", "gap")
	b.node("fc", OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, "y", "flat", b.f("wfc", 10, 32), b.f("bfc", 10))
	return b.g
}

// TestScheduleGroups: with two or more workers each inception block's
// branches make one group of four chains, the 3x3 branches first; each
// chain reads only values made before the group or in the chain; a chain
// frees only what it made; one worker and a shard run node by node.
func TestScheduleGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	g := twoInceptions(t, r, 1)
	p1, err := Compile(g, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p1.steps != nil {
		t.Fatal("one worker: steps planned")
	}
	p, err := Compile(g, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	producer := map[string]int{}
	for i, n := range p.nodes {
		producer[n.Outputs[0]] = i
	}
	var groups []string
	next := 0
	for _, st := range p.steps {
		if st.lo != next || st.hi <= st.lo {
			t.Fatalf("step [%d, %d) after %d", st.lo, st.hi, next)
		}
		next = st.hi
		if st.chains == nil {
			continue
		}
		var desc []string
		var all []int
		for _, c := range st.chains {
			var names []string
			for _, i := range c {
				names = append(names, p.nodes[i].Name)
				for _, in := range p.nodes[i].Inputs {
					if k, ok := producer[in]; ok && k >= st.lo && !slices.Contains(c, k) {
						t.Errorf("%s reads %s of another chain", p.nodes[i].Name, in)
					}
				}
				for _, name := range st.free[i-st.lo] {
					if k := producer[name]; !slices.Contains(c, k) {
						t.Errorf("%s's chain frees %s, made by %s", p.nodes[i].Name, name, p.nodes[k].Name)
					}
				}
			}
			all = append(all, c...)
			desc = append(desc, strings.Join(names, ","))
		}
		slices.Sort(all)
		for k, i := range all {
			if i != st.lo+k {
				t.Fatalf("group [%d, %d) covers %v", st.lo, st.hi, all)
			}
		}
		groups = append(groups, strings.Join(desc, " | "))
	}
	if next != len(p.nodes) {
		t.Fatalf("steps end at %d of %d nodes", next, len(p.nodes))
	}
	want := []string{
		"i1.b2.0,i1.b2.1 | i1.b3.0,i1.b3.1 | i1.b1 | i1.b4.0,i1.b4.1",
		"i2.b2.0,i2.b2.1 | i2.b3.0,i2.b3.1 | i2.b1 | i2.b4.0,i2.b4.1",
	}
	if !slices.Equal(groups, want) {
		t.Fatalf("groups\n%s\nwant\n%s", strings.Join(groups, "\n"), strings.Join(want, "\n"))
	}
	sh, err := Compile(g, Options{Workers: 2, Shard: Shard{Index: 0, Count: 2, Gather: func([]Gathered) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	if sh.steps != nil {
		t.Fatal("a shard plans groups")
	}
	chain, err := Compile(consumeGraph(r), Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if chain.steps != nil {
		t.Fatal("a chain of nodes plans groups")
	}
}

// TestScheduleSameBits: outputs and every kept value are the same bits
// for 1, 2 and 3 workers, run after run (buffers recycled), at batch 1
// and 2, with Progress reporting each node once in node order and
// Timings in node order.
func TestScheduleSameBits(t *testing.T) {
	if runtime.GOMAXPROCS(0) == 1 {
		t.Log("one thread: groups run their chains in order")
	}
	r := rand.New(rand.NewPCG(3, 4))
	g := twoInceptions(t, r, 2)
	x := randTensor(r, 2, 8, 14, 14)
	x1 := &Tensor{Shape: []int{1, 8, 14, 14}, Data: x.Data[:8*14*14]}
	var want [2]*Result
	for _, keep := range [][]string{nil, {"*"}} {
		for _, w := range []int{1, 2, 3} {
			p, err := Compile(g, Options{Workers: w, Keep: keep})
			if err != nil {
				t.Fatal(err)
			}
			for run := 0; run < 4; run++ {
				feed := x
				if run%2 == 1 {
					feed = x1
				}
				var order []string
				res, err := p.RunWith(map[string]*Tensor{"x": feed}, RunOptions{Progress: func(done, total int, nt NodeTiming) {
					if done != len(order)+1 || total != len(p.nodes) || nt.Node != p.nodes[done-1].Name {
						t.Errorf("workers %d: progress %d/%d %s after %v", w, done, total, nt.Node, order)
					}
					order = append(order, nt.Node)
				}})
				if err != nil {
					t.Fatal(err)
				}
				if len(order) != len(p.nodes) || len(res.Timings) != len(p.nodes) {
					t.Fatalf("workers %d: %d progress calls, %d timings, %d nodes", w, len(order), len(res.Timings), len(p.nodes))
				}
				for i, nt := range res.Timings {
					if nt.Node != p.nodes[i].Name || nt.Duration < 0 {
						t.Fatalf("workers %d: timing %d %+v", w, i, nt)
					}
				}
				if w == 1 && run < 2 {
					if keep == nil {
						want[run] = res
					} else if run == 0 {
						want[0].Kept = res.Kept
					}
					continue
				}
				ref := want[run%2]
				equalBits(t, fmt.Sprintf("workers %d run %d y", w, run), res.Outputs["y"], ref.Outputs["y"])
				if keep != nil && run%2 == 0 {
					if len(res.Kept) != len(ref.Kept) {
						t.Fatalf("workers %d: %d kept, want %d", w, len(res.Kept), len(ref.Kept))
					}
					for name, tk := range res.Kept {
						equalBits(t, fmt.Sprintf("workers %d run %d %s", w, run, name), tk, ref.Kept[name])
					}
				}
			}
		}
	}
}

// equalBits reports (t.Errorf: callable from any goroutine) whether got
// holds want's shape and bits.
func equalBits(t *testing.T, what string, got, want *Tensor) bool {
	t.Helper()
	if got == nil || want == nil || !slices.Equal(got.Shape, want.Shape) {
		t.Errorf("%s: %v, want %v", what, got, want)
		return false
	}
	for i := range want.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got.Data[i], want.Data[i])
			return false
		}
	}
	return true
}

// TestScheduleConsume: with groups, every kept value is offered once,
// after its last reader, on the caller's goroutine, with the values of a
// one-worker run; consumed buffers serve later values without changing a
// bit.
func TestScheduleConsume(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	g := twoInceptions(t, r, 1)
	x := map[string]*Tensor{"x": randTensor(r, 1, 8, 14, 14)}
	keep := []string{"s", "i1.t2", "i1.o3", "i1.cat", "i2.t4", "i2.o1"}
	ref, err := Compile(g, Options{Workers: 1, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(g, Options{Workers: 2, Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 3; run++ {
		var offered []string
		var mu sync.Mutex
		res, err := p.RunWith(x, RunOptions{Consume: func(name string, tk *Tensor) bool {
			mu.Lock()
			defer mu.Unlock()
			offered = append(offered, name)
			equalBits(t, "consumed "+name, tk, want.Kept[name])
			return name != "i1.o3"
		}})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(offered)
		sorted := slices.Clone(keep)
		slices.Sort(sorted)
		if !slices.Equal(offered, sorted) {
			t.Fatalf("offered %v, want %v", offered, sorted)
		}
		if len(res.Kept) != 1 || res.Kept["i1.o3"] == nil {
			t.Fatalf("kept %v", res.Kept)
		}
		equalBits(t, "kept i1.o3", res.Kept["i1.o3"], want.Kept["i1.o3"])
		equalBits(t, "y", res.Outputs["y"], want.Outputs["y"])
	}
}

// TestScheduleErrors: a node failing inside a group, and a run cancelled
// at any point (before the run, between nodes, inside a group), end the
// run with an error naming the node; the program runs correctly after.
func TestScheduleErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	g := twoInceptions(t, r, 1)
	x := map[string]*Tensor{"x": randTensor(r, 1, 8, 14, 14)}
	p, err := Compile(g, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	want, err := p.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"i1.b1", "i1.b2.1", "i2.b4.1"} {
		i := slices.IndexFunc(p.nodes, func(n *Node) bool { return n.Name == name })
		saved := p.nodes[i].Params
		p.nodes[i].Params = &PoolParams{} // runConv rejects it
		_, err := p.Run(x)
		p.nodes[i].Params = saved
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", name)) {
			t.Fatalf("failing %s: %v", name, err)
		}
	}
	// A context that is cancelled at its k-th check: before the run, in
	// the node-by-node steps or inside a group's chains.
	for k := int32(1); k <= int32(len(p.nodes))+1; k++ {
		ctx := &countdown{Context: context.Background(), left: k}
		_, err := p.RunWith(x, RunOptions{Context: ctx})
		if k <= int32(len(p.nodes)) && (!errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled before node")) {
			t.Fatalf("cancelled at check %d: %v", k, err)
		}
		if k > int32(len(p.nodes)) && err != nil {
			t.Fatalf("not cancelled: %v", err)
		}
	}
	got, err := p.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	equalBits(t, "y after errors", got.Outputs["y"], want.Outputs["y"])
}

// countdown is a context whose Err is context.Canceled from its left-th
// call on.
type countdown struct {
	context.Context
	left int32
	n    atomic.Int32
}

func (c *countdown) Err() error {
	if c.n.Add(1) >= c.left {
		return context.Canceled
	}
	return nil
}

// TestScheduleConcurrentRuns: several goroutines running one program with
// groups (its buffer pools and the helpers shared) get the same bits.
func TestScheduleConcurrentRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	g := twoInceptions(t, r, 1)
	x := map[string]*Tensor{"x": randTensor(r, 1, 8, 14, 14)}
	ref, err := Compile(g, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(g, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				res, err := p.Run(x)
				if err != nil {
					t.Error(err)
					return
				}
				equalBits(t, "y", res.Outputs["y"], want.Outputs["y"])
			}
		})
	}
	wg.Wait()
}

// TestConcatInPlace: at batch 1 the branches write straight into their
// Concat's output (the plan has them all, but a kept one, and a value a
// Concat reads twice) and the Concat copies nothing; the results are the
// bits of a program that keeps every value (no part in place), at batch 1
// and 2 (where the parts are not contiguous and are copied as before),
// for 1 and 2 workers, run after run.
func TestConcatInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	g := twoInceptions(t, r, 1)
	x2 := randTensor(r, 2, 8, 14, 14)
	x1 := &Tensor{Shape: []int{1, 8, 14, 14}, Data: x2.Data[:8*14*14]}
	all, err := Compile(g, Options{Workers: 1, Keep: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if all.parts != nil {
		t.Fatal("Keep * plans parts in place")
	}
	want := map[int]*Result{}
	for _, x := range []*Tensor{x1, x2} {
		if want[x.Shape[0]], err = all.Run(map[string]*Tensor{"x": x}); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []int{1, 2} {
		p, err := Compile(g, Options{Workers: w, Keep: []string{"i2.o3"}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for name := range p.parts {
			got = append(got, name)
		}
		slices.Sort(got)
		if want := []string{"i1.o1", "i1.o2", "i1.o3", "i1.o4", "i2.o1", "i2.o2", "i2.o4"}; !slices.Equal(got, want) {
			t.Fatalf("parts %v, want %v", got, want)
		}
		for run := 0; run < 4; run++ {
			x := []*Tensor{x1, x2}[run%2]
			res, err := p.Run(map[string]*Tensor{"x": x})
			if err != nil {
				t.Fatal(err)
			}
			ref := want[x.Shape[0]]
			equalBits(t, fmt.Sprintf("workers %d batch %d y", w, x.Shape[0]), res.Outputs["y"], ref.Outputs["y"])
			equalBits(t, fmt.Sprintf("workers %d batch %d i2.o3", w, x.Shape[0]), res.Kept["i2.o3"], ref.Kept["i2.o3"])
		}
	}
	// A Concat that reads a value twice, and one whose part is read by
	// another node too, take copies.
	b := newTestNet(t, r, ValueInfo{Name: "x", Shape: []int{1, 4, 5, 5}})
	b.node("a", OpRelu, nil, "a", "x")
	b.node("c", OpRelu, nil, "c", "x")
	b.node("cat1", OpConcat, &ConcatParams{Axis: 1}, "cat1", "a", "a", "c")
	b.node("d", OpRelu, nil, "d", "x")
	b.node("e", OpRelu, nil, "e", "d")
	b.node("y", OpConcat, &ConcatParams{Axis: -3}, "y", "cat1", "d", "e")
	p, err := Compile(b.g, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for name := range p.parts {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"c", "cat1", "e"}) {
		t.Fatalf("parts %v", got)
	}
	in := map[string]*Tensor{"x": randTensor(r, 1, 4, 5, 5)}
	res, err := p.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	ref := wholeRun(t, b.g, in)
	equalBits(t, "y", res.Outputs["y"], ref.Outputs["y"])
	for i, v := range in["x"].Data {
		v = max(v, 0)
		for _, k := range []int{0, 1, 2, 3, 4} { // a, a, c, d, e
			if got := res.Outputs["y"].Data[k*100+i]; got != v {
				t.Fatalf("y[%d] = %v, want %v", k*100+i, got, v)
			}
		}
	}
}
