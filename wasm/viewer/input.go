//go:build js && wasm

package main

import (
	"math"

	"convscope/wasm/viewer/grid"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

const (
	// dragThreshold is how far (CSS pixels) the pointer may move between
	// press and release for the gesture to still count as a click.
	dragThreshold = 4
	// wheelNotch is the deltaY of one wheel notch in Chromium and Firefox
	// with pixel deltas; Ebiten passes the browser's value through.
	wheelNotch = 100
	// Held arrow keys repeat after repeatDelay ticks, every repeatEvery.
	repeatDelay = 15
	repeatEvery = 3
)

// input turns Ebiten's polled mouse, wheel and keyboard state into viewer
// gestures: drag = pan, wheel = zoom at the cursor, click = enlarge or back.
type input struct {
	x, y           int // cursor now
	pressed        bool
	dragging       bool
	startX, startY int
	lastX, lastY   int
	chars          []rune
}

func (in *input) cursor() (float64, float64) { return float64(in.x), float64(in.y) }

func (in *input) update(g *game) {
	in.x, in.y = ebiten.CursorPosition()
	v := g.v

	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		in.pressed, in.dragging = true, false
		in.startX, in.startY, in.lastX, in.lastY = in.x, in.y, in.x, in.y
	}
	if in.pressed {
		if !in.dragging && math.Hypot(float64(in.x-in.startX), float64(in.y-in.startY)) > dragThreshold {
			in.dragging = true
		}
		if in.dragging {
			v.Drag(float64(in.x-in.lastX), float64(in.y-in.lastY))
		}
		in.lastX, in.lastY = in.x, in.y
	}
	if inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft) && in.pressed {
		in.pressed = false
		if !in.dragging {
			if sel, ok := v.Click(float64(in.x), float64(in.y)); ok {
				postSelect(sel)
			}
		}
	}

	if _, dy := ebiten.Wheel(); dy != 0 {
		// At least half a notch per event, so browsers that report lines
		// (small deltas) still zoom.
		notches := dy / wheelNotch
		if math.Abs(notches) < 0.5 {
			notches = math.Copysign(0.5, dy)
		}
		v.Wheel(float64(in.x), float64(in.y), notches)
	}

	for key, a := range map[ebiten.Key]grid.Action{
		ebiten.KeyArrowLeft: grid.PanLeft, ebiten.KeyArrowRight: grid.PanRight,
		ebiten.KeyArrowUp: grid.PanUp, ebiten.KeyArrowDown: grid.PanDown,
	} {
		if d := inpututil.KeyPressDuration(key); d == 1 || d > repeatDelay && d%repeatEvery == 0 {
			v.Do(a)
		}
	}
	if inpututil.IsKeyJustPressed(ebiten.KeyEscape) {
		if sel, ok := v.Do(grid.Back); ok {
			postSelect(sel)
		}
	}
	// + - and 0 are read as characters, so they work on every keyboard
	// layout and on the numeric keypad.
	in.chars = ebiten.AppendInputChars(in.chars[:0])
	for _, r := range in.chars {
		switch r {
		case '+', '=':
			v.Do(grid.ZoomIn)
		case '-':
			v.Do(grid.ZoomOut)
		case '0':
			v.Do(grid.ResetView)
		}
	}
}
