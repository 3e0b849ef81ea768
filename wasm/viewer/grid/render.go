package grid

import (
	"encoding/binary"
	"image"
	"image/color"
	"math"

	"convscope/wasm/viewer/colormap"
)

// Background is the colour between cells and around the content: the
// canvas is filled with it, and the content images leave their gaps
// transparent so that it shows through.
var Background = color.RGBA{0x1d, 0x1f, 0x24, 0xff}

// newContent returns a transparent w x h image. Nothing is filled: a VGG
// first-layer grid is 15 MB, and filling it cost more than painting the maps
// (measured in wasm).
func newContent(w, h int) *image.RGBA {
	return image.NewRGBA(image.Rect(0, 0, w, h))
}

// RenderGrid paints every map of m in its cell of l: idx holds the colormap
// index of each value (see Indices), shaped like m.Data.
func RenderGrid(m *Maps, idx []byte, l Layout, cm *colormap.Map) *image.RGBA {
	w, h := l.Size()
	img := newContent(w, h)
	lut := pixels(cm)
	plane := m.H * m.W
	for c := range m.C {
		r := l.Cell(c)
		src := idx[c*plane : (c+1)*plane]
		for y := range m.H {
			row := img.Pix[(r.Min.Y+y)*img.Stride+r.Min.X*4:][:m.W*4]
			for x, q := range src[y*m.W : (y+1)*m.W] {
				binary.LittleEndian.PutUint32(row[x*4:], lut[q])
			}
		}
	}
	return img
}

// pixels returns the colormap as opaque RGBA pixels, one 32-bit store each
// (in memory order R, G, B, A).
func pixels(cm *colormap.Map) *[256]uint32 {
	var lut [256]uint32
	for i := range lut {
		r, g, b := cm.RGB(uint8(i))
		lut[i] = uint32(r) | uint32(g)<<8 | uint32(b)<<16 | 0xff<<24
	}
	return &lut
}

// RenderFilters paints every filter of f as an RGB patch in its cell of l.
func RenderFilters(f *Filters, l Layout) *image.RGBA {
	w, h := l.Size()
	img := newContent(w, h)
	for c := range f.C {
		r := l.Cell(c)
		for y := range f.KH {
			for x := range f.KW {
				p := img.Pix[(r.Min.Y+y)*img.Stride+(r.Min.X+x)*4:]
				p[0], p[1], p[2] = f.RGB(c, y, x)
				p[3] = 255
			}
		}
	}
	return img
}

// Detail is the content of the enlarged view of one map: Panels are the
// rectangles that each show the whole map (so a point in any of them maps
// to a map pixel), MapW x MapH the map's own size.
type Detail struct {
	Panels     []image.Rectangle
	MapW, MapH int
}

// Hit returns the map pixel under content point (cx, cy).
func (d Detail) Hit(cx, cy float64) (x, y int, ok bool) {
	for _, p := range d.Panels {
		if cx < float64(p.Min.X) || cy < float64(p.Min.Y) || cx >= float64(p.Max.X) || cy >= float64(p.Max.Y) {
			continue
		}
		x = int((cx - float64(p.Min.X)) * float64(d.MapW) / float64(p.Dx()))
		y = int((cy - float64(p.Min.Y)) * float64(d.MapH) / float64(p.Dy()))
		return min(x, d.MapW-1), min(y, d.MapH-1), true
	}
	return 0, 0, false
}

// RenderDetail shows map c of m large. Without an input image the content is
// the map itself (the camera enlarges it, pixel by pixel). With one, it is
// two panels of the image's size side by side: the map resized to the image
// with nearest neighbour (its pixels stay visible), and the map resized
// bilinearly and alpha-blended over the image (alpha = the map's weight).
func RenderDetail(m *Maps, idx []byte, c int, cm *colormap.Map, alpha float64) (*image.RGBA, Detail) {
	plane := idx[c*m.H*m.W : (c+1)*m.H*m.W]
	if m.Image == nil {
		img := newContent(m.W, m.H)
		for i, q := range plane {
			img.Pix[i*4], img.Pix[i*4+1], img.Pix[i*4+2] = cm.RGB(q)
			img.Pix[i*4+3] = 255
		}
		return img, Detail{Panels: []image.Rectangle{image.Rect(0, 0, m.W, m.H)}, MapW: m.W, MapH: m.H}
	}
	iw, ih := m.Image.W, m.Image.H
	gap := gapFor(iw, ih)
	img := newContent(2*iw+gap, ih)
	left, right := image.Rect(0, 0, iw, ih), image.Rect(iw+gap, 0, 2*iw+gap, ih)
	alpha = min(max(alpha, 0), 1)
	for v := range ih {
		// Pixel centres: image pixel v covers map rows around (v+0.5)*H/ih.
		my := (float64(v)+0.5)*float64(m.H)/float64(ih) - 0.5
		for u := range iw {
			mx := (float64(u)+0.5)*float64(m.W)/float64(iw) - 0.5
			p := img.Pix[v*img.Stride+u*4:]
			p[0], p[1], p[2] = cm.RGB(plane[nearest(my, m.H)*m.W+nearest(mx, m.W)])
			p[3] = 255
			r, g, b := cm.RGB(bilinear(plane, m.W, m.H, mx, my))
			src := m.Image.Pix[(v*iw+u)*4:]
			o := img.Pix[v*img.Stride+(right.Min.X+u)*4:]
			o[0] = blend(src[0], r, alpha)
			o[1] = blend(src[1], g, alpha)
			o[2] = blend(src[2], b, alpha)
			o[3] = 255
		}
	}
	return img, Detail{Panels: []image.Rectangle{left, right}, MapW: m.W, MapH: m.H}
}

// RenderFilterDetail shows filter c alone; the camera enlarges it.
func RenderFilterDetail(f *Filters, c int) (*image.RGBA, Detail) {
	img := newContent(f.KW, f.KH)
	for y := range f.KH {
		for x := range f.KW {
			p := img.Pix[y*img.Stride+x*4:]
			p[0], p[1], p[2] = f.RGB(c, y, x)
			p[3] = 255
		}
	}
	return img, Detail{Panels: []image.Rectangle{img.Rect}, MapW: f.KW, MapH: f.KH}
}

// nearest returns the index of the map pixel whose centre is closest to
// coordinate p (in map pixels, centres at integers), clamped to [0, n).
func nearest(p float64, n int) int {
	return min(max(int(math.Floor(p+0.5)), 0), n-1)
}

// bilinear interpolates the indices of a w x h plane at (x, y), with edge
// pixels extended outwards (as image resizers do).
func bilinear(plane []byte, w, h int, x, y float64) byte {
	x = min(max(x, 0), float64(w-1))
	y = min(max(y, 0), float64(h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	top := float64(plane[y0*w+x0])*(1-fx) + float64(plane[y0*w+x1])*fx
	bot := float64(plane[y1*w+x0])*(1-fx) + float64(plane[y1*w+x1])*fx
	return uint8(math.Round(top*(1-fy) + bot*fy))
}

// blend mixes an image channel with a colormap channel: (1-alpha)*a + alpha*b.
func blend(a, b uint8, alpha float64) uint8 {
	return uint8(math.Round(float64(a)*(1-alpha) + float64(b)*alpha))
}
