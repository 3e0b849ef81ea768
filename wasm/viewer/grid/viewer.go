package grid

import (
	"fmt"
	"image"
	"math"

	"convscope/wasm/viewer/colormap"
)

// Mode is what the viewer shows.
type Mode uint8

const (
	ModeEmpty  Mode = iota // nothing received yet
	ModeGrid               // every map (or filter) of the layer
	ModeDetail             // one map enlarged (over the input image when there is one)
)

// Action is a keyboard command.
type Action uint8

const (
	PanLeft Action = iota + 1
	PanRight
	PanUp
	PanDown
	ZoomIn
	ZoomOut
	ResetView
	Back
	// Enter enlarges the map at the centre of the view (the keyboard's
	// click); Next and Previous step through the channels when enlarged.
	Enter
	Next
	Previous
)

// Keyboard steps: arrows move a tenth of the view, +/- zoom by 1.25.
const (
	panStep  = 0.1
	zoomStep = 1.25
	// DefaultOverlay is the colormap's weight over the input image.
	DefaultOverlay = 0.6
	// Margin keeps the fitted content this many pixels off the edges of
	// the maps area, so the outer maps do not touch the frame.
	Margin = 8
)

// Settings change how maps are painted; a nil field keeps its value.
type Settings struct {
	Colormap *string  // colormap.Names()
	Norm     *string  // "map" | "layer"
	Overlay  *float64 // in [0, 1]
}

// Hover describes the value under the cursor.
type Hover struct {
	Layer         string
	Filters       bool // a filter pixel (RGB set) rather than an activation (Value set)
	Channel, X, Y int
	Value         float64
	RGB           [3]uint8
	// Weights are a filter pixel's R, G, B weights, when the filters came
	// with their ranges (HasWeights).
	Weights    [3]float64
	HasWeights bool
}

// Select is the viewer telling the page which map is enlarged; Channel -1
// means back to the grid.
type Select struct{ Channel int }

// Viewer is the whole state of the feature-map viewer. Its methods take
// screen coordinates (canvas pixels); Content and Camera say what to draw.
type Viewer struct {
	maps    *Maps
	filters *Filters
	idx     []byte  // colormap indices of maps under the current Norm
	vec     *Vector // set when the maps are a vector (IsVector), shown as one block

	cmap    *colormap.Map
	norm    Norm
	overlay float64

	mode    Mode
	area    Rect // where maps are shown and the pointer acts
	view    Rect // area inset by Margin: what the camera fits the content to
	layout  Layout
	gridCam Camera // kept while a map is enlarged, restored on Back
	cam     Camera
	sel     int // enlarged channel in ModeDetail
	detail  Detail

	content *image.RGBA
	version int
}

// New returns an empty viewer with the default settings (viridis, per-map
// normalisation) showing maps in area.
func New(area Rect) *Viewer {
	return &Viewer{cmap: colormap.Viridis(), overlay: DefaultOverlay, area: area, view: area.Inset(Margin), sel: -1}
}

// Mode returns what is shown.
func (v *Viewer) Mode() Mode { return v.mode }

// Content returns the image to draw and a number that changes whenever the
// image does (so the canvas re-uploads it only then); nil before any data.
func (v *Viewer) Content() (*image.RGBA, int) { return v.content, v.version }

// Camera returns the current mapping of content to screen.
func (v *Viewer) Camera() Camera { return v.cam }

// Layout returns the grid layout of the current layer.
func (v *Viewer) Layout() Layout { return v.layout }

// Maps returns the layer shown, or nil (nothing yet, or filters).
func (v *Viewer) Maps() *Maps { return v.maps }

// Filters returns the filters shown, or nil.
func (v *Viewer) Filters() *Filters { return v.filters }

// Selected returns the enlarged channel, or -1 in the grid.
func (v *Viewer) Selected() int {
	if v.mode != ModeDetail {
		return -1
	}
	return v.sel
}

// SetMaps shows a new layer's maps as a grid. On error the viewer keeps what
// it showed.
func (v *Viewer) SetMaps(m *Maps) error {
	if err := m.Validate(); err != nil {
		return err
	}
	var vec *Vector
	n, cw, ch := m.C, m.W, m.H
	if IsVector(m) {
		vec = NewVector(m)
		n, cw, ch = 1, vec.Cols, vec.Rows
	}
	l, err := NewLayout(n, cw, ch, v.view.W, v.view.H)
	if err != nil {
		return err
	}
	v.maps, v.filters, v.vec, v.layout, v.idx = m, nil, vec, l, nil
	if vec == nil {
		v.idx = Indices(m, v.norm)
	}
	v.showGrid(true)
	return nil
}

// SetFilters shows RGB filters as a grid.
func (v *Viewer) SetFilters(f *Filters) error {
	if err := f.Validate(); err != nil {
		return err
	}
	l, err := NewLayout(f.C, f.KW, f.KH, v.view.W, v.view.H)
	if err != nil {
		return err
	}
	v.maps, v.filters, v.vec, v.layout, v.idx = nil, f, nil, l, nil
	v.showGrid(true)
	return nil
}

// Apply changes the settings and repaints. Nothing changes if any field is
// invalid.
func (v *Viewer) Apply(s Settings) error {
	cm, norm, overlay := v.cmap, v.norm, v.overlay
	var err error
	if s.Colormap != nil {
		if cm, err = colormap.ByName(*s.Colormap); err != nil {
			return err
		}
	}
	if s.Norm != nil {
		if norm, err = ParseNorm(*s.Norm); err != nil {
			return err
		}
	}
	if s.Overlay != nil {
		if o := *s.Overlay; math.IsNaN(o) || o < 0 || o > 1 {
			return fmt.Errorf("overlay %v outside [0, 1]", o)
		}
		overlay = *s.Overlay
	}
	if v.maps != nil && v.vec == nil && norm != v.norm {
		v.idx = Indices(v.maps, norm)
	}
	v.cmap, v.norm, v.overlay = cm, norm, overlay
	v.render()
	return nil
}

// SetArea tells the viewer the maps area changed (the canvas resized). The
// grid is laid out again when a different number of columns fits better.
func (v *Viewer) SetArea(area Rect) {
	if area == v.area {
		return
	}
	r := area.Inset(Margin)
	v.area, v.view = area, r
	v.cam.View, v.gridCam.View = r, r
	if v.mode == ModeEmpty {
		return
	}
	n, cw, ch := v.cells()
	if l, err := NewLayout(n, cw, ch, r.W, r.H); err == nil && l != v.layout {
		v.layout = l
		if v.mode == ModeGrid {
			v.showGrid(true)
		} else {
			w, h := l.Size()
			v.gridCam = NewCamera(r, w, h)
		}
	}
}

// cells returns the number and size of the grid's cells.
func (v *Viewer) cells() (n, w, h int) {
	switch {
	case v.filters != nil:
		return v.filters.C, v.filters.KW, v.filters.KH
	case v.vec != nil:
		return 1, v.vec.Cols, v.vec.Rows
	}
	return v.maps.C, v.maps.W, v.maps.H
}

func (v *Viewer) showGrid(resetCamera bool) {
	v.mode, v.sel = ModeGrid, -1
	if resetCamera {
		w, h := v.layout.Size()
		v.gridCam = NewCamera(v.view, w, h)
	}
	v.cam = v.gridCam
	v.render()
}

// render repaints the content for the current mode and settings.
func (v *Viewer) render() {
	switch {
	case v.mode == ModeEmpty:
		return
	case v.mode == ModeGrid && v.filters != nil:
		v.content = RenderFilters(v.filters, v.layout)
	case v.mode == ModeGrid && v.vec != nil:
		v.content = RenderVector(v.vec, v.cmap)
	case v.mode == ModeGrid:
		v.content = RenderGrid(v.maps, v.idx, v.layout, v.cmap)
	case v.filters != nil:
		v.content, v.detail = RenderFilterDetail(v.filters, v.sel)
	default:
		v.content, v.detail = RenderDetail(v.maps, v.idx, v.sel, v.cmap, v.overlay)
	}
	v.version++
}

// Hover returns what is under screen point (sx, sy).
func (v *Viewer) Hover(sx, sy float64) (Hover, bool) {
	if v.mode == ModeEmpty || !v.area.Contains(sx, sy) {
		return Hover{}, false
	}
	cx, cy := v.cam.ToContent(sx, sy)
	var h Hover
	switch v.mode {
	case ModeGrid:
		c, x, y, ok := v.layout.Hit(cx, cy)
		if !ok {
			return Hover{}, false
		}
		if v.vec != nil {
			k, ok := v.vec.At(x, y)
			if !ok {
				return Hover{}, false
			}
			return v.vec.Hover(v.maps.Layer, k), true
		}
		h.Channel, h.X, h.Y = c, x, y
	default:
		x, y, ok := v.detail.Hit(cx, cy)
		if !ok {
			return Hover{}, false
		}
		h.Channel, h.X, h.Y = v.sel, x, y
	}
	if v.filters != nil {
		h.Layer, h.Filters = v.filters.Layer, true
		h.RGB[0], h.RGB[1], h.RGB[2] = v.filters.RGB(h.Channel, h.Y, h.X)
		h.Weights, h.HasWeights = v.filters.Weights(h.Channel, h.Y, h.X)
	} else {
		h.Layer, h.Value = v.maps.Layer, v.maps.Value(h.Channel, h.Y, h.X)
	}
	return h, true
}

// Click handles a click (not a drag) at (sx, sy): in the grid it enlarges
// the map under the cursor, in the enlarged view it returns to the grid. It
// reports the new selection when there is one.
func (v *Viewer) Click(sx, sy float64) (Select, bool) {
	switch v.mode {
	case ModeGrid:
		if !v.area.Contains(sx, sy) {
			return Select{}, false
		}
		cx, cy := v.cam.ToContent(sx, sy)
		c, _, _, ok := v.layout.Hit(cx, cy)
		if !ok {
			return Select{}, false
		}
		return v.Enlarge(c)
	case ModeDetail:
		return v.back()
	}
	return Select{}, false
}

// Enlarge shows channel c alone (not for a vector, which is one block
// already).
func (v *Viewer) Enlarge(c int) (Select, bool) {
	if v.mode == ModeEmpty || v.vec != nil || c < 0 || c >= v.layout.N {
		return Select{}, false
	}
	if v.mode == ModeGrid {
		v.gridCam = v.cam
	}
	v.mode, v.sel = ModeDetail, c
	v.render()
	v.cam = NewCamera(v.view, v.content.Rect.Dx(), v.content.Rect.Dy())
	return Select{Channel: c}, true
}

func (v *Viewer) back() (Select, bool) {
	if v.mode != ModeDetail {
		return Select{}, false
	}
	v.showGrid(false)
	return Select{Channel: -1}, true
}

// Wheel zooms towards (sx, sy); dy is the wheel's vertical offset (positive
// = away from the user = zoom in, as Ebiten reports it).
func (v *Viewer) Wheel(sx, sy, dy float64) {
	if v.mode == ModeEmpty || dy == 0 {
		return
	}
	v.cam.ZoomAt(sx, sy, math.Pow(zoomStep, max(min(dy, 4), -4)))
}

// ZoomAt multiplies the zoom by factor about screen point (sx, sy).
func (v *Viewer) ZoomAt(sx, sy, factor float64) {
	if v.mode != ModeEmpty {
		v.cam.ZoomAt(sx, sy, factor)
	}
}

// Drag pans by (dx, dy) screen pixels.
func (v *Viewer) Drag(dx, dy float64) {
	if v.mode != ModeEmpty {
		v.cam.PanBy(dx, dy)
	}
}

// Do runs a keyboard command; a Back that leaves the enlarged view reports
// the new selection.
func (v *Viewer) Do(a Action) (Select, bool) {
	if v.mode == ModeEmpty {
		return Select{}, false
	}
	cx, cy := v.view.X+v.view.W/2, v.view.Y+v.view.H/2
	switch a {
	case PanLeft:
		v.cam.PanBy(v.view.W*panStep, 0)
	case PanRight:
		v.cam.PanBy(-v.view.W*panStep, 0)
	case PanUp:
		v.cam.PanBy(0, v.view.H*panStep)
	case PanDown:
		v.cam.PanBy(0, -v.view.H*panStep)
	case ZoomIn:
		v.cam.ZoomAt(cx, cy, zoomStep)
	case ZoomOut:
		v.cam.ZoomAt(cx, cy, 1/zoomStep)
	case ResetView:
		v.cam.Reset()
	case Back:
		return v.back()
	case Enter:
		if v.mode == ModeGrid {
			return v.Enlarge(v.nearestCell(cx, cy))
		}
	case Next, Previous:
		if v.mode == ModeDetail {
			step := 1
			if a == Previous {
				step = -1
			}
			v.sel = (v.sel + step + v.layout.N) % v.layout.N
			v.render()
			return Select{Channel: v.sel}, true
		}
	}
	return Select{}, false
}

// nearestCell returns the grid cell closest to screen point (sx, sy).
func (v *Viewer) nearestCell(sx, sy float64) int {
	cx, cy := v.cam.ToContent(sx, sy)
	l := v.layout
	col := min(max(int(math.Floor(cx/float64(l.CellW+l.Gap))), 0), l.Cols-1)
	row := min(max(int(math.Floor(cy/float64(l.CellH+l.Gap))), 0), l.Rows-1)
	return min(row*l.Cols+col, l.N-1)
}

// Colormap returns the colour table in use.
func (v *Viewer) Colormap() *colormap.Map { return v.cmap }

// Range returns the values the colormap's ends stand for right now, for a
// legend: the layer's range under per-layer normalisation (or for a
// vector), else the range of the enlarged map or of the map under the
// cursor (h, may be nil). ok is false when no single range applies: filters
// (RGB), or per-map normalisation with no map singled out.
func (v *Viewer) Range(h *Hover) (lo, hi float64, ok bool) {
	switch {
	case v.mode == ModeEmpty || v.filters != nil:
		return 0, 0, false
	case v.vec != nil:
		return v.vec.Lo, v.vec.Hi, true
	case v.norm == NormLayer:
		lo, hi = LayerRange(v.maps)
		return lo, hi, true
	case v.mode == ModeDetail:
		return float64(v.maps.Min[v.sel]), float64(v.maps.Max[v.sel]), true
	case h != nil && h.Channel >= 0 && h.Channel < v.maps.C:
		return float64(v.maps.Min[h.Channel]), float64(v.maps.Max[h.Channel]), true
	}
	return 0, 0, false
}

// CellOnScreen returns the screen rectangle of grid cell c (to outline the
// hovered map).
func (v *Viewer) CellOnScreen(c int) (Rect, bool) {
	if v.mode != ModeGrid || c < 0 || c >= v.layout.N {
		return Rect{}, false
	}
	r := v.layout.Cell(c)
	x0, y0 := v.cam.ToScreen(float64(r.Min.X), float64(r.Min.Y))
	x1, y1 := v.cam.ToScreen(float64(r.Max.X), float64(r.Max.Y))
	return Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, true
}

// PixelOnScreen returns, in the enlarged view, the screen rectangle of map
// pixel (x, y) in each panel: hovering the overlay then marks the same
// pixel on the map, and the image region that pixel covers.
func (v *Viewer) PixelOnScreen(x, y int) []Rect {
	d := v.detail
	if v.mode != ModeDetail || x < 0 || y < 0 || x >= d.MapW || y >= d.MapH {
		return nil
	}
	rects := make([]Rect, 0, len(d.Panels))
	for _, p := range d.Panels {
		sx := float64(p.Dx()) / float64(d.MapW)
		sy := float64(p.Dy()) / float64(d.MapH)
		x0, y0 := v.cam.ToScreen(float64(p.Min.X)+float64(x)*sx, float64(p.Min.Y)+float64(y)*sy)
		x1, y1 := v.cam.ToScreen(float64(p.Min.X)+float64(x+1)*sx, float64(p.Min.Y)+float64(y+1)*sy)
		rects = append(rects, Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0})
	}
	return rects
}

// Status is the one-line caption above the maps: what is shown and, when
// the cursor is on a map, the value under it.
func (v *Viewer) Status(h *Hover) string {
	var s string
	switch {
	case v.mode == ModeEmpty:
		return "waiting for feature maps"
	case v.filters != nil:
		s = fmt.Sprintf("%s: %d filters %dx%d (RGB)", v.filters.Layer, v.filters.C, v.filters.KH, v.filters.KW)
	case v.vec != nil:
		s = fmt.Sprintf("%s: %d values from %.4g to %.4g, %s, one range", v.maps.Layer, v.vec.N, v.vec.Lo, v.vec.Hi, v.cmap.Name())
	default:
		s = fmt.Sprintf("%s: %d maps %dx%d, %s, per %s", v.maps.Layer, v.maps.C, v.maps.H, v.maps.W, v.cmap.Name(), v.norm)
	}
	if v.mode == ModeDetail && h == nil {
		// The help gives way to the value when the pointer is on the map.
		s += fmt.Sprintf(" | channel %d ([ ]: previous/next, click or Esc: back)", v.sel)
	}
	if h != nil {
		if h.Filters {
			if h.HasWeights {
				s += fmt.Sprintf(" | ch %d (%d,%d) weights R %.3g G %.3g B %.3g", h.Channel, h.X, h.Y, h.Weights[0], h.Weights[1], h.Weights[2])
			} else {
				s += fmt.Sprintf(" | ch %d (%d,%d) rgb %d %d %d", h.Channel, h.X, h.Y, h.RGB[0], h.RGB[1], h.RGB[2])
			}
		} else {
			s += fmt.Sprintf(" | ch %d (%d,%d) = %.4g", h.Channel, h.X, h.Y, h.Value)
		}
	}
	return s
}
