package grid

import (
	"math"
	"testing"
)

func TestCamera(t *testing.T) {
	view := Rect{X: 10, Y: 20, W: 400, H: 300}
	c := NewCamera(view, 200, 100)
	if s := c.Scale(); s != 2 {
		t.Fatalf("fit scale %v, want 2 (400/200 < 300/100)", s)
	}
	// Centred: 200x100 at scale 2 = 400x200, 50 px above and below.
	if ox, oy := c.Offset(); ox != 10 || oy != 70 {
		t.Errorf("offset %v,%v, want 10,70", ox, oy)
	}
	// Round trip.
	sx, sy := c.ToScreen(37, 41)
	if cx, cy := c.ToContent(sx, sy); math.Abs(cx-37) > 1e-9 || math.Abs(cy-41) > 1e-9 {
		t.Errorf("round trip gave %v,%v", cx, cy)
	}
	// Zooming keeps the content point under the cursor.
	px, py := 150.0, 130.0
	before, beforeY := c.ToContent(px, py)
	c.ZoomAt(px, py, 3)
	after, afterY := c.ToContent(px, py)
	if math.Abs(before-after) > 1e-9 || math.Abs(beforeY-afterY) > 1e-9 {
		t.Errorf("zoom moved the point under the cursor from %v,%v to %v,%v", before, beforeY, after, afterY)
	}
	if c.Zoom != 3 {
		t.Errorf("zoom %v, want 3", c.Zoom)
	}
	c.ZoomAt(px, py, 1e9)
	if c.Zoom != MaxZoom {
		t.Errorf("zoom %v, want clamped to %v", c.Zoom, MaxZoom)
	}
	c.ZoomAt(px, py, 1e-9)
	if c.Zoom != MinZoom {
		t.Errorf("zoom %v, want clamped to %v", c.Zoom, MinZoom)
	}
	c.ZoomAt(px, py, math.NaN())
	if c.Zoom != MinZoom {
		t.Errorf("a NaN factor changed the zoom to %v", c.Zoom)
	}
	// Panning far away keeps part of the content in view.
	c.Reset()
	c.PanBy(1e6, -1e6)
	x0, y0 := c.ToScreen(0, 0)
	x1, y1 := c.ToScreen(c.ContentW, c.ContentH)
	if x0 > view.X+view.W-keepVisible+1e-9 || y1 < view.Y+keepVisible-1e-9 {
		t.Errorf("content at (%v,%v)-(%v,%v) left the view %v", x0, y0, x1, y1, view)
	}
	c.Reset()
	c.PanBy(12, -7)
	if c.PanX != 12 || c.PanY != -7 {
		t.Errorf("small pan clamped: %v,%v", c.PanX, c.PanY)
	}
}

func TestRectInset(t *testing.T) {
	if got := (Rect{X: 10, Y: 20, W: 100, H: 50}).Inset(8); got != (Rect{X: 18, Y: 28, W: 84, H: 34}) {
		t.Errorf("Inset(8) = %+v", got)
	}
	// Too small to inset: a 1x1 rectangle at the centre.
	if got := (Rect{W: 10, H: 4}).Inset(8); got != (Rect{X: 4.5, Y: 1.5, W: 1, H: 1}) {
		t.Errorf("Inset of a small rect = %+v", got)
	}
}
