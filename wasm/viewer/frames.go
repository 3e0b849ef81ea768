//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"
)

// The viewer's game loop runs only when something changed. Its iframe is
// same-origin, so its animation frames run on the app page's main thread:
// Update and Draw on every frame took 0.4-2 ms of it per frame (session
// 17's traces), also while a pick waits for that thread.
//
// Ebiten's js port (v2.8.8, internal/ui/ui_js.go) in FPSModeVsyncOffMinimum
// (main.go) skips Update and Draw in its animation-frame callback unless
// ScheduleFrame was called, and runs one Update and Draw at once on each
// input event (mouse, wheel, keys, touch) and on resize. It still asks for
// every animation frame, and each one resumes the Go program (0.38-0.43 ms
// a frame in a trace under load): static/viewer.js parks that request while
// Draw says the viewer is idle (restFrames), and scheduleFrame passes it on.

// frameHook is window.convscopeViewer (static/viewer.js), set by listen.
var frameHook js.Value

// scheduleFrame asks for one more Update and Draw.
func scheduleFrame() {
	ebiten.ScheduleFrame()
	if frameHook.Type() == js.TypeObject && frameHook.Get("wake").Type() == js.TypeFunction {
		frameHook.Call("wake")
	}
}

// restFrames lets the loop skip animation frames until scheduleFrame. Without
// viewer.js's wake (an older viewer.js), the loop keeps asking for frames.
func restFrames() {
	if frameHook.Type() == js.TypeObject && frameHook.Get("wake").Type() == js.TypeFunction {
		frameHook.Set("idle", true)
	}
}
