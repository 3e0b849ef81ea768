package grid

import (
	"math"
	"testing"
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
	// float32, as protocol.Maps.Value computes it for every reader.
	want := -2 + 22.0/255*7
	if got := m.Value(2, 1, 3); math.Abs(got-want) > 1e-6 {
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
