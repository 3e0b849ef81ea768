//go:build js && wasm

// Command viewer is ConvScope's feature-map viewer: an Ebiten canvas that
// runs in its own page (static/viewer.html) inside an iframe of the app, and
// talks to the page with postMessage (see messages.go for the protocol).
// Everything but input and drawing lives in package grid, which is tested
// natively.
package main

import (
	"log"

	"convscope/wasm/viewer/grid"

	"github.com/hajimehoshi/ebiten/v2"
)

func main() {
	in := &inbox{}
	if err := listen(in); err != nil {
		log.Fatalf("convscope viewer: %v", err)
	}
	g := &game{v: grid.New(grid.Rect{W: 800, H: 600}), in: in, drawnVersion: -1}
	ebiten.SetWindowTitle("ConvScope feature maps")
	// Nothing moves unless a message or the user changes something: keep the
	// last frame on screen instead of redrawing it 60 times a second.
	ebiten.SetScreenClearedEveryFrame(false)
	// And run Update and Draw only then (frames.go). SetFPSMode is
	// deprecated for SetScreenClearedEveryFrame(false), which alone still
	// runs Update and Draw every frame.
	ebiten.SetFPSMode(ebiten.FPSModeVsyncOffMinimum)
	post(map[string]any{"type": "ready"})
	if err := ebiten.RunGame(g); err != nil {
		log.Fatalf("convscope viewer: %v", err)
	}
}
