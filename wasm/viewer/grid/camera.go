package grid

import "math"

// Rect is an area of the screen, in canvas pixels.
type Rect struct{ X, Y, W, H float64 }

// Contains reports whether the screen point is inside r.
func (r Rect) Contains(x, y float64) bool {
	return x >= r.X && y >= r.Y && x < r.X+r.W && y < r.Y+r.H
}

// Inset returns r shrunk by d on every side (never below 1x1).
func (r Rect) Inset(d float64) Rect {
	w, h := max(r.W-2*d, 1), max(r.H-2*d, 1)
	return Rect{X: r.X + (r.W-w)/2, Y: r.Y + (r.H-h)/2, W: w, H: h}
}

// Zoom limits, relative to the scale that fits the content in the view.
const (
	MinZoom = 0.5
	MaxZoom = 64
	// keepVisible is how many screen pixels of the content panning must
	// leave inside the view, so the content can never be lost off-screen.
	keepVisible = 32
)

// Camera maps content pixels to the screen: content point (cx, cy) is drawn
// at (ox + cx*s, oy + cy*s). At Zoom 1 and no pan the content is centred and
// as large as fits the view.
type Camera struct {
	View               Rect
	ContentW, ContentH float64
	Zoom               float64
	PanX, PanY         float64 // screen pixels from the centred position
}

// NewCamera returns a camera showing the whole content in view.
func NewCamera(view Rect, contentW, contentH int) Camera {
	return Camera{View: view, ContentW: float64(contentW), ContentH: float64(contentH), Zoom: 1}
}

// Fit is the scale at which the content just fits the view.
func (c *Camera) Fit() float64 {
	if c.ContentW <= 0 || c.ContentH <= 0 || c.View.W <= 0 || c.View.H <= 0 {
		return 1
	}
	return min(c.View.W/c.ContentW, c.View.H/c.ContentH)
}

// Scale is screen pixels per content pixel.
func (c *Camera) Scale() float64 { return c.Fit() * c.Zoom }

// Offset is where content point (0, 0) is on the screen.
func (c *Camera) Offset() (ox, oy float64) {
	s := c.Scale()
	return c.View.X + (c.View.W-c.ContentW*s)/2 + c.PanX, c.View.Y + (c.View.H-c.ContentH*s)/2 + c.PanY
}

// ToContent maps a screen point to content coordinates.
func (c *Camera) ToContent(sx, sy float64) (cx, cy float64) {
	ox, oy := c.Offset()
	s := c.Scale()
	return (sx - ox) / s, (sy - oy) / s
}

// ToScreen maps a content point to the screen.
func (c *Camera) ToScreen(cx, cy float64) (sx, sy float64) {
	ox, oy := c.Offset()
	s := c.Scale()
	return ox + cx*s, oy + cy*s
}

// ZoomAt multiplies the zoom by factor (clamped to MinZoom..MaxZoom) and
// keeps the content point under the screen point (sx, sy) where it is, the
// way maps zoom towards the cursor.
func (c *Camera) ZoomAt(sx, sy, factor float64) {
	if factor <= 0 || math.IsNaN(factor) || math.IsInf(factor, 0) {
		return
	}
	cx, cy := c.ToContent(sx, sy)
	c.Zoom = min(max(c.Zoom*factor, MinZoom), MaxZoom)
	// Solve Offset() = (sx - cx*s, sy - cy*s) for the pan.
	s := c.Scale()
	c.PanX = sx - cx*s - c.View.X - (c.View.W-c.ContentW*s)/2
	c.PanY = sy - cy*s - c.View.Y - (c.View.H-c.ContentH*s)/2
	c.clamp()
}

// PanBy moves the content by (dx, dy) screen pixels.
func (c *Camera) PanBy(dx, dy float64) {
	c.PanX += dx
	c.PanY += dy
	c.clamp()
}

// Reset shows the whole content again.
func (c *Camera) Reset() { c.Zoom, c.PanX, c.PanY = 1, 0, 0 }

// clamp keeps at least keepVisible pixels (or all of the content, if it is
// smaller) inside the view on each axis.
func (c *Camera) clamp() {
	s := c.Scale()
	c.PanX = clampPan(c.PanX, c.View.W, c.ContentW*s)
	c.PanY = clampPan(c.PanY, c.View.H, c.ContentH*s)
}

// clampPan bounds the pan of one axis: view is the view's length, size the
// content's on screen. The content spans [centre + pan, ... + size] with
// centre = (view - size)/2; it must overlap the view by keep pixels.
func clampPan(pan, view, size float64) float64 {
	keep := min(keepVisible, size, view)
	centre := (view - size) / 2
	lo := keep - size - centre // content's right edge at keep
	hi := view - keep - centre // content's left edge at view - keep
	return min(max(pan, lo), hi)
}
