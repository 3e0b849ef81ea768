package reuse

import (
	"runtime"
	"testing"
)

// TestTake: the lowest rank serves, the most recent among equals, from any
// thread; nothing is returned that does not serve, and objects no caller
// holds are left to the garbage collector.
func TestTake(t *testing.T) {
	var l List[[]float32]
	fits := func(n int) func(*[]float32) int {
		return func(b *[]float32) int {
			if cap(*b) < n {
				return -1
			}
			return cap(*b) - n
		}
	}
	big, small := new(make([]float32, 1000)), new(make([]float32, 10))
	l.Put(small)
	l.Put(big)
	if b := l.Take(fits(2000)); b != nil {
		t.Fatalf("took a buffer of %d for 2000 values", cap(*b))
	}
	if b := l.Take(fits(8)); b != small {
		t.Fatal("a call for 8 values did not take the smallest buffer that fits (10)")
	}
	l.Put(small)
	first := func(*[]float32) int { return 0 }
	if b := l.Take(first); b != small {
		t.Fatal("among equal ranks the most recently released did not win")
	}
	// The goroutine sends whether it took big, not the buffer: one woken
	// from a send of the buffer but not yet run again still holds it in
	// the send's stack slot, which the collection below would mark.
	done := make(chan bool)
	go func() {
		runtime.LockOSThread() // a thread, and likely a P, of its own
		defer runtime.UnlockOSThread()
		done <- l.Take(fits(900)) == big
	}()
	if !<-done {
		t.Fatal("a call on another thread did not find the free buffer of 1000")
	}
	l.Put(big)
	big, small = nil, nil
	runtime.GC()
	if b := l.Take(first); b != nil {
		t.Fatalf("after a collection a buffer of %d no call held was still kept", cap(*b))
	}
}
