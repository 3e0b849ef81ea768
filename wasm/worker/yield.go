//go:build js

package main

import (
	"syscall/js"
	"time"
)

// yieldEvery is how long a run computes before it lets the event loop run:
// short enough that a Cancel or the next request is read within a fraction
// of a second even during a VGG16 conv stack, long enough that yielding
// (a few tens of microseconds each) costs nothing measurable.
const yieldEvery = 8 * time.Millisecond

// yielder gives the JavaScript event loop a turn. Go's wasm port runs
// goroutines until all are blocked and only then returns to JavaScript; a
// goroutine blocked on a channel that a MessageChannel message fills makes
// that happen at once. (time.Sleep would too, but it goes through
// setTimeout, which browsers clamp to 4 ms when nested.)
type yielder struct {
	port js.Value
	ch   chan struct{}
	fn   js.Func
	last time.Time
}

func newYielder() *yielder {
	mc := js.Global().Get("MessageChannel").New()
	y := &yielder{port: mc.Get("port2"), ch: make(chan struct{}, 1)}
	y.fn = js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case y.ch <- struct{}{}:
		default:
		}
		return nil
	})
	mc.Get("port1").Set("onmessage", y.fn)
	return y
}

// now gives the event loop a turn.
func (y *yielder) now() {
	y.port.Call("postMessage", 0)
	<-y.ch
	y.last = time.Now()
}

// warmUpYieldEvery is yieldEvery for the warm-up after a load (see
// worker.warmUp).
const warmUpYieldEvery = time.Millisecond

// maybe yields when yieldEvery has passed since the last turn.
func (y *yielder) maybe() { y.every(yieldEvery) }

// every yields when d has passed since the last turn.
func (y *yielder) every(d time.Duration) {
	if y.due(d) {
		y.now()
	}
}

// due reports whether d has passed since the last turn: a caller with
// something to say before the turn (a run's progress) says it, then
// calls now.
func (y *yielder) due(d time.Duration) bool { return time.Since(y.last) >= d }

// reset starts the clock at the beginning of a run.
func (y *yielder) reset() { y.last = time.Now() }
