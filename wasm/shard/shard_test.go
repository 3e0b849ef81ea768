//go:build js && wasm

package shard

import (
	"errors"
	"slices"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"convscope/engine"
)

// The shards of a real split are Web Workers (see TestSplitWorkersE2E and
// TestBenchBrowserShards); here, in one thread (Node), shard 0 plays
// against a peer simulated through the shared buffers directly: its part
// written into the exchange buffer and its arrival counted before shard 0
// gathers.

// TestGather: shard 0 of 2 gathers the peer's part, which the peer wrote
// packed after shard 0's (see Gather), for one block (a conv split by
// channels), a few small blocks (a conv split by rows: several blocks per
// copy through the scratch) and blocks larger than the scratch, over three
// rounds (the buffers alternate and grow).
func TestGather(t *testing.T) {
	for _, c := range []struct{ outer, inner, dim, lo int }{
		{1, 6, 8, 3}, {2, 2, 4, 2}, {37, 5, 9, 4}, {3, scratchValues / 2, 4, 1},
	} {
		ctl, bufs := NewControl(2), NewBuffers()
		x, err := New(ctl, bufs, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		ctl32 := js.Global().Get("Int32Array").New(ctl)
		n := c.outer * c.dim * c.inner
		block := c.dim * c.inner
		want := make([]float32, n)
		for i := range want {
			want[i] = float32(i + 1)
		}
		// The peer's part [lo, dim) of each block, packed after shard 0's.
		var peer []float32
		for o := range c.outer {
			peer = append(peer, want[o*block+c.lo*c.inner:(o+1)*block]...)
		}
		for round := range 3 {
			buf := bufs.Index(x.seq % 2)
			if buf.Get("byteLength").Int() < 4*n {
				buf.Call("grow", 4*n)
			}
			at := 4 * c.outer * c.inner * c.lo
			js.CopyBytesToJS(js.Global().Get("Uint8Array").New(buf, at, 4*len(peer)), FloatBytes(peer))
			js.Global().Get("Atomics").Call("add", ctl32, ctlDone, 1)         // the peer's part is in
			js.Global().Get("Atomics").Call("store", ctl32, ctlRead+1, round) // and it read the gathers before
			got := make([]float32, n)
			for o := range c.outer { // shard 0's own part
				copy(got[o*block:o*block+c.lo*c.inner], want[o*block:])
			}
			g := engine.Gathered{Node: "conv", Y: got, Outer: c.outer, Inner: c.inner, Lo: 0, Hi: c.lo, Bounds: []int{0, c.lo, c.dim}}
			if err := x.Gather([]engine.Gathered{g}); err != nil {
				t.Fatalf("%+v round %d: %v", c, round, err)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%+v round %d: value %d gathered %v, want %v", c, round, i, got[i], want[i])
				}
			}
		}
		if x.Gathers != 3 {
			t.Errorf("%d gathers counted", x.Gathers)
		}
		g := engine.Gathered{Node: "conv", Y: make([]float32, n), Outer: c.outer, Inner: c.inner, Lo: 0, Hi: c.lo, Bounds: []int{0, c.lo + 1, c.dim}}
		if err := x.Gather([]engine.Gathered{g}); err == nil || !strings.Contains(err.Error(), "bounds") {
			t.Errorf("%+v: bounds that disagree with Lo, Hi: %v", c, err)
		}
	}
}

// TestGatherShared: a node shared out by chunks (engine.Shard.Share): shard
// 0 takes chunks from the claimed count, as the peer does, and gathers the
// chunks the peer took (each packed at its place) whichever they are: some,
// all (shard 0 took none: it only copies out) or none.
func TestGatherShared(t *testing.T) {
	const outer, inner = 3, 5
	bounds := []int{0, 2, 4, 7, 8}
	n, block := outer*8*inner, 8*inner
	want := make([]float32, n)
	for i := range want {
		want[i] = float32(i + 1)
	}
	ctl, bufs := NewControl(2), NewBuffers()
	x, err := New(ctl, bufs, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctl32 := js.Global().Get("Int32Array").New(ctl)
	atomics := js.Global().Get("Atomics")
	for round, peerOwn := range [][]int{{1, 3}, {0, 1, 2, 3}, {}} {
		// The peer takes its chunks of this node first, shard 0 the rest.
		base := atomics.Call("load", ctl32, ctlClaimed).Int()
		atomics.Call("add", ctl32, ctlClaimed, len(peerOwn))
		var own []int
		for c := x.Share(4); c >= 0; c = x.Share(4) {
			own = append(own, c)
		}
		var rest []int
		for c := range 4 {
			if !slices.Contains(peerOwn, c) {
				rest = append(rest, c)
			}
		}
		if len(own) != len(rest) {
			t.Fatalf("round %d: shard 0 took %d chunks after the peer took %v, want %d", round, len(own), peerOwn, len(rest))
		}
		if got := atomics.Call("load", ctl32, ctlClaimed).Int(); got != base+4 {
			t.Fatalf("round %d: claimed count %d, want %d", round, got, base+4)
		}
		buf := bufs.Index(x.seq % 2)
		if buf.Get("byteLength").Int() < 4*n {
			buf.Call("grow", 4*n)
		}
		got := make([]float32, n)
		for _, c := range peerOwn {
			var packed []float32
			for o := range outer {
				packed = append(packed, want[o*block+bounds[c]*inner:o*block+bounds[c+1]*inner]...)
			}
			js.CopyBytesToJS(js.Global().Get("Uint8Array").New(buf, 4*outer*inner*bounds[c], 4*len(packed)), FloatBytes(packed))
		}
		for _, c := range rest { // shard 0 computes the rest
			for o := range outer {
				lo, hi := o*block+bounds[c]*inner, o*block+bounds[c+1]*inner
				copy(got[lo:hi], want[lo:hi])
			}
		}
		atomics.Call("add", ctl32, ctlDone, len(peerOwn))
		atomics.Call("store", ctl32, ctlRead+1, round)
		g := engine.Gathered{Node: "rows", Y: got, Outer: outer, Inner: inner, Bounds: bounds, Own: rest}
		if rest == nil {
			g.Own = []int{}
		}
		if err := x.Gather([]engine.Gathered{g}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (peer took %v): gathered %v, want %v", round, peerOwn, got, want)
		}
	}
	bad := engine.Gathered{Node: "rows", Y: make([]float32, n), Outer: outer, Inner: inner, Bounds: bounds, Own: []int{4}}
	if err := x.Gather([]engine.Gathered{bad}); err == nil || !strings.Contains(err.Error(), "chunks") {
		t.Errorf("a chunk out of the bounds: %v", err)
	}
}

// TestGatherMany: several split outputs in one call (one barrier), each in
// its own place of the buffer after the ones before it: a channel split's
// single block and a row split's blocks, with shard 0's part first in the
// one and empty in the other.
func TestGatherMany(t *testing.T) {
	ctl, bufs := NewControl(2), NewBuffers()
	x, err := New(ctl, bufs, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	type tensor struct{ outer, inner, dim, lo int }
	cs := []tensor{{1, 6, 8, 3}, {5, 3, 4, 0}}
	var parts []engine.Gathered
	var wants [][]float32
	var peer []float32 // the buffer as the peer leaves it: its parts, packed in their places
	for k, c := range cs {
		n, block := c.outer*c.dim*c.inner, c.dim*c.inner
		want := make([]float32, n)
		for i := range want {
			want[i] = float32(100*k + i + 1)
		}
		place := make([]float32, n)
		at := c.outer * c.inner * c.lo
		for o := range c.outer {
			at += copy(place[at:], want[o*block+c.lo*c.inner:(o+1)*block])
		}
		peer = append(peer, place...)
		got := make([]float32, n)
		for o := range c.outer {
			copy(got[o*block:o*block+c.lo*c.inner], want[o*block:])
		}
		parts = append(parts, engine.Gathered{Node: "n", Y: got, Outer: c.outer, Inner: c.inner, Lo: 0, Hi: c.lo, Bounds: []int{0, c.lo, c.dim}})
		wants = append(wants, want)
	}
	buf := bufs.Index(0)
	buf.Call("grow", 4*len(peer))
	js.CopyBytesToJS(js.Global().Get("Uint8Array").New(buf, 0, 4*len(peer)), FloatBytes(peer))
	js.Global().Get("Atomics").Call("add", js.Global().Get("Int32Array").New(ctl), ctlDone, 2) // the peer's parts are in, one a tensor
	if err := x.Gather(parts); err != nil {
		t.Fatal(err)
	}
	for k, g := range parts {
		if !slices.Equal(g.Y, wants[k]) {
			t.Errorf("tensor %d gathered %v, want %v", k, g.Y, wants[k])
		}
	}
	if x.Gathers != 1 {
		t.Errorf("%d gathers counted, want 1", x.Gathers)
	}
}

func TestGatherFailsAndClears(t *testing.T) {
	ctl, bufs := NewControl(2), NewBuffers()
	x, err := New(ctl, bufs, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	g := func() error {
		return x.Gather([]engine.Gathered{{Node: "fc", Y: make([]float32, 32), Outer: 1, Inner: 1, Lo: 0, Hi: 16, Bounds: []int{0, 16, 32}}})
	}
	// Nobody else comes: the timeout ends the wait.
	x.Timeout = 50 * time.Millisecond
	if err := g(); err == nil || !strings.Contains(err.Error(), "no word from the other shards") {
		t.Errorf("lonely gather: %v", err)
	}
	// The failed flag releases every later gather at once, and a shard
	// waiting in another worker is woken: here a waitAsync on the done
	// count, as a gather's Atomics.wait.
	x.Timeout = time.Minute
	ctl32 := js.Global().Get("Int32Array").New(ctl)
	woken := waitAsync(ctl32, 20000)
	x.Fail()
	if f := ctl32.Index(ctlFailed).Int(); f != 1 {
		t.Fatalf("failed flag %d after Fail, want 1", f)
	}
	if r := <-woken; r != "ok" {
		t.Errorf("a shard waiting in a gather: %s after Fail, want ok (woken)", r)
	}
	start := time.Now()
	if err := g(); !errors.Is(err, ErrAborted) || time.Since(start) > 10*time.Second {
		t.Errorf("gather after Fail: %v after %v", err, time.Since(start))
	}
	// Clear, then Fail from Go: released again.
	x.Clear()
	x.Fail()
	if err := g(); !errors.Is(err, ErrAborted) {
		t.Errorf("gather after Clear and Fail: %v", err)
	}
	// Clear and Reset: a new run gathers from the start again.
	x.Clear()
	x.Reset()
	js.Global().Get("Atomics").Call("add", ctl32, ctlDone, 1)
	if err := g(); err != nil {
		t.Errorf("gather after Clear: %v", err)
	}
	// A peer that fails once its parts are in and it has read the
	// gathers before (a helper that dies after its run) fails no gather
	// those complete, only later ones: the counts are read before the
	// flag, here also in the wait for the peer to read gather 0.
	js.Global().Get("Atomics").Call("add", ctl32, ctlDone, 1)
	if err := g(); err != nil {
		t.Errorf("gather 1 after Clear: %v", err)
	}
	js.Global().Get("Atomics").Call("add", ctl32, ctlDone, 1)
	js.Global().Get("Atomics").Call("store", ctl32, ctlRead+1, 2)
	x.Fail()
	if err := g(); err != nil {
		t.Errorf("gather whose parts were all in before the peer failed: %v", err)
	}
	if err := g(); !errors.Is(err, ErrAborted) {
		t.Errorf("gather after the peer failed: %v", err)
	}
	// A shard that dies calls FailFunc's JavaScript function (a dead
	// helper's worker.js does): it fails the exchange and wakes the
	// waiters as Fail does, and for good: Clear leaves it failed, since
	// the coordinator may Clear before the death's message reaches it.
	x.Clear()
	x.Reset()
	woken = waitAsync(ctl32, 20000)
	js.Global().Get("Reflect").Call("apply", x.FailFunc(), js.Undefined(), js.Global().Get("Array").New())
	if r := <-woken; r != "ok" {
		t.Errorf("a shard waiting in a gather: %s after FailFunc's function, want ok (woken)", r)
	}
	x.Clear()
	x.Reset()
	if f := ctl32.Index(ctlFailed).Int(); f != 1 {
		t.Errorf("failed flag %d after a shard died and Clear, want 1", f)
	}
	if err := g(); !errors.Is(err, ErrAborted) {
		t.Errorf("gather after a shard died and Clear: %v", err)
	}
	if _, err := New(ctl, bufs, 2, 2); err == nil {
		t.Error("shard 2 of 2 accepted")
	}
}

// waitAsync waits on ctl32's arrivals, without blocking this thread, for at
// most ms milliseconds; the channel gets "ok" once notified or
// "timed-out".
func waitAsync(ctl32 js.Value, ms int) <-chan string {
	atomics := js.Global().Get("Atomics")
	ch := make(chan string, 1)
	r := atomics.Call("waitAsync", ctl32, 0, atomics.Call("load", ctl32, 0), ms)
	if !r.Get("async").Bool() {
		ch <- r.Get("value").String()
		return ch
	}
	var then js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- args[0].String()
		then.Release()
		return nil
	})
	r.Get("value").Call("then", then)
	return ch
}
