package grid

import (
	"math"
	"strings"
	"testing"

	"convscope/wasm/viewer/colormap"
)

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
