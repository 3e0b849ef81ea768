package importpth

import (
	"encoding/binary"
	"math"
)

// dtype is the element type of a storage, named after the torch.*Storage
// class that pickles it.
type dtype struct {
	name string
	size int // bytes per element
	// decode converts one little-endian element to float32.
	decode func(b []byte) float32
}

var dtypes = map[string]*dtype{
	"FloatStorage": {"float32", 4, func(b []byte) float32 {
		return math.Float32frombits(binary.LittleEndian.Uint32(b))
	}},
	"HalfStorage": {"float16", 2, func(b []byte) float32 {
		return halfToFloat(binary.LittleEndian.Uint16(b))
	}},
	"BFloat16Storage": {"bfloat16", 2, func(b []byte) float32 {
		return math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16)
	}},
	"DoubleStorage": {"float64", 8, func(b []byte) float32 {
		return float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
	}},
	"LongStorage": {"int64", 8, func(b []byte) float32 {
		return float32(int64(binary.LittleEndian.Uint64(b)))
	}},
	"IntStorage": {"int32", 4, func(b []byte) float32 {
		return float32(int32(binary.LittleEndian.Uint32(b)))
	}},
	"ShortStorage": {"int16", 2, func(b []byte) float32 {
		return float32(int16(binary.LittleEndian.Uint16(b)))
	}},
	"CharStorage": {"int8", 1, func(b []byte) float32 { return float32(int8(b[0])) }},
	"ByteStorage": {"uint8", 1, func(b []byte) float32 { return float32(b[0]) }},
	"BoolStorage": {"bool", 1, func(b []byte) float32 {
		if b[0] != 0 {
			return 1
		}
		return 0
	}},
}

// halfToFloat converts an IEEE 754 binary16 value to float32 exactly
// (every half value, subnormals, infinities and NaN included, is a float32).
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0: // signed zero
		return math.Float32frombits(sign)
	default: // subnormal half: man * 2^-24, a normal float32
		f := float32(man) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
}
