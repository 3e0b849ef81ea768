package protocol

import (
	"math"
	"testing"
)

// TestMapsValue: byte 0 is the map's minimum, 255 its maximum, a byte in
// between its share of the range; each map has its own range, and the
// index runs map after map, row after row.
func TestMapsValue(t *testing.T) {
	// Two maps of 2 x 3: map 0 on [-1, 1], map 1 on [10, 10] (constant).
	m := Maps{Shape: [3]int{2, 2, 3}, Min: []float32{-1, 10}, Max: []float32{1, 10},
		Data: []byte{0, 51, 255, 128, 1, 254, 0, 0, 0, 0, 0, 7}}
	for _, c := range []struct {
		c, y, x int
		want    float64
	}{
		{0, 0, 0, -1}, {0, 0, 2, 1}, {0, 0, 1, -1 + 2*51.0/255}, {0, 1, 0, -1 + 2*128.0/255},
		{0, 1, 2, -1 + 2*254.0/255}, {1, 0, 0, 10}, {1, 1, 2, 10},
	} {
		got := m.Value(c.c, c.y, c.x)
		if math.Abs(float64(got)-c.want) > 1e-6 {
			t.Errorf("Value(%d, %d, %d) = %v, want %v", c.c, c.y, c.x, got, c.want)
		}
	}
	// The quantiser's round trip: a value quantized to q on [lo, hi]
	// comes back within half a step.
	lo, hi := float32(-3.5), float32(8.25)
	step := float64(hi-lo) / 255
	for _, v := range []float64{-3.5, -1, 0, 2.2, 8.25} {
		q := byte(math.Round((v - float64(lo)) / step))
		got := Maps{Shape: [3]int{1, 1, 1}, Min: []float32{lo}, Max: []float32{hi}, Data: []byte{q}}.Value(0, 0, 0)
		if math.Abs(float64(got)-v) > step/2+1e-6 {
			t.Errorf("%v quantized to %d reads back as %v (step %v)", v, q, got, step)
		}
	}
}
