package conv

import (
	"runtime"
	"testing"
)

// TestScratch: a call takes the smallest free buffer that holds what it
// needs (a big im2col buffer is not replaced because a small one came
// first), from any thread, and buffers no call holds are left to the
// garbage collector.
func TestScratch(t *testing.T) {
	var s scratch
	big, small := s.get(1000), s.get(10)
	if len(*big) != 1000 || len(*small) != 10 {
		t.Fatalf("lengths %d and %d, want 1000 and 10", len(*big), len(*small))
	}
	s.put(small)
	s.put(big)
	if b := s.get(500); b != big || len(*b) != 500 {
		t.Fatalf("a call for 500 values did not take the free buffer of 1000")
	}
	s.put(big)
	if b := s.get(8); b != small {
		t.Fatalf("a call for 8 values took the buffer of %d, not the smallest that fits (10)", cap(*b))
	}
	s.put(small)
	// The goroutine sends whether it took big, not the buffer: one woken
	// from a send of the buffer but not yet run again still holds it in
	// the send's stack slot, which the collection below would mark.
	done := make(chan bool)
	go func() {
		runtime.LockOSThread() // a thread, and likely a P, of its own
		defer runtime.UnlockOSThread()
		b := s.get(900)
		s.put(b)
		done <- b == big
	}()
	if !<-done {
		t.Fatal("a call on another thread allocated instead of taking the free buffer of 1000")
	}
	big, small = nil, nil
	runtime.GC()
	if b := s.get(1); cap(*b) != 1 {
		t.Fatalf("after a collection a buffer of %d no call held was still kept", cap(*b))
	}
}
