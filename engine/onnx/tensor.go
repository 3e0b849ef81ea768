package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"convscope/engine"
)

// MaxRank is the largest number of dimensions a tensor may have. ONNX sets
// no limit; the classic CNNs use at most 4, the conformance tests at most 6.
const MaxRank = 16

// Tensor is a decoded TensorProto. Its values are in exactly one slice:
// Float32 for FLOAT, Float64 for DOUBLE, Int64 for the integer types and
// BOOL (0 or 1). Dims are validated: every dimension is positive and their
// product, the element count, is at most engine.MaxElements and equals the
// length of the value slice. A tensor with no dims is a scalar (1 element).
type Tensor struct {
	Name     string
	DataType DataType
	Dims     []int
	Float32  []float32
	Float64  []float64
	Int64    []int64
}

// Len returns the number of elements.
func (t *Tensor) Len() int {
	switch t.DataType {
	case Float:
		return len(t.Float32)
	case Double:
		return len(t.Float64)
	}
	return len(t.Int64)
}

// ReadTensor decodes a serialized TensorProto (the .pb files of the ONNX
// test data) into an engine tensor and returns it with its name. Only FLOAT
// tensors convert; any other data type is an error naming the type.
func ReadTensor(data []byte) (*engine.Tensor, string, error) {
	t, err := ReadTensorProto(data)
	if err != nil {
		return nil, "", err
	}
	et, err := t.Engine()
	if err != nil {
		return nil, t.Name, err
	}
	return et, t.Name, nil
}

// ReadTensorProto decodes a serialized TensorProto of any data type this
// package understands (see Tensor).
func ReadTensorProto(data []byte) (*Tensor, error) {
	t, err := decodeTensor(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return t, nil
}

// Engine converts a FLOAT tensor to an engine tensor (sharing its values).
func (t *Tensor) Engine() (*engine.Tensor, error) {
	if t.DataType != Float {
		return nil, fmt.Errorf("onnx: tensor %q: data type %v not supported (only FLOAT tensors carry data into the engine)", t.Name, t.DataType)
	}
	et, err := engine.FromData(t.Float32, t.Dims...)
	if err != nil {
		return nil, fmt.Errorf("onnx: tensor %q: %w", t.Name, err)
	}
	return et, nil
}

// tensorFields collects the fields of a TensorProto before validation.
type tensorFields struct {
	name      string
	dataType  int32
	dims      []int64
	raw       []byte
	hasRaw    bool
	floats    []float32
	int32s    []int64 // int32_data, sign-extended by the wire format
	int64s    []int64
	doubles   []float64
	uint64s   []int64 // uint64_data (bit pattern)
	nStrings  int
	external  bool
	segmented bool
}

// TensorProto field numbers (onnx.proto).
const (
	tensorDims         = 1
	tensorDataType     = 2
	tensorSegment      = 3
	tensorFloatData    = 4
	tensorInt32Data    = 5
	tensorStringData   = 6
	tensorInt64Data    = 7
	tensorName         = 8
	tensorRawData      = 9
	tensorDoubleData   = 10
	tensorUint64Data   = 11
	tensorExternalData = 13
	tensorDataLocation = 14
)

func decodeTensor(b []byte) (*Tensor, error) {
	var tf tensorFields
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case tensorDims:
			tf.dims, err = appendVarints(tf.dims, f)
			if err == nil && len(tf.dims) > MaxRank {
				err = fmt.Errorf("more than %d dimensions", MaxRank)
			}
		case tensorDataType:
			tf.dataType, err = f.int32()
		case tensorSegment:
			tf.segmented = true
		case tensorFloatData:
			tf.floats, err = appendFixed32s(tf.floats, f)
		case tensorInt32Data:
			tf.int32s, err = appendVarints(tf.int32s, f)
		case tensorStringData:
			tf.nStrings++
		case tensorInt64Data:
			tf.int64s, err = appendVarints(tf.int64s, f)
		case tensorName:
			tf.name, err = f.str()
		case tensorRawData:
			tf.raw, err = f.bytes()
			tf.hasRaw = true
		case tensorDoubleData:
			tf.doubles, err = appendFixed64s(tf.doubles, f)
		case tensorUint64Data:
			tf.uint64s, err = appendVarints(tf.uint64s, f)
		case tensorExternalData:
			tf.external = true
		case tensorDataLocation:
			var loc int32
			loc, err = f.int32()
			if loc != 0 {
				tf.external = true
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tf.name, err)
	}
	t, err := tf.tensor()
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tf.name, err)
	}
	return t, nil
}

// tensor validates the collected fields and builds the Tensor. The element
// count is checked against the data actually present before anything of
// that size is allocated, so a header claiming 2^40 elements costs nothing.
func (tf *tensorFields) tensor() (*Tensor, error) {
	dt := DataType(tf.dataType)
	switch {
	case tf.external:
		return nil, errors.New("external data not supported")
	case tf.segmented:
		return nil, errors.New("segmented tensors not supported")
	case dt.elemSize() == 0:
		return nil, fmt.Errorf("data type %v not supported", dt)
	}
	dims := make([]int, len(tf.dims))
	n := 1
	for i, d := range tf.dims {
		if d <= 0 {
			return nil, fmt.Errorf("dims %v: dimension %d is %d, only positive dimensions are supported", tf.dims, i, d)
		}
		if d > int64(engine.MaxElements/n) {
			return nil, fmt.Errorf("dims %v: more than %d elements: %w", tf.dims, engine.MaxElements, engine.ErrTooLarge)
		}
		dims[i] = int(d)
		n *= int(d)
	}
	t := &Tensor{Name: tf.name, DataType: dt, Dims: dims}

	// Which typed field holds this type's values; the others must be empty.
	var typed int
	switch {
	case dt == Float:
		typed = len(tf.floats)
	case dt == Double:
		typed = len(tf.doubles)
	case dt == Int64:
		typed = len(tf.int64s)
	case dt == Uint32:
		typed = len(tf.uint64s)
	case dt.usesInt32Data():
		typed = len(tf.int32s)
	}
	all := len(tf.floats) + len(tf.doubles) + len(tf.int64s) + len(tf.uint64s) + len(tf.int32s) + tf.nStrings
	if all != typed {
		return nil, fmt.Errorf("data type %v but values in another type's field", dt)
	}

	if tf.hasRaw {
		if typed != 0 {
			return nil, errors.New("both raw_data and typed values")
		}
		size := dt.elemSize()
		if int64(len(tf.raw)) != int64(n)*int64(size) {
			return nil, fmt.Errorf("dims %v need %d bytes of %v, raw_data has %d", tf.dims, int64(n)*int64(size), dt, len(tf.raw))
		}
		t.setRaw(tf.raw, n)
		return t, nil
	}
	if typed != n {
		return nil, fmt.Errorf("dims %v need %d values, tensor has %d", tf.dims, n, typed)
	}
	switch {
	case dt == Float:
		t.Float32 = tf.floats
	case dt == Double:
		t.Float64 = tf.doubles
	case dt == Int64:
		t.Int64 = tf.int64s
	case dt == Uint32:
		t.Int64 = tf.uint64s
	default:
		t.Int64 = tf.int32s
	}
	if dt == Bool {
		for i, v := range t.Int64 {
			if v != 0 {
				t.Int64[i] = 1
			}
		}
	}
	return t, nil
}

// setRaw decodes n little-endian elements of t.DataType from raw, whose
// length the caller has checked.
func (t *Tensor) setRaw(raw []byte, n int) {
	le := binary.LittleEndian
	switch t.DataType {
	case Float:
		t.Float32 = make([]float32, n)
		for i := range t.Float32 {
			t.Float32[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
		return
	case Double:
		t.Float64 = make([]float64, n)
		for i := range t.Float64 {
			t.Float64[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
		return
	}
	t.Int64 = make([]int64, n)
	for i := range t.Int64 {
		var v int64
		switch t.DataType {
		case Int64:
			v = int64(le.Uint64(raw[8*i:]))
		case Int32:
			v = int64(int32(le.Uint32(raw[4*i:])))
		case Uint32:
			v = int64(le.Uint32(raw[4*i:]))
		case Int16:
			v = int64(int16(le.Uint16(raw[2*i:])))
		case Uint16:
			v = int64(le.Uint16(raw[2*i:]))
		case Int8:
			v = int64(int8(raw[i]))
		case Uint8:
			v = int64(raw[i])
		case Bool:
			if raw[i] != 0 {
				v = 1
			}
		}
		t.Int64[i] = v
	}
}
