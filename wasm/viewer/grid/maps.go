// Package grid is everything the feature-map viewer does that is not
// drawing on a canvas: the maps and filters it is given (validated), the
// normalisation of values to colormap indices, the layout of many maps as a
// grid, the camera (zoom and pan), hit-testing, the RGBA images the canvas
// shows, and the viewer's state machine (grid <-> one enlarged map). It has
// no syscall/js and no Ebiten, so it builds and is tested natively; package
// main of wasm/viewer only feeds it input and draws what it renders.
package grid

import (
	"errors"
	"fmt"
	"math"

	"convscope/web/protocol"
)

// Limits on what one message may ask the viewer to hold. Real layers are far
// below them (VGG's first conv: 64x224x224 = 3.2 M values); they exist so that
// a bad message is refused instead of allocating gigabytes.
const (
	MaxChannels = 1 << 14  // maps per layer
	MaxMapSide  = 2048     // height or width of one map
	MaxElements = 64 << 20 // C*H*W
	// MaxImageSide bounds the input image's sides: the enlarged view shows
	// it twice side by side, which must stay within MaxContentSide.
	MaxImageSide = (MaxContentSide - 16) / 2
)

// Maps is one layer's activations, as the page posts them: C maps of H x W
// values, each quantised to 8 bits over its own range.
type Maps struct {
	Layer   string
	C, H, W int
	// Min and Max hold each map's range (len C): byte q of map c stands for
	// Min[c] + q/255*(Max[c]-Min[c]).
	Min, Max []float32
	Data     []byte // (C, H, W) row-major
	Image    *Image // the input as the model saw it, for the overlay; may be nil
}

// Image is an RGBA picture (non-premultiplied, alpha ignored).
type Image struct {
	W, H int
	Pix  []byte // (H, W, 4)
}

// Validate reports the first thing wrong with m, or nil.
func (m *Maps) Validate() error {
	if m == nil {
		return errors.New("maps: missing")
	}
	if err := CheckMapsShape(m.C, m.H, m.W); err != nil {
		return err
	}
	if n := m.C * m.H * m.W; len(m.Data) != n {
		return fmt.Errorf("maps: data has %d bytes, shape [%d,%d,%d] needs %d", len(m.Data), m.C, m.H, m.W, n)
	}
	if len(m.Min) != m.C || len(m.Max) != m.C {
		return fmt.Errorf("maps: min has %d values and max %d, want one per map (%d)", len(m.Min), len(m.Max), m.C)
	}
	if err := checkRanges("maps", m.Min, m.Max); err != nil {
		return err
	}
	if m.Image != nil {
		if err := m.Image.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// CheckShape checks a (count, height, width) shape against the limits
// without overflowing; the message decoder calls it before allocating.
func CheckShape(what string, c, h, w, maxC, maxSide int) error {
	if c < 1 || h < 1 || w < 1 {
		return fmt.Errorf("%s: shape [%d,%d,%d] has a dimension below 1", what, c, h, w)
	}
	if c > maxC || h > maxSide || w > maxSide {
		return fmt.Errorf("%s: shape [%d,%d,%d] is too large (at most %d maps of %dx%d)", what, c, h, w, maxC, maxSide, maxSide)
	}
	if c*h*w > MaxElements {
		return fmt.Errorf("%s: shape [%d,%d,%d] has more than %d values", what, c, h, w, MaxElements)
	}
	return nil
}

// CheckMapsShape checks the shape of a maps message: images of up to
// MaxMapSide, or one row of up to MaxVector values (a fully connected
// layer's output).
func CheckMapsShape(c, h, w int) error {
	if c == 1 && h == 1 && w > MaxMapSide && w <= MaxVector {
		return nil
	}
	return CheckShape("maps", c, h, w, MaxChannels, MaxMapSide)
}

// Validate reports what is wrong with the image, or nil.
func (im *Image) Validate() error {
	if im.W < 1 || im.H < 1 || im.W > MaxImageSide || im.H > MaxImageSide {
		return fmt.Errorf("image: size %dx%d outside 1..%d", im.W, im.H, MaxImageSide)
	}
	if len(im.Pix) != im.W*im.H*4 {
		return fmt.Errorf("image: %d bytes of RGBA for %dx%d, want %d", len(im.Pix), im.W, im.H, im.W*im.H*4)
	}
	return nil
}

// Q returns the quantised byte of map c at (y, x).
func (m *Maps) Q(c, y, x int) byte { return m.Data[(c*m.H+y)*m.W+x] }

// Value returns the de-quantised activation of map c at (y, x): the
// protocol's reading of the byte (protocol.Maps.Value), so the viewer shows
// the value the lessons' figures use.
func (m *Maps) Value(c, y, x int) float64 {
	pm := protocol.Maps{Shape: [3]int{m.C, m.H, m.W}, Min: m.Min, Max: m.Max, Data: m.Data}
	return float64(pm.Value(c, y, x))
}

// Filters are the first convolution's kernels as RGB patches: C filters of
// kH x kW, already scaled to bytes by the page.
type Filters struct {
	Layer     string
	C, KH, KW int
	Data      []byte // (C, 3, kH, kW): the R, G and B planes of each filter
	// Min and Max, when given (len C), are each filter's weight range over
	// its three channels: byte q stands for Min[c] + q/255*(Max[c]-Min[c]).
	Min, Max []float32
}

// MaxKernelSide bounds a filter's side (AlexNet's first conv is 11x11).
const MaxKernelSide = 64

// Validate reports the first thing wrong with f, or nil.
func (f *Filters) Validate() error {
	if f == nil {
		return errors.New("filters: missing")
	}
	if err := CheckShape("filters", f.C, f.KH, f.KW, MaxChannels, MaxKernelSide); err != nil {
		return err
	}
	if n := f.C * 3 * f.KH * f.KW; len(f.Data) != n {
		return fmt.Errorf("filters: data has %d bytes, shape [%d,3,%d,%d] needs %d", len(f.Data), f.C, f.KH, f.KW, n)
	}
	if f.Min == nil && f.Max == nil {
		return nil
	}
	if len(f.Min) != f.C || len(f.Max) != f.C {
		return fmt.Errorf("filters: min has %d values and max %d, want one per filter (%d)", len(f.Min), len(f.Max), f.C)
	}
	return checkRanges("filters", f.Min, f.Max)
}

// checkRanges checks that every (min, max) pair is finite and ordered.
func checkRanges(what string, lo, hi []float32) error {
	for c := range lo {
		l, h := float64(lo[c]), float64(hi[c])
		if math.IsNaN(l) || math.IsNaN(h) || math.IsInf(l, 0) || math.IsInf(h, 0) {
			return fmt.Errorf("%s: entry %d has a range that is not finite (%v, %v)", what, c, l, h)
		}
		if l > h {
			return fmt.Errorf("%s: entry %d has min %v above max %v", what, c, l, h)
		}
	}
	return nil
}

// FiltersFromRGBA builds Filters from the worker's patches: c patches of
// h x w RGBA pixels one after the other (alpha ignored), the layout of
// web/protocol's Patches.
func FiltersFromRGBA(layer string, c, h, w int, rgba []byte) (*Filters, error) {
	if err := CheckShape("filters", c, h, w, MaxChannels, MaxKernelSide); err != nil {
		return nil, err
	}
	if n := c * h * w * 4; len(rgba) != n {
		return nil, fmt.Errorf("filters: rgba has %d bytes, %d patches of %dx%d need %d", len(rgba), c, w, h, n)
	}
	f := &Filters{Layer: layer, C: c, KH: h, KW: w, Data: make([]byte, c*3*h*w)}
	plane := h * w
	for k := range c {
		for i := range plane {
			p := rgba[(k*plane+i)*4:]
			for ch := range 3 {
				f.Data[(k*3+ch)*plane+i] = p[ch]
			}
		}
	}
	return f, nil
}

// Weights returns filter c's de-quantised weights at (y, x) for the R, G
// and B input channels; ok is false when no ranges were given.
func (f *Filters) Weights(c, y, x int) (w [3]float64, ok bool) {
	if f.Min == nil {
		return w, false
	}
	r, g, b := f.RGB(c, y, x)
	lo, hi := float64(f.Min[c]), float64(f.Max[c])
	for i, q := range [3]uint8{r, g, b} {
		w[i] = lo + float64(q)/255*(hi-lo)
	}
	return w, true
}

// RGB returns filter c's colour at (y, x).
func (f *Filters) RGB(c, y, x int) (r, g, b uint8) {
	plane := f.KH * f.KW
	i := c*3*plane + y*f.KW + x
	return f.Data[i], f.Data[i+plane], f.Data[i+2*plane]
}
