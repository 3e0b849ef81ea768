package grid

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"convscope/wasm/viewer/colormap"
)

// testMaps returns C maps of H x W where map c holds the ramp
// q = (c*7 + y*W + x) % 256, and map c's range is [-c, 2c+1].
func testMaps(c, h, w int) *Maps {
	m := &Maps{Layer: "conv", C: c, H: h, W: w, Min: make([]float32, c), Max: make([]float32, c), Data: make([]byte, c*h*w)}
	for k := range c {
		m.Min[k], m.Max[k] = float32(-k), float32(2*k+1)
		for i := range h * w {
			m.Data[k*h*w+i] = byte((k*7 + i) % 256)
		}
	}
	return m
}

func TestMapsValidate(t *testing.T) {
	good := testMaps(3, 4, 5)
	if err := good.Validate(); err != nil {
		t.Fatalf("valid maps: %v", err)
	}
	bad := map[string]func(m *Maps){
		"zero channels":   func(m *Maps) { m.C = 0 },
		"negative height": func(m *Maps) { m.H = -4 },
		"huge width":      func(m *Maps) { m.W = MaxMapSide + 1 },
		"too many values": func(m *Maps) { m.C, m.H, m.W = MaxChannels, MaxMapSide, MaxMapSide },
		"short data":      func(m *Maps) { m.Data = m.Data[:len(m.Data)-1] },
		"missing max":     func(m *Maps) { m.Max = m.Max[:2] },
		"NaN min":         func(m *Maps) { m.Min[1] = float32(math.NaN()) },
		"infinite max":    func(m *Maps) { m.Max[0] = float32(math.Inf(1)) },
		"min above max":   func(m *Maps) { m.Min[2], m.Max[2] = 3, 2 },
		"image size":      func(m *Maps) { m.Image = &Image{W: 2, H: 2, Pix: make([]byte, 15)} },
		"image too large": func(m *Maps) { m.Image = &Image{W: MaxImageSide + 1, H: 1} },
	}
	for name, mutate := range bad {
		m := testMaps(3, 4, 5)
		mutate(m)
		if err := m.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
	var nilMaps *Maps
	if nilMaps.Validate() == nil {
		t.Error("nil maps accepted")
	}
}

func TestValueDequantises(t *testing.T) {
	m := testMaps(3, 4, 5)
	// Map 2: range [-2, 5]; byte at (1, 3) is (14 + 8) = 22.
	if q := m.Q(2, 1, 3); q != 22 {
		t.Fatalf("Q = %d, want 22", q)
	}
	want := -2 + 22.0/255*7
	if got := m.Value(2, 1, 3); math.Abs(got-want) > 1e-9 {
		t.Errorf("Value = %v, want %v", got, want)
	}
	m.Data[0], m.Data[19] = 0, 255
	if m.Value(0, 0, 0) != 0 || m.Value(0, 3, 4) != 1 {
		t.Errorf("map 0 ends: %v %v, want 0 and 1", m.Value(0, 0, 0), m.Value(0, 3, 4))
	}
}

func TestFilters(t *testing.T) {
	f := &Filters{C: 2, KH: 2, KW: 3, Data: make([]byte, 2*3*2*3)}
	for i := range f.Data {
		f.Data[i] = byte(i)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	// Filter 1 starts at 18; planes are 6 apart; (y=1, x=2) is offset 5.
	if r, g, b := f.RGB(1, 1, 2); r != 23 || g != 29 || b != 35 {
		t.Errorf("RGB(1,1,2) = %d %d %d, want 23 29 35", r, g, b)
	}
	if _, ok := f.Weights(1, 1, 2); ok {
		t.Error("weights without ranges")
	}
	f.Min, f.Max = []float32{0, -1}, []float32{1, 1}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	// Filter 1's range is [-1, 1]: byte q is -1 + 2q/255.
	if w, ok := f.Weights(1, 1, 2); !ok || math.Abs(w[0]-(-1+2*23.0/255)) > 1e-12 || math.Abs(w[2]-(-1+2*35.0/255)) > 1e-12 {
		t.Errorf("Weights(1,1,2) = %v %v", w, ok)
	}
	f.Max = f.Max[:1]
	if f.Validate() == nil {
		t.Error("one max for two filters accepted")
	}
	f.Max = []float32{1, -2}
	if f.Validate() == nil {
		t.Error("min above max accepted")
	}
	f.Min, f.Max = nil, nil
	f.Data = f.Data[1:]
	if f.Validate() == nil {
		t.Error("short filter data accepted")
	}
	if (&Filters{C: 1, KH: MaxKernelSide + 1, KW: 1}).Validate() == nil {
		t.Error("huge kernel accepted")
	}
}

// The worker's patches (RGBA, patch after patch) become the same filters
// as the planar layout.
func TestFiltersFromRGBA(t *testing.T) {
	const c, h, w = 2, 2, 3
	rgba := make([]byte, c*h*w*4)
	for i := range rgba {
		rgba[i] = byte(i)
	}
	f, err := FiltersFromRGBA("conv1", c, h, w, rgba)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	for k := range c {
		for y := range h {
			for x := range w {
				p := rgba[((k*h+y)*w+x)*4:]
				if r, g, b := f.RGB(k, y, x); r != p[0] || g != p[1] || b != p[2] {
					t.Fatalf("patch %d (%d,%d): %d %d %d, want %v", k, x, y, r, g, b, p[:3])
				}
			}
		}
	}
	if _, err := FiltersFromRGBA("x", c, h, w, rgba[1:]); err == nil {
		t.Error("short rgba accepted")
	}
	if _, err := FiltersFromRGBA("x", 0, h, w, nil); err == nil {
		t.Error("zero patches accepted")
	}
}

func TestNormalisation(t *testing.T) {
	m := &Maps{C: 2, H: 1, W: 3, Min: []float32{0, -1}, Max: []float32{1, 3}, Data: []byte{0, 51, 255, 0, 128, 255}}
	if got := Indices(m, NormMap); &got[0] != &m.Data[0] {
		t.Error("per-map indices should be the quantised bytes themselves")
	}
	lo, hi := LayerRange(m)
	if lo != -1 || hi != 3 {
		t.Fatalf("LayerRange = %v, %v; want -1, 3", lo, hi)
	}
	got := Indices(m, NormLayer)
	// Values: map 0 -> 0, 0.2, 1; map 1 -> -1, 1.0078, 3. In [-1, 3]:
	// (v+1)/4*255 rounded (63.75, 76.5, 127.5, 0, 128.0, 255).
	want := []byte{64, 77, 128, 0, 128, 255}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("layer index %d = %d, want %d (all: %v)", i, got[i], want[i], got)
			break
		}
	}
	flat := &Maps{C: 2, H: 1, W: 2, Min: []float32{5, 5}, Max: []float32{5, 5}, Data: []byte{0, 0, 0, 0}}
	for _, q := range Indices(flat, NormLayer) {
		if q != 0 {
			t.Errorf("a constant layer must map to index 0, got %d", q)
		}
	}
	for s, want := range map[string]Norm{"map": NormMap, "layer": NormLayer} {
		if n, err := ParseNorm(s); err != nil || n != want || n.String() != s {
			t.Errorf("ParseNorm(%q) = %v, %v", s, n, err)
		}
	}
	if _, err := ParseNorm("global"); err == nil {
		t.Error(`ParseNorm("global") succeeded`)
	}
}

func TestLayoutChoosesBestFit(t *testing.T) {
	for _, tc := range []struct {
		n, cw, ch  int
		vw, vh     float64
		cols, rows int
	}{
		{64, 16, 16, 800, 800, 8, 8},   // square maps, square view
		{64, 16, 16, 1600, 400, 16, 4}, // wide view: wide grid
		{1, 32, 32, 800, 600, 1, 1},
		{3, 10, 10, 100, 1000, 1, 3}, // tall view: one column
		{10, 8, 8, 500, 200, 5, 2},
	} {
		l, err := NewLayout(tc.n, tc.cw, tc.ch, tc.vw, tc.vh)
		if err != nil {
			t.Fatal(err)
		}
		if l.Cols != tc.cols || l.Rows != tc.rows {
			t.Errorf("%d maps of %dx%d in %vx%v: %dx%d grid, want %dx%d", tc.n, tc.cw, tc.ch, tc.vw, tc.vh, l.Cols, l.Rows, tc.cols, tc.rows)
		}
		// Brute force: no other column count shows the cells larger.
		w, h := l.Size()
		best := min(tc.vw/float64(w), tc.vh/float64(h))
		for cols := 1; cols <= tc.n; cols++ {
			o := Layout{N: tc.n, Cols: cols, Rows: (tc.n + cols - 1) / cols, CellW: tc.cw, CellH: tc.ch, Gap: l.Gap}
			ow, oh := o.Size()
			if s := min(tc.vw/float64(ow), tc.vh/float64(oh)); s > best+1e-12 {
				t.Errorf("%d cols fit at scale %v, better than the chosen %v", cols, s, best)
			}
		}
	}
	if _, err := NewLayout(0, 1, 1, 10, 10); err == nil {
		t.Error("a layout of no cells succeeded")
	}
	if _, err := NewLayout(4, 2048, 2048, 100, 100); err == nil {
		t.Error("four 2048x2048 maps cannot fit a 4096 texture with gaps; want an error")
	}
}

func TestLayoutCellsAndHit(t *testing.T) {
	l, err := NewLayout(23, 7, 5, 640, 480)
	if err != nil {
		t.Fatal(err)
	}
	w, h := l.Size()
	bounds := image.Rect(0, 0, w, h)
	for i := range l.N {
		r := l.Cell(i)
		if !r.In(bounds) {
			t.Fatalf("cell %d %v outside the content %v", i, r, bounds)
		}
		for j := range i {
			if r.Overlaps(l.Cell(j)) {
				t.Fatalf("cells %d and %d overlap", i, j)
			}
		}
		// Every pixel of the cell hits it, at the right position.
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				c, px, py, ok := l.Hit(float64(x)+0.5, float64(y)+0.5)
				if !ok || c != i || px != x-r.Min.X || py != y-r.Min.Y {
					t.Fatalf("Hit(%d,%d) = %d (%d,%d) %v, want cell %d (%d,%d)", x, y, c, px, py, ok, i, x-r.Min.X, y-r.Min.Y)
				}
			}
		}
	}
	// Gaps, outside, and the empty cells after the last one hit nothing.
	misses := [][2]float64{{-1, 0}, {0, -0.5}, {float64(l.CellW) + 0.5, 1}, {1, float64(l.CellH) + 0.5}, {float64(w) + 3, 1}, {1, float64(h) + 3}, {math.NaN(), 1}}
	if last := l.Cell(l.N - 1); l.N%l.Cols != 0 {
		misses = append(misses, [2]float64{float64(last.Max.X+l.Gap) + 1, float64(last.Min.Y) + 1})
	}
	for _, p := range misses {
		if c, _, _, ok := l.Hit(p[0], p[1]); ok {
			t.Errorf("Hit(%v, %v) = cell %d, want a miss", p[0], p[1], c)
		}
	}
}

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

func TestRenderGrid(t *testing.T) {
	m := testMaps(5, 3, 4)
	l, err := NewLayout(m.C, m.W, m.H, 300, 300)
	if err != nil {
		t.Fatal(err)
	}
	cm := colormap.Magma()
	img := RenderGrid(m, Indices(m, NormMap), l, cm)
	w, h := l.Size()
	if img.Rect.Dx() != w || img.Rect.Dy() != h {
		t.Fatalf("image %v, want %dx%d", img.Rect, w, h)
	}
	for c := range m.C {
		r := l.Cell(c)
		for y := range m.H {
			for x := range m.W {
				if got, want := img.RGBAAt(r.Min.X+x, r.Min.Y+y), cm.At(m.Q(c, y, x)); got != want {
					t.Fatalf("map %d (%d,%d): %v, want %v", c, x, y, got, want)
				}
			}
		}
	}
	if l.Gap > 0 {
		if got := img.RGBAAt(m.W, 0); got != (color.RGBA{}) {
			t.Errorf("gap pixel %v, want transparent (the canvas background shows)", got)
		}
	}
}

func TestRenderFilters(t *testing.T) {
	f := &Filters{C: 3, KH: 2, KW: 2, Data: make([]byte, 3*3*4)}
	for i := range f.Data {
		f.Data[i] = byte(i * 7)
	}
	l, _ := NewLayout(f.C, f.KW, f.KH, 100, 100)
	img := RenderFilters(f, l)
	r := l.Cell(2)
	got := img.RGBAAt(r.Min.X+1, r.Min.Y+1)
	rr, gg, bb := f.RGB(2, 1, 1)
	if got.R != rr || got.G != gg || got.B != bb || got.A != 255 {
		t.Errorf("filter 2 (1,1) = %v, want %d %d %d", got, rr, gg, bb)
	}
}

func TestRenderDetailOverlay(t *testing.T) {
	// One 2x2 map over a 4x4 grey image.
	m := &Maps{C: 1, H: 2, W: 2, Min: []float32{0}, Max: []float32{1}, Data: []byte{0, 255, 255, 0}}
	m.Image = &Image{W: 4, H: 4, Pix: make([]byte, 64)}
	for i := range m.Image.Pix {
		m.Image.Pix[i] = 100
	}
	cm := colormap.Grey()
	img, d := RenderDetail(m, m.Data, 0, cm, 0.5)
	if len(d.Panels) != 2 || d.Panels[0].Dx() != 4 || d.Panels[1].Min.X != 4+gapFor(4, 4) {
		t.Fatalf("panels %v", d.Panels)
	}
	// Left panel: nearest upscale, 2x2 blocks.
	if got := img.RGBAAt(1, 1).R; got != 0 {
		t.Errorf("left (1,1) = %d, want 0", got)
	}
	if got := img.RGBAAt(2, 1).R; got != 255 {
		t.Errorf("left (2,1) = %d, want 255", got)
	}
	// Right panel: the image corner pixel samples the map corner exactly
	// (edges extend), blended half and half with grey 100.
	x0 := d.Panels[1].Min.X
	if got := img.RGBAAt(x0, 0).R; got != 50 {
		t.Errorf("overlay (0,0) = %d, want (100+0)/2 = 50", got)
	}
	if got := img.RGBAAt(x0+3, 0).R; got != 178 {
		t.Errorf("overlay (3,0) = %d, want round((100+255)/2) = 178", got)
	}
	// Image pixel (1,1) samples the map at (0.25, 0.25): bilinear
	// 0.75*(0.75*0 + 0.25*255) + 0.25*(0.75*255 + 0.25*0) = 95.6 -> 96,
	// blended: round((100+96)/2) = 98.
	if got := img.RGBAAt(x0+1, 1).R; got != 98 {
		t.Errorf("overlay (1,1) = %d, want 98", got)
	}
	// Both panels are opaque; the gap between them is transparent.
	for _, p := range d.Panels {
		for y := p.Min.Y; y < p.Max.Y; y++ {
			for x := p.Min.X; x < p.Max.X; x++ {
				if a := img.RGBAAt(x, y).A; a != 255 {
					t.Fatalf("panel pixel (%d,%d) has alpha %d", x, y, a)
				}
			}
		}
	}
	if a := img.RGBAAt(4, 0).A; a != 0 {
		t.Errorf("gap alpha %d, want 0", a)
	}
	// Hits in both panels name the same map pixel.
	for _, p := range d.Panels {
		x, y, ok := d.Hit(float64(p.Min.X)+3.5, float64(p.Min.Y)+0.5)
		if !ok || x != 1 || y != 0 {
			t.Errorf("hit in panel %v = (%d,%d) %v, want (1,0)", p, x, y, ok)
		}
	}
	if _, _, ok := d.Hit(4.5, 1); ok {
		t.Error("hit in the gap between panels")
	}
	// Alpha 0 is the image alone, alpha 1 the map alone.
	img0, _ := RenderDetail(m, m.Data, 0, cm, 0)
	img1, _ := RenderDetail(m, m.Data, 0, cm, 1)
	if img0.RGBAAt(x0+3, 0).R != 100 || img1.RGBAAt(x0+3, 0).R != 255 {
		t.Errorf("alpha ends: %d %d, want 100 255", img0.RGBAAt(x0+3, 0).R, img1.RGBAAt(x0+3, 0).R)
	}
	// Without an image the content is the map at its own size.
	m.Image = nil
	img, d = RenderDetail(m, m.Data, 0, cm, 0.5)
	if img.Rect.Dx() != 2 || img.RGBAAt(1, 0).R != 255 || len(d.Panels) != 1 {
		t.Errorf("map-only detail: %v %v %v", img.Rect, img.RGBAAt(1, 0), d.Panels)
	}
}

func TestViewerFlow(t *testing.T) {
	view := Rect{X: 0, Y: 20, W: 800, H: 580}
	v := New(view)
	if _, ok := v.Hover(100, 100); ok || v.Mode() != ModeEmpty {
		t.Fatal("an empty viewer reports a hover")
	}
	if !strings.Contains(v.Status(nil), "waiting") {
		t.Errorf("empty status %q", v.Status(nil))
	}
	if err := v.SetMaps(&Maps{C: 1}); err == nil {
		t.Fatal("invalid maps accepted")
	}
	m := testMaps(16, 8, 8)
	m.Layer = "layer1"
	if err := v.SetMaps(m); err != nil {
		t.Fatal(err)
	}
	img, ver := v.Content()
	if img == nil || v.Mode() != ModeGrid {
		t.Fatal("no grid after SetMaps")
	}
	// Hover the centre of cell 5, pixel (3, 2).
	cam := v.Camera()
	r := v.Layout().Cell(5)
	sx, sy := cam.ToScreen(float64(r.Min.X)+3.5, float64(r.Min.Y)+2.5)
	h, ok := v.Hover(sx, sy)
	if !ok || h.Channel != 5 || h.X != 3 || h.Y != 2 || h.Layer != "layer1" || h.Value != m.Value(5, 2, 3) {
		t.Fatalf("hover = %+v %v, want channel 5 (3,2) value %v", h, ok, m.Value(5, 2, 3))
	}
	if s := v.Status(&h); !strings.Contains(s, "ch 5 (3,2)") || !strings.Contains(s, "16 maps 8x8") {
		t.Errorf("status %q", s)
	}
	if cell, ok := v.CellOnScreen(5); !ok || !cell.Contains(sx, sy) {
		t.Errorf("cell 5 on screen %v does not contain the hovered point", cell)
	}
	// Settings repaint; a bad one changes nothing.
	grey, layer, bad := "grey", "layer", "nope"
	if err := v.Apply(Settings{Colormap: &grey, Norm: &layer}); err != nil {
		t.Fatal(err)
	}
	if _, ver2 := v.Content(); ver2 == ver {
		t.Error("settings did not repaint")
	}
	if err := v.Apply(Settings{Colormap: &bad}); err == nil {
		t.Error("unknown colormap accepted")
	}
	over := 1.5
	if err := v.Apply(Settings{Overlay: &over}); err == nil {
		t.Error("overlay 1.5 accepted")
	}
	if !strings.Contains(v.Status(nil), "grey, per layer") {
		t.Errorf("status after settings %q", v.Status(nil))
	}
	// Zoom and pan in the grid, then click a map: it is enlarged.
	v.Wheel(sx, sy, 1)
	v.Drag(5, 5)
	zoomed := v.Camera()
	cam = v.Camera()
	sx, sy = cam.ToScreen(float64(r.Min.X)+3.5, float64(r.Min.Y)+2.5)
	sel, ok := v.Click(sx, sy)
	if !ok || sel.Channel != 5 || v.Mode() != ModeDetail || v.Selected() != 5 {
		t.Fatalf("click = %+v %v, mode %v", sel, ok, v.Mode())
	}
	if c := v.Camera(); c.Zoom != 1 || c.ContentW != 8 {
		t.Errorf("detail camera %+v, want a fresh fit of the 8x8 map", c)
	}
	h, ok = v.Hover(view.X+view.W/2, view.Y+view.H/2)
	if !ok || h.Channel != 5 {
		t.Errorf("hover in detail = %+v %v", h, ok)
	}
	v.Do(ZoomIn)
	// Escape returns to the grid with the grid's camera as it was.
	sel, ok = v.Do(Back)
	if !ok || sel.Channel != -1 || v.Mode() != ModeGrid {
		t.Fatalf("Back = %+v %v, mode %v", sel, ok, v.Mode())
	}
	if v.Camera() != zoomed {
		t.Errorf("grid camera %+v after Back, want %+v", v.Camera(), zoomed)
	}
	// A click in the enlarged view also returns.
	v.Enlarge(0)
	if sel, ok := v.Click(1, 30); !ok || sel.Channel != -1 {
		t.Errorf("click in detail = %+v %v", sel, ok)
	}
	// Enter enlarges the map at the view's centre; [ and ] step through
	// the channels, wrapping around.
	gridCam := v.Camera()
	cx, cy := gridCam.ToContent(view.X+view.W/2, view.Y+view.H/2)
	wantCell, _, _, hit := v.Layout().Hit(cx, cy)
	if !hit {
		wantCell = v.nearestCell(view.X+view.W/2, view.Y+view.H/2)
	}
	sel, ok = v.Do(Enter)
	if !ok || sel.Channel != wantCell || v.Mode() != ModeDetail {
		t.Fatalf("Enter = %+v %v, want cell %d (centre at content %v,%v)", sel, ok, wantCell, cx, cy)
	}
	if sel, ok := v.Do(Next); !ok || sel.Channel != (wantCell+1)%16 || v.Selected() != sel.Channel {
		t.Errorf("Next = %+v %v", sel, ok)
	}
	v.Enlarge(0)
	if sel, ok := v.Do(Previous); !ok || sel.Channel != 15 {
		t.Errorf("Previous from 0 = %+v %v, want 15", sel, ok)
	}
	if !strings.Contains(v.Status(nil), "channel 15") {
		t.Errorf("status %q", v.Status(nil))
	}
	v.Do(Back)
	if _, ok := v.Do(Next); ok {
		t.Error("Next in the grid selected something")
	}
	// nearestCell clamps points outside the content to the closest cell.
	v.Do(ResetView)
	if c := v.nearestCell(-1e6, -1e6); c != 0 {
		t.Errorf("nearest cell to the far top-left = %d", c)
	}
	if c := v.nearestCell(1e6, 1e6); c != 15 {
		t.Errorf("nearest cell to the far bottom-right = %d", c)
	}

	// Keys pan and zoom; reset restores the fit.
	before := v.Camera()
	v.Do(PanLeft)
	v.Do(ZoomOut)
	if v.Camera() == before {
		t.Error("keys did not move the camera")
	}
	v.Do(ResetView)
	if c := v.Camera(); c.Zoom != 1 || c.PanX != 0 || c.PanY != 0 {
		t.Errorf("after reset %+v", c)
	}
	// A resize that changes the best column count re-lays the grid.
	cols := v.Layout().Cols
	v.SetArea(Rect{W: 2000, H: 120})
	if v.Layout().Cols <= cols {
		t.Errorf("wide view kept %d columns", v.Layout().Cols)
	}
}

func TestViewerFilters(t *testing.T) {
	v := New(Rect{W: 400, H: 400})
	f := &Filters{Layer: "conv1", C: 4, KH: 3, KW: 3, Data: make([]byte, 4*27)}
	for i := range f.Data {
		f.Data[i] = byte(i)
	}
	if err := v.SetFilters(f); err != nil {
		t.Fatal(err)
	}
	cam := v.Camera()
	r := v.Layout().Cell(3)
	sx, sy := cam.ToScreen(float64(r.Min.X)+1.5, float64(r.Min.Y)+2.5)
	h, ok := v.Hover(sx, sy)
	wr, wg, wb := f.RGB(3, 2, 1)
	if !ok || !h.Filters || h.Channel != 3 || h.RGB != [3]uint8{wr, wg, wb} {
		t.Fatalf("hover %+v %v", h, ok)
	}
	if !strings.Contains(v.Status(&h), "4 filters 3x3") || h.HasWeights {
		t.Errorf("status %q, hover %+v", v.Status(&h), h)
	}
	f.Min, f.Max = []float32{0, 0, 0, -1}, []float32{1, 1, 1, 1}
	if err := v.SetFilters(f); err != nil {
		t.Fatal(err)
	}
	h, ok = v.Hover(sx, sy)
	if !ok || !h.HasWeights || math.Abs(h.Weights[1]-(-1+2*float64(wg)/255)) > 1e-12 || !strings.Contains(v.Status(&h), "weights R") {
		t.Errorf("hover with ranges %+v, status %q", h, v.Status(&h))
	}
	if sel, ok := v.Click(sx, sy); !ok || sel.Channel != 3 {
		t.Fatalf("click %+v %v", sel, ok)
	}
	if img, _ := v.Content(); img.Rect.Dx() != 3 {
		t.Errorf("filter detail is %v, want the 3x3 patch", img.Rect)
	}
}

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

func TestVector(t *testing.T) {
	for _, tc := range []struct {
		c, h, w int
		want    bool
	}{
		{1, 1, 4096, true}, {512, 1, 1, true}, {1, 1, 10, false}, {1, 1, 1, false}, {64, 7, 7, false}, {1, 8, 100, false},
	} {
		if got := IsVector(&Maps{C: tc.c, H: tc.h, W: tc.w}); got != tc.want {
			t.Errorf("IsVector([%d,%d,%d]) = %v", tc.c, tc.h, tc.w, got)
		}
	}
	if err := CheckMapsShape(1, 1, 4096); err != nil {
		t.Errorf("VGG's 4096 features refused: %v", err)
	}
	for _, s := range [][3]int{{1, 1, MaxVector + 1}, {2, 1, 4096}, {1, 2, 4096}} {
		if CheckMapsShape(s[0], s[1], s[2]) == nil {
			t.Errorf("shape %v accepted", s)
		}
	}

	// A fully connected layer: one row of 1000 values, wrapped 32 wide.
	fc := &Maps{Layer: "fc", C: 1, H: 1, W: 1000, Min: []float32{-2}, Max: []float32{3}, Data: make([]byte, 1000)}
	for i := range fc.Data {
		fc.Data[i] = byte(i % 256)
	}
	v := New(Rect{Y: 20, W: 800, H: 580})
	if err := v.SetMaps(fc); err != nil {
		t.Fatal(err)
	}
	l := v.Layout()
	if l.N != 1 || l.CellW != 32 || l.CellH != 32 {
		t.Fatalf("layout %+v, want one 32x32 block", l)
	}
	cam := v.Camera()
	// Value 300 is at (300%32, 300/32) = (12, 9).
	sx, sy := cam.ToScreen(12.5, 9.5)
	h, ok := v.Hover(sx, sy)
	if !ok || h.Channel != 0 || h.X != 300 || h.Y != 0 || h.Value != fc.Value(0, 0, 300) {
		t.Errorf("hover = %+v %v, want x 300 value %v", h, ok, fc.Value(0, 0, 300))
	}
	// Past the last value (1000 = (8, 31)): nothing.
	if h, ok := v.Hover(cam.ToScreen(8.5, 31.5)); ok {
		t.Errorf("hover past the end = %+v", h)
	}
	if _, ok := v.Click(cam.ToScreen(12.5, 9.5)); ok || v.Mode() != ModeGrid {
		t.Error("a click on a vector enlarged something")
	}
	img, _ := v.Content()
	if got, want := img.RGBAAt(12, 9), colormap.Viridis().At(byte(math.Round((fc.Value(0, 0, 300)+2)/5*255))); got != want {
		t.Errorf("pixel of value 300 = %v, want %v", got, want)
	}
	if s := v.Status(nil); !strings.Contains(s, "1000 values") {
		t.Errorf("status %q", s)
	}

	// Global pooling: 3 channels of 1x1, each a constant map (min = max).
	gap := &Maps{Layer: "pool", C: 3, H: 1, W: 1, Min: []float32{1, -1, 4}, Max: []float32{1, -1, 4}, Data: make([]byte, 3)}
	if err := v.SetMaps(gap); err != nil {
		t.Fatal(err)
	}
	vec := NewVector(gap)
	if !vec.PerChannel || vec.Lo != -1 || vec.Hi != 4 || vec.Idx[0] != 102 || vec.Idx[1] != 0 || vec.Idx[2] != 255 {
		t.Errorf("vector %+v, want values 1 -1 4 on [-1, 4] (indices 102 0 255)", vec)
	}
	cam = v.Camera()
	// 3 values: 2 columns; value 2 is at (0, 1).
	h, ok = v.Hover(cam.ToScreen(0.5, 1.5))
	if !ok || h.Channel != 2 || h.X != 0 || h.Value != 4 {
		t.Errorf("hover = %+v %v, want channel 2 value 4", h, ok)
	}
}

func TestRange(t *testing.T) {
	v := New(Rect{Y: 20, W: 400, H: 300})
	if _, _, ok := v.Range(nil); ok {
		t.Error("a range before any maps")
	}
	m := testMaps(4, 3, 3) // map k: [-k, 2k+1]
	if err := v.SetMaps(m); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := v.Range(nil); ok {
		t.Error("per map, with no map singled out, there is no one range")
	}
	if lo, hi, ok := v.Range(&Hover{Channel: 2}); !ok || lo != -2 || hi != 5 {
		t.Errorf("range of hovered map 2 = %v %v %v, want -2 5", lo, hi, ok)
	}
	v.Enlarge(3)
	if lo, hi, ok := v.Range(&Hover{Channel: 1}); !ok || lo != -3 || hi != 7 {
		t.Errorf("range in the enlarged map 3 = %v %v %v, want -3 7", lo, hi, ok)
	}
	layer := "layer"
	v.Apply(Settings{Norm: &layer})
	if lo, hi, ok := v.Range(nil); !ok || lo != -3 || hi != 7 {
		t.Errorf("layer range = %v %v %v, want -3 7", lo, hi, ok)
	}
	f := &Filters{C: 1, KH: 1, KW: 1, Data: make([]byte, 3)}
	v.SetFilters(f)
	if _, _, ok := v.Range(nil); ok {
		t.Error("filters have no colormap range")
	}
	if v.Colormap() != colormap.Viridis() {
		t.Error("default colormap is not viridis")
	}
}

func TestPixelOnScreen(t *testing.T) {
	m := &Maps{Layer: "c", C: 2, H: 2, W: 4, Min: []float32{0, 0}, Max: []float32{1, 1}, Data: make([]byte, 16)}
	m.Image = &Image{W: 8, H: 4, Pix: make([]byte, 8*4*4)}
	v := New(Rect{Y: 20, W: 800, H: 580})
	if err := v.SetMaps(m); err != nil {
		t.Fatal(err)
	}
	if r := v.PixelOnScreen(0, 0); r != nil {
		t.Errorf("rectangles in the grid: %v", r)
	}
	v.Enlarge(1)
	rects := v.PixelOnScreen(3, 1)
	if len(rects) != 2 {
		t.Fatalf("%d rectangles, want one per panel", len(rects))
	}
	for i, r := range rects {
		// The centre of each rectangle hovers map pixel (3, 1) of channel 1.
		h, ok := v.Hover(r.X+r.W/2, r.Y+r.H/2)
		if !ok || h.Channel != 1 || h.X != 3 || h.Y != 1 {
			t.Errorf("panel %d: centre of %+v hovers %+v %v", i, r, h, ok)
		}
		// A map pixel covers 2x2 image pixels at the camera's scale.
		cam := v.Camera()
		if s := cam.Scale(); math.Abs(r.W-2*s) > 1e-9 || math.Abs(r.H-2*s) > 1e-9 {
			t.Errorf("panel %d: %vx%v, want %v", i, r.W, r.H, 2*s)
		}
	}
	if r := v.PixelOnScreen(4, 0); r != nil {
		t.Errorf("a pixel outside the map: %v", r)
	}
}
