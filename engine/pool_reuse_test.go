package engine

import (
	"math/rand/v2"
	"runtime"
	"runtime/debug"
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

// TestArenaAcrossThreads: a run reuses the buffers an earlier run released
// even on another thread (a sync.Pool kept them per P, so a run rescheduled
// on the other P allocated all of them again), two runs at once each get a
// pool, and a pool no run holds is left to the garbage collector.
func TestArenaAcrossThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(53, 54))
	g := &Graph{
		Inputs:  []ValueInfo{{Name: "x", Shape: []int{1, 3, 16, 16}}},
		Outputs: []string{"y"},
		Consts:  map[string]*Tensor{"w1": randTensor(r, 8, 3, 3, 3), "w2": randTensor(r, 4, 8, 3, 3)},
		Nodes: []*Node{
			{Name: "c1", Op: OpConv, Inputs: []string{"x", "w1"}, Outputs: []string{"a"}, Params: &ConvParams{}},
			{Name: "c2", Op: OpConv, Inputs: []string{"a", "w2"}, Outputs: []string{"y"}, Params: &ConvParams{}},
		},
	}
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*Tensor{"x": randTensor(r, 1, 3, 16, 16)}
	// The arena holds released pools by weak pointers: a collection
	// between the run and the takes below (one the run's allocations or
	// another test's set off) would leave nothing to find, so none runs
	// until the one this test asks for at its end.
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	if _, err := p.Run(in); err != nil {
		t.Fatal(err)
	}
	// The goroutines send the count, not the pool: a goroutine woken from
	// a send of the pool but not yet run again still holds it in the
	// send's stack slot, which the collection below then marks (under
	// load: "the idle program still holds 1 buffers").
	done := make(chan int)
	for range 8 {
		go func() {
			runtime.LockOSThread() // a thread, and so likely a P, of its own
			defer runtime.UnlockOSThread()
			b := p.arena.get()
			p.arena.put(b)
			done <- len(b.free)
		}()
		if n := <-done; n != 1 {
			t.Fatalf("another thread's run found %d released buffers, want 1 (a's)", n)
		}
	}
	b1, b2 := p.arena.get(), p.arena.get()
	if b1 == b2 || len(b1.free)+len(b2.free) != 1 {
		t.Fatalf("two runs at once share a pool or lost its buffer: %p %p, %d and %d buffers", b1, b2, len(b1.free), len(b2.free))
	}
	p.arena.put(b1)
	p.arena.put(b2)
	b1, b2 = nil, nil
	runtime.GC()
	if b := p.arena.get(); len(b.free) != 0 {
		t.Fatalf("after a collection the idle program still holds %d buffers", len(b.free))
	}
}

// TestShardArenaHeld: a shard of the split engine (a Web Worker whose
// WebAssembly memory never shrinks) keeps its last run's buffers across a
// collection, so that a collection right after a run does not make the
// next run allocate its activations again (VGG16 on two workers: 277 ->
// 289 MB), while the unsharded program still lets them go.
func TestShardArenaHeld(t *testing.T) {
	r := rand.New(rand.NewPCG(55, 56))
	g := shardGraph(t, r)
	in := map[string]*Tensor{"x": randTensor(r, 1, 3, 24, 24)}
	l := NewLocalGather(2)
	progs := make([]*Program, 2)
	for i := range progs {
		p, err := Compile(g, Options{Shard: l.Shard(i)})
		if err != nil {
			t.Fatal(err)
		}
		progs[i] = p
	}
	if _, err := RunShards(l, progs, in); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	for i, p := range progs {
		if b := p.arena.get(); len(b.free) == 0 {
			t.Errorf("shard %d: after a collection its released buffers are gone", i)
		}
	}
	whole, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := whole.Run(in); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if b := whole.arena.get(); len(b.free) != 0 {
		t.Errorf("after a collection the idle unsharded program still holds %d buffers", len(b.free))
	}
}
