package grid

import (
	"math"
	"testing"
)

func TestGestures(t *testing.T) {
	v := New(Rect{Y: 20, W: 800, H: 580})
	if err := v.SetMaps(testMaps(16, 8, 8)); err != nil {
		t.Fatal(err)
	}
	cam := v.Camera()
	r := v.Layout().Cell(6)
	x, y := cam.ToScreen(float64(r.Min.X)+4, float64(r.Min.Y)+4)
	var g Gestures
	step := func(ps ...Pointer) (Select, bool) { return g.Update(v, ps) }

	// Press, jitter within the threshold, release: a click on map 6.
	step(Pointer{ID: -1, X: x, Y: y})
	step(Pointer{ID: -1, X: x + 2, Y: y - 1})
	if sel, ok := step(); !ok || sel.Channel != 6 || v.Mode() != ModeDetail {
		t.Fatalf("tap = %+v %v, mode %v; want map 6 enlarged", sel, ok, v.Mode())
	}
	// A tap anywhere returns to the grid.
	step(Pointer{ID: 3, X: 5, Y: 30})
	if sel, ok := step(); !ok || sel.Channel != -1 || v.Mode() != ModeGrid {
		t.Fatalf("second tap = %+v %v", sel, ok)
	}

	// A drag pans by the pointer's movement and is not a click.
	before := v.Camera()
	step(Pointer{ID: -1, X: x, Y: y})
	step(Pointer{ID: -1, X: x + 10, Y: y})
	step(Pointer{ID: -1, X: x + 30, Y: y + 5})
	if _, ok := step(); ok || v.Mode() != ModeGrid {
		t.Fatal("a drag clicked")
	}
	if c := v.Camera(); c.PanX-before.PanX != 30 || c.PanY-before.PanY != 5 {
		t.Errorf("drag panned by %v,%v, want 30,5", c.PanX-before.PanX, c.PanY-before.PanY)
	}

	// Two fingers spreading from 100 to 200 pixels apart double the zoom
	// about their midpoint, and the content point there stays put.
	v.Do(ResetView)
	c := v.Camera()
	cx, cy := c.ToContent(400, 300)
	step(Pointer{ID: 1, X: 350, Y: 300}, Pointer{ID: 2, X: 450, Y: 300})
	step(Pointer{ID: 1, X: 300, Y: 300}, Pointer{ID: 2, X: 500, Y: 300})
	if z := v.Camera().Zoom; math.Abs(z-2) > 1e-9 {
		t.Errorf("pinch zoom %v, want 2", z)
	}
	c = v.Camera()
	if ax, ay := c.ToContent(400, 300); math.Abs(ax-cx) > 1e-9 || math.Abs(ay-cy) > 1e-9 {
		t.Errorf("pinch moved the midpoint's content from %v,%v to %v,%v", cx, cy, ax, ay)
	}
	// Lifting one finger, then the other, is not a tap.
	step(Pointer{ID: 2, X: 500, Y: 300})
	if _, ok := step(); ok {
		t.Error("the end of a pinch clicked")
	}
}
