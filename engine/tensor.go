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
type Tensor struct {
	Shape []int
	Data  []float32 // len == product(Shape)
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

// Len returns the number of elements, len(t.Data).
func (t *Tensor) Len() int { return len(t.Data) }

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int{}, t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Check reports whether t is well formed: a valid shape whose element count
// equals len(t.Data).
func (t *Tensor) Check() error {
	if t == nil {
		return errors.New("nil tensor")
	}
	n, err := NumElements(t.Shape)
	if err != nil {
		return err
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
