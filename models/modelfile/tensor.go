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
	q := &Tensor{Name: name, Shape: append([]int(nil), t.Shape...), DType: Int8, Q: make([]int8, len(t.Data)), Axis: axis, Scales: make([]float32, t.Shape[axis])}
	maxAbs := make([]float32, len(q.Scales))
	var bad error
	channelRuns(t.Shape, axis, func(c, lo, hi int) {
		m := maxAbs[c]
		for i, v := range t.Data[lo:hi] {
			if v != v || v > math.MaxFloat32 || v < -math.MaxFloat32 {
				bad = fmt.Errorf("tensor %q: element %d is %v", name, lo+i, v)
			}
			m = max(m, v, -v)
		}
		maxAbs[c] = m
	})
	if bad != nil {
		return nil, bad
	}
	for c, m := range maxAbs {
		q.Scales[c] = float32(float64(m) / 127)
	}
	channelRuns(t.Shape, axis, func(c, lo, hi int) {
		s := q.Scales[c]
		if s == 0 {
			return
		}
		inv := 1 / float64(s)
		dst := q.Q[lo:hi]
		for i, v := range t.Data[lo:hi] {
			r := math.Round(float64(v) * inv)
			dst[i] = int8(max(-127, min(127, r)))
		}
	})
	return q, nil
}

// channelRuns calls f for each contiguous run of elements of a tensor of
// the given shape that share one index c along axis: elements [lo, hi).
func channelRuns(shape []int, axis int, f func(c, lo, hi int)) {
	outer, inner := 1, 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	channels := shape[axis]
	for o := range outer {
		for c := range channels {
			lo := (o*channels + c) * inner
			f(c, lo, lo+inner)
		}
	}
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
		out := make([]float32, n)
		channelRuns(t.Shape, t.Axis, func(c, lo, hi int) {
			s := t.Scales[c]
			dst := out[lo:hi]
			for i, q := range t.Q[lo:hi] {
				dst[i] = float32(q) * s
			}
		})
		return &engine.Tensor{Shape: append([]int(nil), t.Shape...), Data: out}, nil
	}
	return nil, fmt.Errorf("tensor %q: unknown dtype %q", t.Name, t.DType)
}

// Engine returns the tensor as an engine constant without copying its
// values: float32, or int8 with its per-channel scales.
func (t *Tensor) Engine() (*engine.Tensor, error) {
	if t.DType != Int8 {
		return t.Float()
	}
	et, err := engine.NewInt8Tensor(t.Q, t.Scales, t.Axis, t.Shape...)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return et, nil
}

// dataBytes is the size of the tensor's values (without int8 scales).
func (t *Tensor) dataBytes() int64 {
	if t.DType == Int8 {
		return int64(len(t.Q))
	}
	return 4 * int64(len(t.F32))
}
