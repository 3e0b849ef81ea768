package grid

import (
	"testing"
)

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
