package grid

import (
	"math"
	"slices"
)

// DragThreshold is how far (screen pixels) a pointer may move between press
// and release for the gesture to still count as a click or tap.
const DragThreshold = 4

// Pointer is one pressed pointer (the mouse button or a finger) as sampled
// at one tick.
type Pointer struct {
	ID   int
	X, Y float64
}

// Gestures turns the pressed pointers, sampled once per tick, into viewer
// operations: one pointer that moves pans (drag), one that does not is a
// click or tap, two pinch to zoom about their midpoint and pan with it.
type Gestures struct {
	prev   []Pointer
	startX float64
	startY float64
	moved  bool // the pointer went beyond DragThreshold: not a click
	multi  bool // two pointers were down in this gesture: not a click
	lastX  float64
	lastY  float64
}

func find(ps []Pointer, id int) (Pointer, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	return Pointer{}, false
}

// Update takes the pointers pressed now and drives v. It reports the
// selection a click caused.
func (g *Gestures) Update(v *Viewer, now []Pointer) (Select, bool) {
	now = slices.Clone(now)
	slices.SortFunc(now, func(a, b Pointer) int { return a.ID - b.ID })
	defer func() { g.prev = now }()

	switch {
	case len(now) == 0:
		if len(g.prev) == 1 && !g.moved && !g.multi {
			return v.Click(g.lastX, g.lastY)
		}
		return Select{}, false
	case len(g.prev) == 0:
		// A new gesture.
		p := now[0]
		g.startX, g.startY, g.lastX, g.lastY = p.X, p.Y, p.X, p.Y
		g.moved, g.multi = false, len(now) > 1
		return Select{}, false
	case len(now) == 1:
		p := now[0]
		old, ok := find(g.prev, p.ID)
		g.lastX, g.lastY = p.X, p.Y
		if !ok {
			return Select{}, false
		}
		if !g.moved && math.Hypot(p.X-g.startX, p.Y-g.startY) > DragThreshold {
			g.moved = true
		}
		if g.moved || g.multi {
			v.Drag(p.X-old.X, p.Y-old.Y)
		}
		return Select{}, false
	}
	// Two or more pointers: pinch with the first two.
	g.multi = true
	a, b := now[0], now[1]
	pa, okA := find(g.prev, a.ID)
	pb, okB := find(g.prev, b.ID)
	if !okA || !okB {
		return Select{}, false
	}
	d, pd := math.Hypot(a.X-b.X, a.Y-b.Y), math.Hypot(pa.X-pb.X, pa.Y-pb.Y)
	mx, my := (a.X+b.X)/2, (a.Y+b.Y)/2
	v.Drag(mx-(pa.X+pb.X)/2, my-(pa.Y+pb.Y)/2)
	if d > 0 && pd > 0 {
		v.ZoomAt(mx, my, d/pd)
	}
	return Select{}, false
}
