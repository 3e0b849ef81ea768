//go:build js && wasm

package main

import (
	"math"

	"convscope/wasm/viewer/grid"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

const (
	// wheelNotch is the deltaY of one wheel notch in Chromium and Firefox
	// with pixel deltas; Ebiten passes the browser's value through.
	wheelNotch = 100
	// Held arrow keys repeat after repeatDelay ticks, every repeatEvery.
	repeatDelay = 15
	repeatEvery = 3
	// mouseID names the mouse among the pointers (touch IDs are >= 0).
	mouseID = -1
)

// input samples Ebiten's mouse, touch, wheel and keyboard state once per
// tick and hands it to the viewer: pointer gestures (drag, click or tap,
// pinch) go through grid.Gestures, the wheel zooms at the cursor, keys pan
// and zoom.
type input struct {
	gestures       grid.Gestures
	x, y           float64 // where the value under the pointer is read
	mouseX, mouseY int
	pointers       []grid.Pointer
	touches        []ebiten.TouchID
	chars          []rune
}

func (in *input) cursor() (float64, float64) { return in.x, in.y }

// repeatKeys are the keys that act again while held (update).
var repeatKeys = []ebiten.Key{ebiten.KeyArrowLeft, ebiten.KeyArrowRight, ebiten.KeyArrowUp, ebiten.KeyArrowDown}

// held reports whether the last update saw a pointer down (a drag, a
// pinch) or a repeating key held: the game loop must keep ticking.
func (in *input) held() bool {
	if len(in.pointers) > 0 {
		return true
	}
	for _, k := range repeatKeys {
		if ebiten.IsKeyPressed(k) {
			return true
		}
	}
	return false
}

func (in *input) update(g *game) {
	v := g.v
	mx, my := ebiten.CursorPosition()
	if mx != in.mouseX || my != in.mouseY {
		in.mouseX, in.mouseY = mx, my
		in.x, in.y = float64(mx), float64(my)
	}

	in.pointers = in.pointers[:0]
	if ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
		in.pointers = append(in.pointers, grid.Pointer{ID: mouseID, X: float64(mx), Y: float64(my)})
	}
	in.touches = ebiten.AppendTouchIDs(in.touches[:0])
	for i, id := range in.touches {
		tx, ty := ebiten.TouchPosition(id)
		in.pointers = append(in.pointers, grid.Pointer{ID: int(id), X: float64(tx), Y: float64(ty)})
		if i == 0 {
			in.x, in.y = float64(tx), float64(ty) // a finger reads the value under it
		}
	}
	if sel, ok := in.gestures.Update(v, in.pointers); ok {
		postSelect(sel)
	}

	if _, dy := ebiten.Wheel(); dy != 0 {
		// At least half a notch per event, so browsers that report lines
		// (small deltas) still zoom.
		notches := dy / wheelNotch
		if math.Abs(notches) < 0.5 {
			notches = math.Copysign(0.5, dy)
		}
		v.Wheel(float64(mx), float64(my), notches)
	}

	for key, a := range map[ebiten.Key]grid.Action{
		ebiten.KeyArrowLeft: grid.PanLeft, ebiten.KeyArrowRight: grid.PanRight,
		ebiten.KeyArrowUp: grid.PanUp, ebiten.KeyArrowDown: grid.PanDown,
	} {
		if d := inpututil.KeyPressDuration(key); d == 1 || d > repeatDelay && d%repeatEvery == 0 {
			v.Do(a)
		}
	}
	for key, a := range map[ebiten.Key]grid.Action{
		ebiten.KeyEscape: grid.Back, ebiten.KeyEnter: grid.Enter, ebiten.KeyNumpadEnter: grid.Enter,
		ebiten.KeyPageDown: grid.Next, ebiten.KeyPageUp: grid.Previous,
	} {
		if inpututil.IsKeyJustPressed(key) {
			if sel, ok := v.Do(a); ok {
				postSelect(sel)
			}
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
		case ']', '[':
			a := grid.Next
			if r == '[' {
				a = grid.Previous
			}
			if sel, ok := v.Do(a); ok {
				postSelect(sel)
			}
		}
	}
}
