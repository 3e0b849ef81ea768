//go:build js && wasm

package shard

import (
	"errors"
	"strings"
	"syscall/js"
	"testing"
	"time"
	"unsafe"

	"convscope/engine"
)

// The shards of a real split are Web Workers (see TestSplitWorkersE2E and
// TestBenchBrowserShards); here, in one thread (Node), shard 0 plays
// against a peer simulated through the shared buffers directly: its part
// written into the exchange buffer and its arrival counted before shard 0
// gathers.

func floatsOf(b []byte) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}

func TestGather(t *testing.T) {
	ctl, bufs := NewControl(), NewBuffers()
	x, err := New(ctl, bufs, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctl32 := js.Global().Get("Int32Array").New(ctl)
	// Two blocks (Outer) of 4 channels x 2 values (Inner): shard 0 has
	// channels [0, 2), the peer [2, 4).
	y := []float32{1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0}
	peer := []float32{0, 0, 0, 0, 9, 10, 11, 12, 0, 0, 0, 0, 13, 14, 15, 16}
	for round := range 3 { // the buffers alternate and grow once
		buf := bufs.Index(x.seq % 2)
		if buf.Get("byteLength").Int() < 64 {
			buf.Call("grow", 64)
		}
		b := make([]byte, 64)
		copy(floatsOf(b), peer)
		js.CopyBytesToJS(js.Global().Get("Uint8Array").New(buf, 0, 64), b)
		js.Global().Get("Atomics").Call("add", ctl32, 0, 1) // the peer arrived
		got := append([]float32(nil), y...)
		if err := x.Gather(engine.Gathered{Node: "conv", Y: got, Outer: 2, Inner: 2, Lo: 0, Hi: 2}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		want := []float32{1, 2, 3, 4, 9, 10, 11, 12, 5, 6, 7, 8, 13, 14, 15, 16}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("round %d: gathered %v, want %v", round, got, want)
			}
		}
	}
	if x.Gathers != 3 {
		t.Errorf("%d gathers counted", x.Gathers)
	}
}

func TestGatherFailsAndClears(t *testing.T) {
	ctl, bufs := NewControl(), NewBuffers()
	x, err := New(ctl, bufs, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	g := func() error {
		return x.Gather(engine.Gathered{Node: "fc", Y: make([]float32, 32), Outer: 1, Inner: 1, Lo: 0, Hi: 16})
	}
	// Nobody else comes: the timeout ends the wait.
	x.Timeout = 50 * time.Millisecond
	if err := g(); err == nil || !strings.Contains(err.Error(), "no word from the other shards") {
		t.Errorf("lonely gather: %v", err)
	}
	// The failed flag releases every later gather at once.
	x.Timeout = time.Minute
	x.Fail()
	start := time.Now()
	if err := g(); !errors.Is(err, ErrAborted) || time.Since(start) > 10*time.Second {
		t.Errorf("gather after Fail: %v after %v", err, time.Since(start))
	}
	// Clear and Reset: a new run gathers from the start again.
	x.Clear()
	x.Reset()
	js.Global().Get("Atomics").Call("add", js.Global().Get("Int32Array").New(ctl), 0, 1)
	if err := g(); err != nil {
		t.Errorf("gather after Clear: %v", err)
	}
	if _, err := New(ctl, bufs, 2, 2); err == nil {
		t.Error("shard 2 of 2 accepted")
	}
}
