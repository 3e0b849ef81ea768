package onnx

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field. Only the member that matches typ is
// set: v for varint, fixed32 and fixed64 fields, b for length-delimited ones
// (b aliases the input, it is not copied).
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// eachField calls fn for every field of the message encoded in b, in order.
// Every length is checked by protowire against what is left of b, so a
// truncated or malformed message is an error, never a read out of range.
// Groups (a proto2 feature ONNX does not use) are rejected rather than
// skipped, so no input can make the decoder recurse.
func eachField(b []byte, fn func(f field) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			return fmt.Errorf("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// wireTypeError reports a known field encoded with the wrong wire type.
func wireTypeError(f field, want string) error {
	return fmt.Errorf("field %d: wire type %d, want %s", f.num, f.typ, want)
}

// str returns a string field's value.
func (f field) str() (string, error) {
	if f.typ != protowire.BytesType {
		return "", wireTypeError(f, "bytes")
	}
	return string(f.b), nil
}

// bytes returns a bytes or embedded-message field's value.
func (f field) bytes() ([]byte, error) {
	if f.typ != protowire.BytesType {
		return nil, wireTypeError(f, "bytes")
	}
	return f.b, nil
}

// int64 returns an int64 (or int32 or enum) field's value. Negative int32
// values are sign-extended to ten bytes on the wire, so the conversion is the
// same for both widths.
func (f field) int64() (int64, error) {
	if f.typ != protowire.VarintType {
		return 0, wireTypeError(f, "varint")
	}
	return int64(f.v), nil
}

// int32 returns an int32 or enum field's value, rejecting values that do not
// fit in 32 bits.
func (f field) int32() (int32, error) {
	v, err := f.int64()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("field %d: value %d does not fit in int32", f.num, v)
	}
	return int32(v), nil
}

// float32 returns a float field's value.
func (f field) float32() (float32, error) {
	if f.typ != protowire.Fixed32Type {
		return 0, wireTypeError(f, "fixed32")
	}
	return math.Float32frombits(uint32(f.v)), nil
}

// Repeated scalar fields may be packed (one length-delimited field holding
// all values) or not (one field per value); a parser must accept both.

// appendVarints appends the values of a repeated varint field.
func appendVarints(dst []int64, f field) ([]int64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, int64(f.v)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("field %d: packed varint: %w", f.num, protowire.ParseError(n))
			}
			dst = append(dst, int64(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, wireTypeError(f, "varint or packed varints")
}

// appendFixed32s appends the values of a repeated float (fixed32) field.
func appendFixed32s(dst []float32, f field) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.v))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, fmt.Errorf("field %d: packed floats: %d bytes is not a multiple of 4", f.num, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[4:] {
			v, _ := protowire.ConsumeFixed32(b)
			dst = append(dst, math.Float32frombits(v))
		}
		return dst, nil
	}
	return nil, wireTypeError(f, "fixed32 or packed fixed32")
}

// appendFixed64s appends the values of a repeated double (fixed64) field.
func appendFixed64s(dst []float64, f field) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.v)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, fmt.Errorf("field %d: packed doubles: %d bytes is not a multiple of 8", f.num, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[8:] {
			v, _ := protowire.ConsumeFixed64(b)
			dst = append(dst, math.Float64frombits(v))
		}
		return dst, nil
	}
	return nil, wireTypeError(f, "fixed64 or packed fixed64")
}

// errDuplicate is returned when a singular embedded message appears twice.
// Protobuf would merge the two; ONNX writers never split a message, so a
// second copy means a damaged or crafted file.
var errDuplicate = errors.New("field appears twice")
