package modelfile

import (
	"math"
	"testing"

	"convscope/engine"
)

// TestPerChannelScales quantizes a conv weight whose output channels differ
// in magnitude by 10^4: each channel gets its own scale, its largest weight
// is exact, and every weight is within half a step of its channel's scale
// (a per-tensor scale would round the small channel to zero).
func TestPerChannelScales(t *testing.T) {
	w, _ := engine.NewTensor(3, 2, 2, 2) // (outC, inC, kH, kW)
	mag := []float32{1e-4, 1, 3}
	for i := range w.Data {
		c := i / 8
		w.Data[i] = mag[c] * float32(math.Sin(float64(i)+0.5))
	}
	q, err := QuantizeInt8("w", w, 0)
	if err != nil {
		t.Fatal(err)
	}
	back, err := q.Float()
	if err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		var maxAbs float64
		for _, v := range w.Data[c*8 : (c+1)*8] {
			maxAbs = max(maxAbs, math.Abs(float64(v)))
		}
		if want := float32(maxAbs / 127); q.Scales[c] != want {
			t.Errorf("channel %d: scale %g, want %g", c, q.Scales[c], want)
		}
		for i := c * 8; i < (c+1)*8; i++ {
			if d := math.Abs(float64(back.Data[i] - w.Data[i])); d > float64(q.Scales[c])/2*1.0001 {
				t.Errorf("element %d: %g -> %g, error over half a step %g", i, w.Data[i], back.Data[i], q.Scales[c]/2)
			}
			if math.Abs(float64(w.Data[i])) == maxAbs && math.Abs(float64(q.Q[i])) != 127 {
				t.Errorf("element %d: channel maximum quantized to %d, want +-127", i, q.Q[i])
			}
		}
	}
}

// TestQuantizeAxis1 checks a Gemm weight stored (in, out): scales follow
// the columns.
func TestQuantizeAxis1(t *testing.T) {
	w := &engine.Tensor{Shape: []int{2, 3}, Data: []float32{1, 10, 100, -0.5, 5, -50}}
	q, err := QuantizeInt8("w", w, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1.0 / 127, 10.0 / 127, 100.0 / 127}
	for i := range want {
		if math.Abs(float64(q.Scales[i]-want[i])) > 1e-9 {
			t.Errorf("scale %d = %g, want %g", i, q.Scales[i], want[i])
		}
	}
	if q.Q[0] != 127 || q.Q[3] != -64 {
		t.Errorf("q = %v", q.Q)
	}
}

func TestQuantizeZeroAndBad(t *testing.T) {
	w := &engine.Tensor{Shape: []int{2, 2}, Data: []float32{0, 0, 1, -1}}
	q, err := QuantizeInt8("w", w, 0)
	if err != nil {
		t.Fatal(err)
	}
	if q.Scales[0] != 0 || q.Q[0] != 0 || q.Q[2] != 127 || q.Q[3] != -127 {
		t.Errorf("zero channel: scales %v q %v", q.Scales, q.Q)
	}
	w.Data[1] = float32(math.Inf(1))
	if _, err := QuantizeInt8("w", w, 0); err == nil {
		t.Error("Inf accepted")
	}
	if _, err := QuantizeInt8("w", &engine.Tensor{Shape: []int{2}, Data: []float32{1, 2}}, 1); err == nil {
		t.Error("axis out of range accepted")
	}
}
