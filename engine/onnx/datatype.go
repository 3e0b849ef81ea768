package onnx

// DataType is the element type of an ONNX tensor (TensorProto.DataType).
// String() returns the name onnx.proto uses ("FLOAT", "INT64").
type DataType int32

//go:generate go tool stringer -type=DataType -linecomment

// The ONNX data types, numbered as in onnx.proto.
const (
	Undefined  DataType = iota // UNDEFINED
	Float                      // FLOAT
	Uint8                      // UINT8
	Int8                       // INT8
	Uint16                     // UINT16
	Int16                      // INT16
	Int32                      // INT32
	Int64                      // INT64
	String                     // STRING
	Bool                       // BOOL
	Float16                    // FLOAT16
	Double                     // DOUBLE
	Uint32                     // UINT32
	Uint64                     // UINT64
	Complex64                  // COMPLEX64
	Complex128                 // COMPLEX128
	BFloat16                   // BFLOAT16
)

// elemSize is the size in bytes of one element of t in raw_data, or 0 for
// the types this package does not decode.
func (t DataType) elemSize() int {
	switch t {
	case Float, Int32, Uint32:
		return 4
	case Int64, Double, Uint64:
		return 8
	case Int16, Uint16:
		return 2
	case Int8, Uint8, Bool:
		return 1
	}
	return 0
}

// usesInt32Data reports whether the typed (non-raw) values of t live in
// TensorProto.int32_data, as onnx.proto specifies for the narrow integer
// types and bool.
func (t DataType) usesInt32Data() bool {
	switch t {
	case Int32, Int16, Int8, Uint16, Uint8, Bool:
		return true
	}
	return false
}
