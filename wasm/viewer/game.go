//go:build js && wasm

package main

import (
	"fmt"
	"image/color"

	"convscope/wasm/viewer/colormap"
	"convscope/wasm/viewer/grid"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/ebitenutil"
	"github.com/hajimehoshi/ebiten/v2/vector"
)

// headerHeight is the strip at the top of the canvas that holds the status
// line (Ebiten's debug font is 16 pixels tall).
const headerHeight = 20

var (
	headerColour  = color.RGBA{0x11, 0x12, 0x16, 0xff}
	outlineColour = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// game adapts the viewer to Ebiten: Update feeds it messages and input, Draw
// shows its content through its camera.
type game struct {
	v   *grid.Viewer
	in  *inbox
	inp input

	w, h    int // canvas size in CSS pixels (Layout)
	hover   grid.Hover
	hovered bool

	img          *ebiten.Image // the viewer's content, uploaded
	legend       *ebiten.Image // the colormap as a 256x1 strip
	legendMap    *colormap.Map // the colormap legend shows
	imgVersion   int
	drawnVersion int    // content version last announced with "drawn"
	shown        *frame // what the last drawn frame showed; nil = redraw
	exports      []int  // export requests to answer after the next frame (export.go)
}

// frame is everything a drawn frame depends on: when none of it changes,
// the previous frame stays on screen.
type frame struct {
	w, h    int
	version int
	cam     grid.Camera
	hover   grid.Hover
	hovered bool
}

func (g *game) Layout(outsideW, outsideH int) (int, int) {
	g.w, g.h = max(outsideW, 1), max(outsideH, 1)
	return g.w, g.h
}

func (g *game) Update() error {
	g.v.SetArea(grid.Rect{X: 0, Y: headerHeight, W: float64(g.w), H: float64(max(g.h-headerHeight, 1))})
	for _, cmd := range g.in.take() {
		g.apply(cmd)
	}
	g.inp.update(g)
	h, ok := g.v.Hover(g.inp.cursor())
	if ok != g.hovered || h != g.hover {
		g.hover, g.hovered = h, ok
		postHover(h, ok)
	}
	return nil
}

func (g *game) apply(cmd command) {
	var err error
	switch {
	case cmd.maps != nil:
		err = g.v.SetMaps(cmd.maps)
	case cmd.filters != nil:
		err = g.v.SetFilters(cmd.filters)
	case cmd.settings != nil:
		err = g.v.Apply(*cmd.settings)
	case cmd.selected != nil:
		var sel grid.Select
		var ok bool
		if *cmd.selected < 0 {
			sel, ok = g.v.Do(grid.Back)
		} else {
			sel, ok = g.v.Enlarge(*cmd.selected)
		}
		if ok {
			postSelect(sel)
		}
	case cmd.export != nil:
		g.exports = append(g.exports, *cmd.export)
		g.shown = nil // draw a whole frame, then read it
	}
	if err != nil {
		post(map[string]any{"type": "error", "message": err.Error()})
	}
}

func (g *game) Draw(screen *ebiten.Image) {
	// The loop runs only when asked (frames.go). Ask for the next frame
	// while commands wait (one came after this frame's Update, or the frame
	// ran no Update: Ebiten runs none when frames come faster than 60 a
	// second) or while held arrow keys repeat and gestures move tick by
	// tick; otherwise let the loop rest until a message or input comes.
	if g.in.pending() || g.inp.held() {
		scheduleFrame()
	} else {
		restFrames()
	}
	content, version := g.v.Content()
	now := &frame{w: g.w, h: g.h, version: version, cam: g.v.Camera(), hover: g.hover, hovered: g.hovered}
	if g.shown != nil && *g.shown == *now {
		return // the screen is not cleared: the last frame is still there
	}
	g.shown = now
	screen.Fill(grid.Background)
	if content != nil {
		if g.img == nil || g.imgVersion != version {
			if g.img != nil {
				g.img.Deallocate()
			}
			g.img = ebiten.NewImage(content.Rect.Dx(), content.Rect.Dy())
			g.img.WritePixels(content.Pix)
			g.imgVersion = version
		}
		cam := g.v.Camera()
		s := cam.Scale()
		ox, oy := cam.Offset()
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Scale(s, s)
		op.GeoM.Translate(ox, oy)
		// Enlarged maps keep their pixels square and sharp; shrunk ones are
		// filtered so that thin patterns do not alias away.
		op.Filter = ebiten.FilterNearest
		if s < 1 {
			op.Filter = ebiten.FilterLinear
		}
		screen.DrawImage(g.img, op)
		if g.hovered {
			if r, ok := g.v.CellOnScreen(g.hover.Channel); ok {
				vector.StrokeRect(screen, float32(r.X)-1, float32(r.Y)-1, float32(r.W)+2, float32(r.H)+2, 1, outlineColour, false)
			}
			// In the enlarged view, the hovered map pixel in both panels
			// (when it is large enough on screen to frame).
			for _, r := range g.v.PixelOnScreen(g.hover.X, g.hover.Y) {
				if r.W >= 4 && r.H >= 4 {
					vector.StrokeRect(screen, float32(r.X), float32(r.Y), float32(r.W), float32(r.H), 1, outlineColour, false)
				}
			}
		}
	}
	vector.DrawFilledRect(screen, 0, 0, float32(g.w), headerHeight, headerColour, false)
	var h *grid.Hover
	if g.hovered {
		h = &g.hover
	}
	end := g.drawLegend(screen, h)
	ebitenutil.DebugPrintAt(screen, clip(g.v.Status(h), (end-2*legendMargin)/legendCharW), legendMargin, 2)
	if content != nil && g.drawnVersion != version {
		g.drawnVersion = version
		postDrawn(g.v)
	}
	if len(g.exports) > 0 {
		postPNG(screen, g.exports)
		g.exports = nil
	}
}

// Legend geometry: the colormap bar and the range it spans, right-aligned
// in the status strip (Ebiten's debug font is 6 pixels per character).
const (
	legendBarW   = 96
	legendCharW  = 6
	legendMinW   = 560 // narrower canvases show the status text alone
	legendMargin = 6
)

// clip shortens s to n characters, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 3 {
		return ""
	}
	return s[:n-3] + "..."
}

// drawLegend draws "lo [colormap] hi" at the right of the status strip when
// one range applies (see grid.Viewer.Range), and returns where it starts
// (the canvas width when there is none).
func (g *game) drawLegend(screen *ebiten.Image, h *grid.Hover) int {
	lo, hi, ok := g.v.Range(h)
	if !ok || g.w < legendMinW {
		return g.w
	}
	cm := g.v.Colormap()
	if g.legend == nil || g.legendMap != cm {
		if g.legend == nil {
			g.legend = ebiten.NewImage(256, 1)
		}
		pix := make([]byte, 256*4)
		for i := range 256 {
			c := cm.At(uint8(i))
			pix[i*4], pix[i*4+1], pix[i*4+2], pix[i*4+3] = c.R, c.G, c.B, 255
		}
		g.legend.WritePixels(pix)
		g.legendMap = cm
	}
	loText, hiText := fmt.Sprintf("%.3g", lo), fmt.Sprintf("%.3g", hi)
	x := g.w - legendMargin - legendCharW*len(hiText)
	ebitenutil.DebugPrintAt(screen, hiText, x, 2)
	x -= legendMargin + legendBarW
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(legendBarW/256.0, 10)
	op.GeoM.Translate(float64(x), 5)
	op.Filter = ebiten.FilterLinear
	// A thin light frame keeps the bar's dark end visible on the header.
	vector.StrokeRect(screen, float32(x)-1, 4, legendBarW+2, 12, 1, outlineColour, false)
	screen.DrawImage(g.legend, op)
	x -= legendMargin + legendCharW*len(loText)
	ebitenutil.DebugPrintAt(screen, loText, x, 2)
	return x
}

func postHover(h grid.Hover, ok bool) {
	if !ok {
		post(map[string]any{"type": "hover", "channel": -1})
		return
	}
	msg := map[string]any{"type": "hover", "layer": h.Layer, "channel": h.Channel, "x": h.X, "y": h.Y}
	if h.Filters {
		msg["filters"] = true
		msg["rgb"] = []any{int(h.RGB[0]), int(h.RGB[1]), int(h.RGB[2])}
		if h.HasWeights {
			msg["weights"] = []any{h.Weights[0], h.Weights[1], h.Weights[2]}
		}
	} else {
		msg["value"] = h.Value
	}
	post(msg)
}

func postSelect(s grid.Select) {
	post(map[string]any{"type": "select", "channel": s.Channel})
}

func postDrawn(v *grid.Viewer) {
	mode, kind, layer := "grid", "maps", ""
	if v.Mode() == grid.ModeDetail {
		mode = "detail"
	}
	if f := v.Filters(); f != nil {
		kind, layer = "filters", f.Layer
	} else if m := v.Maps(); m != nil {
		layer = m.Layer
	}
	post(map[string]any{"type": "drawn", "layer": layer, "kind": kind, "mode": mode})
}
