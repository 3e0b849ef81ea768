package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"

	"convscope/wasm/viewer/colormap"
	"convscope/web/protocol"
)

// The lessons' pictures are computed here, in Go, from the worker's real
// answers (maps, the model's view of the image, heatmaps), and shown as PNG
// or SVG through blob: URLs: the page's CSP forbids inline styles and
// Vugu's render buffer is too small for data: URLs of any size.

// encodePNG encodes an image; nil on failure (an empty figure).
func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil
	}
	return b.Bytes()
}

// validMaps reports whether m holds channel ch with data of the right size.
func validMaps(m *protocol.Maps, ch int) bool {
	return m != nil && ch >= 0 && ch < m.Shape[0] && len(m.Min) == m.Shape[0] && len(m.Max) == m.Shape[0] &&
		len(m.Data) == m.Shape[0]*m.Shape[1]*m.Shape[2]
}

// gridImage paints an h x w grid of values, value lo as the colormap's first
// colour and hi as its last, scale x scale pixels per cell.
func gridImage(w, h int, at func(y, x int) float32, lo, hi float32, cm *colormap.Map, scale int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w*scale, h*scale))
	span := hi - lo
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var q uint8
			if span > 0 {
				q = uint8(math.Round(float64(max(0, min(1, (at(y, x)-lo)/span))) * 255))
			}
			fill(img, x*scale, y*scale, scale, scale, cm.At(q))
		}
	}
	return img
}

func fill(img *image.RGBA, x0, y0, w, h int, c color.RGBA) {
	r := image.Rect(x0, y0, x0+w, y0+h).Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// MapPNG is channel ch of a layer's maps on the map's own range.
func MapPNG(m *protocol.Maps, ch, scale int) []byte {
	if !validMaps(m, ch) {
		return nil
	}
	h, w := m.Shape[1], m.Shape[2]
	img := gridImage(w, h, func(y, x int) float32 { return m.Value(ch, y, x) }, m.Min[ch], m.Max[ch], colormap.Viridis(), scale)
	return encodePNG(img)
}

// MosaicPNG shows the first n channels of a layer's maps in a row-major
// grid of cols columns, each on its own range, with a 1-cell white gap.
func MosaicPNG(m *protocol.Maps, n, cols, scale int) []byte {
	if !validMaps(m, 0) || n < 1 || cols < 1 {
		return nil
	}
	n = min(n, m.Shape[0])
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	h, w := m.Shape[1], m.Shape[2]
	cw, ch := (w+1)*scale, (h+1)*scale
	img := image.NewRGBA(image.Rect(0, 0, cols*cw-scale, rows*ch-scale))
	fill(img, 0, 0, img.Rect.Dx(), img.Rect.Dy(), color.RGBA{255, 255, 255, 255})
	for c := 0; c < n; c++ {
		tile := gridImage(w, h, func(y, x int) float32 { return m.Value(c, y, x) }, m.Min[c], m.Max[c], colormap.Viridis(), scale)
		ox, oy := (c%cols)*cw, (c/cols)*ch
		for y := 0; y < tile.Rect.Dy(); y++ {
			copy(img.Pix[img.PixOffset(ox, oy+y):], tile.Pix[tile.PixOffset(0, y):tile.PixOffset(tile.Rect.Dx(), y)])
		}
	}
	return encodePNG(img)
}

// scaledView returns the model's view of the image enlarged scale times
// (nearest neighbour: the pixels the model sees stay visible).
func scaledView(v protocol.Image, scale int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, v.W*scale, v.H*scale))
	for y := 0; y < v.H*scale; y++ {
		for x := 0; x < v.W*scale; x++ {
			i := ((y/scale)*v.W + x/scale) * 4
			copy(img.Pix[img.PixOffset(x, y):img.PixOffset(x, y)+4], v.RGBA[i:i+4])
		}
	}
	return img
}

func validView(v protocol.Image) bool {
	return v.W > 0 && v.H > 0 && len(v.RGBA) == v.W*v.H*4
}

// BoxPNG draws the input window [y0, y1) x [x0, x1) (input pixels, clipped
// to the image) on the model's view: outside is dimmed, the window keeps
// its colours and gets an outline.
func BoxPNG(v protocol.Image, y0, x0, y1, x1, scale int) []byte {
	if !validView(v) {
		return nil
	}
	img := scaledView(v, scale)
	y0, x0 = max(0, y0), max(0, x0)
	y1, x1 = min(v.H, y1), min(v.W, x1)
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			if y/scale >= y0 && y/scale < y1 && x/scale >= x0 && x/scale < x1 {
				continue
			}
			o := img.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				img.Pix[o+k] = uint8(int(img.Pix[o+k]) * 2 / 7)
			}
		}
	}
	if y1 > y0 && x1 > x0 {
		outline(img, image.Rect(x0*scale, y0*scale, x1*scale, y1*scale), 2, color.RGBA{255, 221, 0, 255})
	}
	return encodePNG(img)
}

// outline draws a rectangle's border, t pixels thick, inside r.
func outline(img *image.RGBA, r image.Rectangle, t int, c color.RGBA) {
	fill(img, r.Min.X, r.Min.Y, r.Dx(), t, c)
	fill(img, r.Min.X, r.Max.Y-t, r.Dx(), t, c)
	fill(img, r.Min.X, r.Min.Y, t, r.Dy(), c)
	fill(img, r.Max.X-t, r.Min.Y, t, r.Dy(), c)
}

// HeatPNG blends a heatmap over the model's view: the heatmap is
// bilinearly resampled to the view's size, scaled from its minimum (clear)
// to its maximum (opaque magma), and alpha-blended with at most alpha.
func HeatPNG(v protocol.Image, hm *protocol.Heatmap, alpha float64, scale int) []byte {
	if !validView(v) || hm == nil || hm.W < 1 || hm.H < 1 || len(hm.Values) != hm.W*hm.H {
		return nil
	}
	lo, hi := hm.Values[0], hm.Values[0]
	for _, x := range hm.Values {
		lo, hi = min(lo, x), max(hi, x)
	}
	img := scaledView(v, scale)
	cm := colormap.Magma()
	W, H := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			// Pixel centres mapped onto the heatmap's cell centres.
			hy := (float64(y)+0.5)*float64(hm.H)/float64(H) - 0.5
			hx := (float64(x)+0.5)*float64(hm.W)/float64(W) - 0.5
			val := bilinear(hm, hy, hx)
			t := 0.0
			if hi > lo {
				t = (val - float64(lo)) / float64(hi-lo)
			}
			c := cm.At(uint8(math.Round(t * 255)))
			a := alpha * t
			o := img.PixOffset(x, y)
			img.Pix[o] = uint8(float64(img.Pix[o])*(1-a) + float64(c.R)*a)
			img.Pix[o+1] = uint8(float64(img.Pix[o+1])*(1-a) + float64(c.G)*a)
			img.Pix[o+2] = uint8(float64(img.Pix[o+2])*(1-a) + float64(c.B)*a)
		}
	}
	return encodePNG(img)
}

func bilinear(hm *protocol.Heatmap, y, x float64) float64 {
	y = max(0, min(float64(hm.H-1), y))
	x = max(0, min(float64(hm.W-1), x))
	y0, x0 := int(y), int(x)
	y1, x1 := min(y0+1, hm.H-1), min(x0+1, hm.W-1)
	fy, fx := y-float64(y0), x-float64(x0)
	at := func(yy, xx int) float64 { return float64(hm.Values[yy*hm.W+xx]) }
	return (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x1)) + fy*((1-fx)*at(y1, x0)+fx*at(y1, x1))
}

// DropoutMask draws a Bernoulli keep-mask for n units: each unit is kept
// with probability 1-p. The seed makes a mask reproducible until the user
// asks for another.
func DropoutMask(n int, p float64, seed uint64) []bool {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = r.Float64() >= p
	}
	return keep
}

// DropoutPNGs shows channel ch of a layer at inference (every unit, as
// is) and in training under mask keep (dropped units black, kept ones
// multiplied by 1/(1-p), "inverted dropout", so that the expected sum is
// the same as at inference). Both use one range so the scaling shows.
func DropoutPNGs(m *protocol.Maps, ch int, keep []bool, p float64, scale int) (inference, training []byte) {
	if !validMaps(m, ch) || len(keep) != m.Shape[1]*m.Shape[2] || p < 0 || p >= 1 {
		return nil, nil
	}
	h, w := m.Shape[1], m.Shape[2]
	k := float32(1 / (1 - p))
	lo := min(0, m.Min[ch]*k)
	hi := max(m.Max[ch]*k, m.Max[ch])
	cm := colormap.Viridis()
	at := func(y, x int) float32 { return m.Value(ch, y, x) }
	inf := gridImage(w, h, at, lo, hi, cm, scale)
	tr := gridImage(w, h, func(y, x int) float32 { return at(y, x) * k }, lo, hi, cm, scale)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !keep[y*w+x] {
				fill(tr, x*scale, y*scale, scale, scale, color.RGBA{0, 0, 0, 255})
			}
		}
	}
	return encodePNG(inf), encodePNG(tr)
}

// dataURI is a PNG inside an SVG figure (an SVG shown as an image may
// load nothing else).
func dataURI(pngBytes []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes)
}

// SlideSVG animates one kernel sliding over one real input map: the input
// channel on the left with the kernel's window moving over it (with the
// layer's stride and padding), and on the right the partial output (that
// input channel's contribution) revealed position by position as the
// window reaches it. The frames are SMIL animations, so the browser plays
// them without the page re-rendering.
func SlideSVG(s *protocol.Slides, cell int) []byte {
	if s == nil || len(s.Input.Values) == 0 || len(s.Partial.Values) == 0 || len(s.Kernel.Values) == 0 {
		return nil
	}
	in, out, k := s.Input, s.Partial, s.Kernel
	sy, sx := at(s.Stride, 0, 1), at(s.Stride, 1, 1)
	pt, pl := at(s.Pads, 0, 0), at(s.Pads, 1, 0)
	gap := 3 * cell
	inX, inY := pl*cell+cell, pt*cell+cell+18 // room for the padding and a title
	outX := inX + in.W*cell + at(s.Pads, 3, 0)*cell + gap
	width := outX + out.W*cell + cell
	height := inY + max(in.H+at(s.Pads, 2, 0), out.H)*cell + cell
	n := out.W * out.H
	// At most maxFrames frames (a 224x224 map has 50,176 positions): a
	// large map is swept several positions a frame.
	const maxFrames = 2048
	step := (n + maxFrames - 1) / maxFrames
	frames := (n + step - 1) / step
	// About 25 ms a frame, at least 4 s and at most 40 s for the map.
	dur := min(40, max(4, float64(frames)*0.025))
	var xs, ys, cx, ry, cy bytes.Buffer
	for i := 0; i < n; i += step {
		oy, ox := i/out.W, i%out.W
		if i > 0 {
			for _, b := range []*bytes.Buffer{&xs, &ys, &cx, &ry, &cy} {
				b.WriteByte(';')
			}
		}
		fmt.Fprintf(&xs, "%d", inX+(ox*sx-pl)*cell)
		fmt.Fprintf(&ys, "%d", inY+(oy*sy-pt)*cell)
		// The covers hide what is not computed yet: the rest of the
		// current row, and every row below it.
		fmt.Fprintf(&cx, "%d", outX+(ox+1)*cell)
		fmt.Fprintf(&ry, "%d", inY+oy*cell)
		fmt.Fprintf(&cy, "%d", inY+(oy+1)*cell)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, width, height, width, height)
	fmt.Fprintf(&b, `<title>Kernel %d of input channel %d sliding over the real input map of %s, producing its part of output channel %d</title>`, s.Out, s.In, s.Layer, s.Out)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`, width, height)
	fmt.Fprintf(&b, `<text x="%d" y="13">input channel %d (%dx%d)</text>`, inX, s.In, in.W, in.H)
	fmt.Fprintf(&b, `<text x="%d" y="13">kernel output (%dx%d)</text>`, outX, out.W, out.H)
	// Padding shown as a light frame around the input.
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#e8ebf1"/>`, inX-pl*cell, inY-pt*cell, (in.W+pl+at(s.Pads, 3, 0))*cell, (in.H+pt+at(s.Pads, 2, 0))*cell)
	fmt.Fprintf(&b, `<image x="%d" y="%d" width="%d" height="%d" preserveAspectRatio="none" style="image-rendering:pixelated" href="%s"/>`, inX, inY, in.W*cell, in.H*cell, dataURI(GridPNG(in, 1)))
	fmt.Fprintf(&b, `<image x="%d" y="%d" width="%d" height="%d" preserveAspectRatio="none" style="image-rendering:pixelated" href="%s"/>`, outX, inY, out.W*cell, out.H*cell, dataURI(GridPNG(out, 1)))
	d := fmt.Sprintf(`dur="%.2fs" repeatCount="indefinite" calcMode="discrete"`, dur)
	fmt.Fprintf(&b, `<rect y="%d" width="%d" height="%d" fill="#fff"><animate attributeName="x" %s values="%s"/><animate attributeName="y" %s values="%s"/></rect>`,
		inY, out.W*cell, cell, d, cx.String(), d, ry.String())
	fmt.Fprintf(&b, `<rect x="%d" width="%d" height="%d" fill="#fff"><animate attributeName="y" %s values="%s"/></rect>`,
		outX, out.W*cell, out.H*cell, d, cy.String())
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="none" stroke="#e0115f" stroke-width="2"><animate attributeName="x" %s values="%s"/><animate attributeName="y" %s values="%s"/></rect>`,
		k.W*cell, k.H*cell, d, xs.String(), d, ys.String())
	b.WriteString(`</svg>`)
	return b.Bytes()
}

func at(s []int, i, def int) int {
	if i < len(s) {
		return s[i]
	}
	return def
}

// GridPNG paints a grid of real values on its own range.
func GridPNG(g protocol.Grid, scale int) []byte {
	if g.W < 1 || g.H < 1 || len(g.Values) != g.W*g.H {
		return nil
	}
	lo, hi := g.Values[0], g.Values[0]
	for _, v := range g.Values {
		lo, hi = min(lo, v), max(hi, v)
	}
	return encodePNG(gridImage(g.W, g.H, func(y, x int) float32 { return g.Values[y*g.W+x] }, lo, hi, colormap.Viridis(), scale))
}
