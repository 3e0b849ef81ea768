package engine

import "fmt"

// AutoPad is ONNX's auto_pad attribute of Conv and the pools. Importers
// resolve it into explicit pads with ResolveAutoPad, so the graph only ever
// holds explicit pads.
type AutoPad uint8

const (
	AutoPadNotSet    AutoPad = iota // explicit pads are used
	AutoPadValid                    // no padding
	AutoPadSameUpper                // output = ceil(in/stride); odd padding goes at the end
	AutoPadSameLower                // output = ceil(in/stride); odd padding goes at the beginning
)

// ParseAutoPad parses ONNX's spelling ("NOTSET", "VALID", "SAME_UPPER",
// "SAME_LOWER"; "" means NOTSET).
func ParseAutoPad(s string) (AutoPad, error) {
	switch s {
	case "", "NOTSET":
		return AutoPadNotSet, nil
	case "VALID":
		return AutoPadValid, nil
	case "SAME_UPPER":
		return AutoPadSameUpper, nil
	case "SAME_LOWER":
		return AutoPadSameLower, nil
	}
	return 0, fmt.Errorf("unknown auto_pad %q", s)
}

// ResolveAutoPad returns the padding of one spatial axis of input size in for
// a kernel, stride and dilation (values <= 0 are taken as 1, except in). For
// NOTSET and VALID it returns 0, 0. For SAME_* the output size is
// ceil(in/stride) and the total padding is
// max(0, (out-1)*stride + (kernel-1)*dilation + 1 - in), split evenly with
// the odd element at the end (SAME_UPPER) or the beginning (SAME_LOWER).
func ResolveAutoPad(mode AutoPad, in, kernel, stride, dilation int) (padBegin, padEnd int) {
	if mode != AutoPadSameUpper && mode != AutoPadSameLower || in <= 0 {
		return 0, 0
	}
	kernel, stride, dilation = max(kernel, 1), max(stride, 1), max(dilation, 1)
	if kernel > MaxElements || stride > MaxElements || dilation > MaxElements || in > MaxElements {
		return 0, 0 // absurd sizes: leave it to shape inference to reject
	}
	out := (in + stride - 1) / stride
	total := max(0, (out-1)*stride+(kernel-1)*dilation+1-in)
	if mode == AutoPadSameUpper {
		return total / 2, total - total/2
	}
	return total - total/2, total / 2
}
