package grid

import (
	"fmt"
	"math"
)

// Norm says which range is stretched over the colormap.
type Norm uint8

const (
	// NormMap stretches each map over its own range: the pattern inside a
	// weak map is as visible as in a strong one.
	NormMap Norm = iota
	// NormLayer uses one range for the whole layer: weak maps look dark,
	// so maps can be compared with each other.
	NormLayer
)

func (n Norm) String() string {
	if n == NormLayer {
		return "layer"
	}
	return "map"
}

// ParseNorm reads the settings message's spelling, "map" or "layer".
func ParseNorm(s string) (Norm, error) {
	switch s {
	case "map":
		return NormMap, nil
	case "layer":
		return NormLayer, nil
	}
	return 0, fmt.Errorf("unknown normalisation %q (want \"map\" or \"layer\")", s)
}

// LayerRange returns the smallest Min and the largest Max over all maps.
func LayerRange(m *Maps) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for c := range m.C {
		lo = min(lo, float64(m.Min[c]))
		hi = max(hi, float64(m.Max[c]))
	}
	return lo, hi
}

// Indices returns the colormap index of every value of m (C, H, W). Per map,
// the bytes already span each map's range, so they are returned as they are
// (not copied). Per layer, each map's bytes go through a 256-entry table
// that re-expresses its values in the layer's range; a layer whose values
// are all equal maps to index 0.
func Indices(m *Maps, n Norm) []byte {
	if n == NormMap {
		return m.Data
	}
	lo, hi := LayerRange(m)
	out := make([]byte, len(m.Data))
	plane := m.H * m.W
	var lut [256]byte
	for c := range m.C {
		cLo, cHi := float64(m.Min[c]), float64(m.Max[c])
		for q := range lut {
			lut[q] = 0
			if hi > lo {
				v := cLo + float64(q)/255*(cHi-cLo)
				lut[q] = uint8(math.Round(min(max((v-lo)/(hi-lo), 0), 1) * 255))
			}
		}
		src, dst := m.Data[c*plane:(c+1)*plane], out[c*plane:(c+1)*plane]
		for i, q := range src {
			dst[i] = lut[q]
		}
	}
	return out
}
