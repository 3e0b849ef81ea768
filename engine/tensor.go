package engine

import (
	"errors"
	"fmt"
)

// MaxElements is the largest number of elements a single tensor may hold
// (2^31 - 1, so every index fits an int32 on every platform, and far more than
// any layer of the supported networks needs: VGG16's largest activation has
// 3.2 million elements per image). Larger shapes are rejected before anything
// is allocated.
const MaxElements = 1<<31 - 1

// ErrTooLarge is wrapped by errors about shapes over MaxElements.
var ErrTooLarge = errors.New("tensor too large")

// Tensor is a dense float32 tensor in row-major order (NCHW for images).
// A constant may instead hold int8 values (Int8 set, Data nil): the conv
// and fc weights of a model file stay int8 in memory, a quarter of their
// float32 size, and the GEMM dequantizes them as it packs them. Conv (its
// weights), Gemm and MatMul read int8 constants directly; Compile gives
// every other consumer a float32 copy.
type Tensor struct {
	Shape []int
	Data  []float32 // len == product(Shape); nil when Int8 holds the values
	Int8  *Int8
}

// Int8 holds a tensor's values quantized per channel: element i is
// float32(Q[i]) * Scales[c], c being its index along Axis (the output
// channel: 0 for a conv weight (outC, inC/group, kH, kW) and a Gemm weight
// stored (out, in), 1 for one stored (in, out)).
type Int8 struct {
	Q      []int8 // len == product(Shape)
	Scales []float32
	Axis   int
}

// NewInt8Tensor wraps q and scales (no copy) as a tensor of the given shape
// with per-channel scales along axis, after checking their sizes.
func NewInt8Tensor(q []int8, scales []float32, axis int, shape ...int) (*Tensor, error) {
	t := &Tensor{Shape: append([]int{}, shape...), Int8: &Int8{Q: q, Scales: scales, Axis: axis}}
	if err := t.Check(); err != nil {
		return nil, err
	}
	return t, nil
}

// Float32 returns t's values as float32: Data itself, or a dequantized
// copy of int8 values (for what needs the float values of a small tensor,
// such as drawing a first layer's filters).
func (t *Tensor) Float32() []float32 {
	if t.Int8 == nil {
		return t.Data
	}
	out := make([]float32, len(t.Int8.Q))
	outer, inner := 1, 1
	for _, d := range t.Shape[:t.Int8.Axis] {
		outer *= d
	}
	for _, d := range t.Shape[t.Int8.Axis+1:] {
		inner *= d
	}
	channels := t.Shape[t.Int8.Axis]
	for o := range outer {
		for c, s := range t.Int8.Scales[:channels] {
			lo := (o*channels + c) * inner
			for i, q := range t.Int8.Q[lo : lo+inner] {
				// The rounding the GEMM's dequantization does (gemm.Matrix).
				out[lo+i] = float32(float32(q) * s)
			}
		}
	}
	return out
}

// Values returns the float32 values of elements [lo, hi): a view of Data,
// or a dequantized copy of those int8 values (one conv kernel, one row of
// an fc layer) without dequantizing the whole tensor.
func (t *Tensor) Values(lo, hi int) []float32 {
	q := t.Int8
	if q == nil {
		return t.Data[lo:hi]
	}
	inner := 1
	for _, d := range t.Shape[q.Axis+1:] {
		inner *= d
	}
	channels := t.Shape[q.Axis]
	out := make([]float32, hi-lo)
	for i := range out {
		s := q.Scales[(lo+i)/inner%channels]
		out[i] = float32(float32(q.Q[lo+i]) * s)
	}
	return out
}

// Dequantized returns t itself when it is float32, else a float32 tensor
// with its dequantized values.
func (t *Tensor) Dequantized() *Tensor {
	if t.Int8 == nil {
		return t
	}
	return &Tensor{Shape: append([]int{}, t.Shape...), Data: t.Float32()}
}

// NewTensor returns a zero tensor of the given shape. It returns an error,
// without allocating, when a dimension is <= 0 or the element count exceeds
// MaxElements.
func NewTensor(shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	return &Tensor{Shape: append([]int{}, shape...), Data: make([]float32, n)}, nil
}

// FromData wraps data as a tensor of the given shape (no copy). It checks that
// the shape is valid and matches len(data).
func FromData(data []float32, shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		return nil, fmt.Errorf("shape %v needs %d elements, data has %d", shape, n, len(data))
	}
	return &Tensor{Shape: append([]int{}, shape...), Data: data}, nil
}

// Len returns the number of elements (len(t.Data) for a float32 tensor).
func (t *Tensor) Len() int {
	if t.Int8 != nil {
		return len(t.Int8.Q)
	}
	return len(t.Data)
}

// Clone returns a deep copy of t, as float32 (dequantized when int8).
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int{}, t.Shape...), Data: append([]float32(nil), t.Float32()...)}
}

// Check reports whether t is well formed: a valid shape whose element count
// equals len(t.Data), or for an int8 tensor len(Q), with one scale per
// index of its axis and no float32 data.
func (t *Tensor) Check() error {
	if t == nil {
		return errors.New("nil tensor")
	}
	n, err := NumElements(t.Shape)
	if err != nil {
		return err
	}
	if q := t.Int8; q != nil {
		switch {
		case t.Data != nil:
			return errors.New("tensor has both float32 and int8 values")
		case n != len(q.Q):
			return fmt.Errorf("shape %v needs %d elements, int8 data has %d", t.Shape, n, len(q.Q))
		case q.Axis < 0 || q.Axis >= len(t.Shape):
			return fmt.Errorf("int8 channel axis %d out of range for shape %v", q.Axis, t.Shape)
		case len(q.Scales) != t.Shape[q.Axis]:
			return fmt.Errorf("int8 tensor of shape %v has %d scales along axis %d, want %d", t.Shape, len(q.Scales), q.Axis, t.Shape[q.Axis])
		}
		return nil
	}
	if n != len(t.Data) {
		return fmt.Errorf("shape %v needs %d elements, data has %d", t.Shape, n, len(t.Data))
	}
	return nil
}

// NumElements returns the product of shape, or an error if a dimension is
// <= 0 or the product exceeds MaxElements. The product is checked before
// each multiplication, so it cannot overflow. A rank-0 shape has 1 element.
func NumElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return 0, fmt.Errorf("shape %v: dimension %d is not positive", shape, d)
		}
		if d > MaxElements/n {
			return 0, fmt.Errorf("shape %v: more than %d elements: %w", shape, MaxElements, ErrTooLarge)
		}
		n *= d
	}
	return n, nil
}

// mulCheck returns a*b for non-negative a, b, or an error when the product
// exceeds MaxElements. Kernels use it for scratch buffer sizes.
func mulCheck(a, b int) (int, error) {
	if a < 0 || b < 0 {
		return 0, fmt.Errorf("negative size %d x %d", a, b)
	}
	if a != 0 && b > MaxElements/a {
		return 0, fmt.Errorf("%d x %d elements: %w", a, b, ErrTooLarge)
	}
	return a * b, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
