package engine

import "fmt"

// OpKind names an operator. Its String() is the ONNX operator name (OpBatchNorm
// is "BatchNormalization"), except AdaptiveAvgPool, PyTorch's
// AdaptiveAvgPool2d, which ONNX lacks. Strings are parsed only at file-format
// boundaries (ParseOpKind, UnmarshalText).
type OpKind uint8

// The operator kinds. Zero is deliberately invalid.
const (
	OpConv OpKind = iota + 1
	OpRelu
	OpMaxPool
	OpAveragePool
	OpGlobalAveragePool
	OpGlobalMaxPool
	OpAdaptiveAvgPool
	OpLRN
	OpBatchNorm // BatchNormalization
	OpGemm
	OpMatMul
	OpFlatten
	OpReshape
	OpConcat
	OpAdd
	OpMul
	OpSigmoid
	OpSoftmax
	OpDropout
	OpIdentity
	OpPad
	// numOps is one past the last kind; keep it last.
	numOps
)

// ParseOpKind returns the kind whose String() is s ("Conv" -> OpConv).
func ParseOpKind(s string) (OpKind, error) {
	for k := OpConv; k < numOps; k++ {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown operator %q", s)
}

// Valid reports whether k is one of the defined kinds.
func (k OpKind) Valid() bool { return k >= OpConv && k < numOps }

// MarshalText encodes k by name, so JSON files hold "Conv", not a number.
func (k OpKind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("invalid operator kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes a name written by MarshalText.
func (k *OpKind) UnmarshalText(b []byte) error {
	v, err := ParseOpKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
