// Package filtergrid lays out a stack of small maps (a conv layer's filters,
// or its feature maps) as one RGBA image: a grid of cells, each map scaled
// up with square pixels. Three-channel filters are drawn as RGB patches;
// anything else as one channel through a perceptual colormap. It is pure Go
// so its tests run natively; the Ebiten viewer draws its output.
package filtergrid

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
)

// MaxPixels bounds the image Render makes (a 4096x4096 RGBA image).
const MaxPixels = 4096 * 4096

// Gap is the space between cells, in output pixels.
const Gap = 2

// Render draws n maps of shape (c, h, w) from data, laid out (n, c, h, w),
// each pixel scaled to a square of scale x scale. Each map is normalised on
// its own (min to black, max to white), as filter visualisations usually are.
func Render(data []float32, shape [4]int, scale int) (*image.RGBA, error) {
	n, c, h, w := shape[0], shape[1], shape[2], shape[3]
	if n <= 0 || c <= 0 || h <= 0 || w <= 0 || scale <= 0 {
		return nil, fmt.Errorf("filtergrid: bad shape %v or scale %d", shape, scale)
	}
	if n > 1<<16 || h > 1<<12 || w > 1<<12 || c > 1<<16 || scale > 64 {
		return nil, fmt.Errorf("filtergrid: shape %v or scale %d too large", shape, scale)
	}
	if len(data) != n*c*h*w {
		return nil, fmt.Errorf("filtergrid: %d values for shape %v", len(data), shape)
	}
	cols, rows := Grid(n)
	cw, ch := w*scale+Gap, h*scale+Gap
	W, H := cols*cw+Gap, rows*ch+Gap
	if int64(W)*int64(H) > MaxPixels {
		return nil, errors.New("filtergrid: the grid would be larger than MaxPixels")
	}
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	bg := color.RGBA{0x20, 0x23, 0x2b, 0xff}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = bg.R, bg.G, bg.B, bg.A
	}
	plane := h * w
	for k := range n {
		m := data[k*c*plane : (k+1)*c*plane]
		lo, hi := minMax(m)
		norm := func(v float32) float64 {
			if hi == lo {
				return 0.5
			}
			return float64((v - lo) / (hi - lo))
		}
		x0, y0 := Gap+(k%cols)*cw, Gap+(k/cols)*ch
		for y := range h {
			for x := range w {
				var px color.RGBA
				if c == 3 {
					px = color.RGBA{byte8(norm(m[y*w+x])), byte8(norm(m[plane+y*w+x])), byte8(norm(m[2*plane+y*w+x])), 0xff}
				} else {
					px = Viridis(norm(m[y*w+x]))
				}
				for dy := range scale {
					for dx := range scale {
						img.SetRGBA(x0+x*scale+dx, y0+y*scale+dy, px)
					}
				}
			}
		}
	}
	return img, nil
}

// Grid returns the columns and rows of a near-square grid for n cells.
func Grid(n int) (cols, rows int) {
	cols = int(math.Ceil(math.Sqrt(float64(n))))
	rows = (n + cols - 1) / cols
	return cols, rows
}

func minMax(v []float32) (lo, hi float32) {
	lo, hi = v[0], v[0]
	for _, x := range v {
		if x == x { // NaN compares unequal and is skipped
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	return lo, hi
}

func byte8(f float64) byte {
	if !(f > 0) {
		return 0
	}
	if f >= 1 {
		return 255
	}
	return byte(f*255 + 0.5)
}

// viridis holds 9 evenly spaced stops of matplotlib's viridis colormap
// (perceptually uniform, readable in greyscale and by most colour-blind
// people); Viridis interpolates linearly between them.
var viridis = [9][3]float64{
	{68, 1, 84}, {71, 44, 122}, {59, 81, 139}, {44, 113, 142}, {33, 144, 141},
	{39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37},
}

// Viridis maps t in [0, 1] (clamped) to a colour.
func Viridis(t float64) color.RGBA {
	if !(t > 0) {
		t = 0
	}
	if t > 1 {
		t = 1
	}
	f := t * float64(len(viridis)-1)
	i := int(f)
	if i >= len(viridis)-1 {
		i = len(viridis) - 2
	}
	u := f - float64(i)
	a, b := viridis[i], viridis[i+1]
	mix := func(j int) byte { return byte(a[j] + (b[j]-a[j])*u + 0.5) }
	return color.RGBA{mix(0), mix(1), mix(2), 0xff}
}
