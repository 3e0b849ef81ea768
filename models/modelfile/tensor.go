package modelfile

import (
	"fmt"
	"math"

	"convscope/engine"
)

// Tensor is one stored constant: float32 values, or int8 values with one
// float32 scale per index of the output-channel axis.
type Tensor struct {
	Name  string
	Shape []int
	DType DType
	F32   []float32 // DType Float32: len == product(Shape)
	Q     []int8    // DType Int8: len == product(Shape)
	// Axis is the output-channel axis of an int8 tensor (0 for a conv
	// weight (outC, inC, kH, kW) and a Gemm weight stored (out, in); 1 for
	// a Gemm weight stored (in, out)). Scales has Shape[Axis] entries.
	Axis   int
	Scales []float32
}

// FromFloat32 stores t as float32 (biases, batch norm, small tensors).
func FromFloat32(name string, t *engine.Tensor) (*Tensor, error) {
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return &Tensor{Name: name, Shape: append([]int(nil), t.Shape...), DType: Float32, F32: t.Data}, nil
}

// QuantizeInt8 stores t as int8, symmetric per output channel along axis:
// scale[c] = max|t[c]| / 127 and q = round(t / scale[c]), so the largest
// weight of each channel is exact and the error per weight is at most
// scale[c]/2. An all-zero channel gets scale 0. NaN or Inf is an error.
func QuantizeInt8(name string, t *engine.Tensor, axis int) (*Tensor, error) {
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	if axis < 0 || axis >= len(t.Shape) {
		return nil, fmt.Errorf("tensor %q: channel axis %d out of range for shape %v", name, axis, t.Shape)
	}
	channels, inner := t.Shape[axis], 1
	for _, d := range t.Shape[axis+1:] {
		inner *= d
	}
	q := &Tensor{Name: name, Shape: append([]int(nil), t.Shape...), DType: Int8, Q: make([]int8, len(t.Data)), Axis: axis, Scales: make([]float32, channels)}
	// Element i belongs to channel (i / inner) % channels.
	maxAbs := make([]float64, channels)
	for i, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("tensor %q: element %d is %v", name, i, v)
		}
		c := (i / inner) % channels
		maxAbs[c] = max(maxAbs[c], math.Abs(float64(v)))
	}
	for c, m := range maxAbs {
		q.Scales[c] = float32(m / 127)
	}
	for i, v := range t.Data {
		s := q.Scales[(i/inner)%channels]
		if s == 0 {
			continue
		}
		r := math.Round(float64(v) / float64(s))
		q.Q[i] = int8(max(-127, min(127, r)))
	}
	return q, nil
}

// Float returns the tensor's values as float32 (dequantized for int8).
func (t *Tensor) Float() (*engine.Tensor, error) {
	n, err := engine.NumElements(t.Shape)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	switch t.DType {
	case Float32:
		if len(t.F32) != n {
			return nil, fmt.Errorf("tensor %q: %d values for shape %v", t.Name, len(t.F32), t.Shape)
		}
		return &engine.Tensor{Shape: append([]int(nil), t.Shape...), Data: t.F32}, nil
	case Int8:
		if len(t.Q) != n || t.Axis < 0 || t.Axis >= len(t.Shape) || len(t.Scales) != t.Shape[t.Axis] {
			return nil, fmt.Errorf("tensor %q: int8 data does not match shape %v and axis %d", t.Name, t.Shape, t.Axis)
		}
		inner := 1
		for _, d := range t.Shape[t.Axis+1:] {
			inner *= d
		}
		channels := t.Shape[t.Axis]
		out := make([]float32, n)
		for i, q := range t.Q {
			out[i] = float32(q) * t.Scales[(i/inner)%channels]
		}
		return &engine.Tensor{Shape: append([]int(nil), t.Shape...), Data: out}, nil
	}
	return nil, fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
}

// dataBytes is the size of the tensor's values (without int8 scales).
func (t *Tensor) dataBytes() int64 {
	if t.DType == Int8 {
		return int64(len(t.Q))
	}
	return 4 * int64(len(t.F32))
}
