package grid

import (
	"image/color"
	"testing"

	"convscope/wasm/viewer/colormap"
)

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
