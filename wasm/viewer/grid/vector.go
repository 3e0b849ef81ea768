package grid

import (
	"image"
	"math"

	"convscope/wasm/viewer/colormap"
)

// MaxVector bounds the length of a fully connected layer's output (VGG's
// classifier has 4096 features, ImageNet 1000 classes).
const MaxVector = 1 << 16

// wrapAbove is the length from which a 1 x W map is wrapped into a block:
// shorter ones (CIFAR-10's 10 logits) read well as one row.
const wrapAbove = 64

// Vector is how the viewer shows a layer whose maps are not images: C maps
// of 1x1 (after global pooling) or one 1 x W map (a fully connected layer,
// which the worker sends as shape [1, 1, W]). Its N values are laid out row
// by row in a Cols x Rows block, on one range: per-map normalisation would
// make every 1x1 map a single flat colour.
type Vector struct {
	N, Cols, Rows int
	Values        []float64
	Idx           []byte // colormap index of each value over [Lo, Hi]
	Lo, Hi        float64
	// PerChannel: value k is channel k (C x 1 x 1); otherwise it is
	// position x = k of channel 0 (1 x 1 x W).
	PerChannel bool
}

// IsVector reports whether m is shown as a Vector rather than a grid.
func IsVector(m *Maps) bool {
	return m.H == 1 && (m.W == 1 && m.C > 1 || m.C == 1 && m.W > wrapAbove)
}

// NewVector de-quantises m's values into one vector.
func NewVector(m *Maps) *Vector {
	v := &Vector{PerChannel: m.W == 1}
	if v.PerChannel {
		v.N = m.C
	} else {
		v.N = m.W
	}
	v.Values = make([]float64, v.N)
	v.Lo, v.Hi = math.Inf(1), math.Inf(-1)
	for k := range v.N {
		if v.PerChannel {
			v.Values[k] = m.Value(k, 0, 0)
		} else {
			v.Values[k] = m.Value(0, 0, k)
		}
		v.Lo, v.Hi = min(v.Lo, v.Values[k]), max(v.Hi, v.Values[k])
	}
	v.Idx = make([]byte, v.N)
	if v.Hi > v.Lo {
		for k, x := range v.Values {
			v.Idx[k] = uint8(math.Round((x - v.Lo) / (v.Hi - v.Lo) * 255))
		}
	}
	v.Cols = int(math.Ceil(math.Sqrt(float64(v.N))))
	v.Rows = (v.N + v.Cols - 1) / v.Cols
	return v
}

// At returns the value index under pixel (x, y) of the block.
func (v *Vector) At(x, y int) (k int, ok bool) {
	if x < 0 || y < 0 || x >= v.Cols || y >= v.Rows {
		return 0, false
	}
	k = y*v.Cols + x
	return k, k < v.N
}

// Hover describes value k.
func (v *Vector) Hover(layer string, k int) Hover {
	h := Hover{Layer: layer, Value: v.Values[k]}
	if v.PerChannel {
		h.Channel = k
	} else {
		h.X = k
	}
	return h
}

// RenderVector paints the block, the cells after the last value left as
// background.
func RenderVector(v *Vector, cm *colormap.Map) *image.RGBA {
	img := newContent(v.Cols, v.Rows)
	for k, q := range v.Idx {
		p := img.Pix[(k/v.Cols)*img.Stride+(k%v.Cols)*4:]
		p[0], p[1], p[2] = cm.RGB(q)
		p[3] = 255
	}
	return img
}
