package onnx

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"

	"convscope/engine"
)

// WriteOpset is the ai.onnx operator set version WriteModel declares, and
// writeIRVersion the IR version that goes with it (IR 7 introduced opset
// 13). Opset 13 is old enough for every runtime in use and new enough for
// Softmax's single-axis reading, which is what the engine computes.
const (
	WriteOpset     = 13
	writeIRVersion = 7
)

// MarshalModel returns g as a serialized ModelProto; see WriteModel.
func MarshalModel(g *engine.Graph) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteModel(&buf, g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteModel writes g as an ONNX model (ModelProto, opset 13) so that other
// runtimes can run exactly the architecture and weights the engine runs:
// the reference runtimes of `convscope bench` read what it writes.
//
// Every engine node becomes the ONNX node of the same name (a conv with a
// fused ReLU becomes Conv + Relu), constants become initializers with
// float32 raw_data, and the graph inputs and outputs get their float shapes.
// AdaptiveAvgPool, which ONNX lacks, becomes the AveragePool it equals when
// each output cell averages an equal, disjoint window (the input size a
// multiple of the output size, as in AlexNet and VGG at 224x224); any other
// is an error. The graph is compiled first (without fusion), so a graph the
// engine would refuse is an error here too.
//
// Initializer data is streamed to w, so writing VGG16's 553 MB of weights
// costs only a small buffer beyond the graph itself.
func WriteModel(w io.Writer, g *engine.Graph) error {
	if g == nil {
		return errors.New("onnx: write: nil graph")
	}
	p, err := engine.Compile(g, engine.Options{NoFuse: true, Workers: 1})
	if err != nil {
		return fmt.Errorf("onnx: write: %w", err)
	}
	wr := &writer{g: g, shapes: p.Shapes(), used: map[string]bool{}}
	head, err := wr.graphHead()
	if err != nil {
		return fmt.Errorf("onnx: write: %w", err)
	}
	consts := wr.constNames()
	// The graph's length prefix must come before its bytes: add up the
	// initializers' encoded sizes without encoding their data.
	graphLen := len(head) + len(wr.extra)
	for _, name := range consts {
		hdr := tensorHeader(name, g.Consts[name].Shape, Float)
		n := len(hdr) + protowire.SizeTag(tensorRawData) + protowire.SizeBytes(4*g.Consts[name].Len())
		graphLen += protowire.SizeTag(graphInitializer) + protowire.SizeBytes(n)
	}

	bw := bufio.NewWriterSize(w, 1<<16)
	var b []byte
	b = protowire.AppendTag(b, modelIRVersion, protowire.VarintType)
	b = protowire.AppendVarint(b, writeIRVersion)
	b = appendString(b, modelProducerName, "convscope")
	b = protowire.AppendTag(b, modelOpsetImport, protowire.BytesType)
	var op []byte
	op = appendString(op, 1, "")
	op = protowire.AppendTag(op, 2, protowire.VarintType)
	op = protowire.AppendVarint(op, WriteOpset)
	b = protowire.AppendBytes(b, op)
	b = protowire.AppendTag(b, modelGraph, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(graphLen))
	b = append(b, head...)
	b = append(b, wr.extra...)
	if _, err := bw.Write(b); err != nil {
		return err
	}
	for _, name := range consts {
		if err := writeFloatInitializer(bw, name, g.Consts[name]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writer holds the state of one WriteModel call.
type writer struct {
	g      *engine.Graph
	shapes map[string][]int
	// used is every value name in the graph, so names the writer invents
	// (a fused conv's pre-ReLU output, Reshape's shape) are fresh.
	used map[string]bool
	// extra holds initializers the writer adds (INT64 shapes and pads,
	// Pad's constant value), already encoded as graph fields.
	extra []byte
}

// graphHead encodes the graph's name, nodes, inputs and outputs.
func (wr *writer) graphHead() ([]byte, error) {
	g := wr.g
	for _, in := range g.Inputs {
		wr.used[in.Name] = true
	}
	for name := range g.Consts {
		wr.used[name] = true
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			wr.used[o] = true
		}
	}
	b := appendString(nil, graphName, "convscope")
	for _, n := range g.Nodes {
		nodes, err := wr.node(n)
		if err != nil {
			return nil, fmt.Errorf("node %q (%v): %w", n.Name, n.Op, err)
		}
		for _, nb := range nodes {
			b = protowire.AppendTag(b, graphNode, protowire.BytesType)
			b = protowire.AppendBytes(b, nb)
		}
	}
	for _, in := range g.Inputs {
		b = protowire.AppendTag(b, graphInput, protowire.BytesType)
		b = protowire.AppendBytes(b, valueInfoProto(in.Name, in.Shape))
	}
	for _, out := range g.Outputs {
		shape, ok := wr.shapes[out]
		if !ok {
			return nil, fmt.Errorf("graph output %q has no inferred shape", out)
		}
		b = protowire.AppendTag(b, graphOutput, protowire.BytesType)
		b = protowire.AppendBytes(b, valueInfoProto(out, shape))
	}
	return b, nil
}

// constNames lists the constants nodes use, sorted so the output does not
// depend on map order.
func (wr *writer) constNames() []string {
	names := make([]string, 0, len(wr.g.Consts))
	for name := range wr.g.Consts {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// fresh returns a value name based on base that the graph does not use.
func (wr *writer) fresh(base string) string {
	name := base
	for i := 1; wr.used[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	wr.used[name] = true
	return name
}

// node encodes one engine node as one or more NodeProtos.
func (wr *writer) node(n *engine.Node) ([][]byte, error) {
	in := n.Inputs
	simple := func(opType string) ([][]byte, error) {
		return [][]byte{nodeProto(n.Name, opType, in, n.Outputs, nil)}, nil
	}
	switch n.Op {
	case engine.OpRelu, engine.OpSigmoid, engine.OpIdentity, engine.OpGlobalAveragePool,
		engine.OpGlobalMaxPool, engine.OpAdd, engine.OpMul, engine.OpMatMul:
		return simple(n.Op.String())
	case engine.OpConv:
		p, err := params[engine.ConvParams](n)
		if err != nil {
			return nil, err
		}
		a := attrList{}
		a.ints("dilations", ones(p.Dilations))
		a.int("group", int64(max(p.Group, 1)))
		if p.Kernel != [2]int{} { // zero: the weight's (kH, kW), as ONNX's default
			a.ints("kernel_shape", p.Kernel[:])
		}
		a.ints("pads", p.Pads[:])
		a.ints("strides", ones(p.Strides))
		if !p.Relu {
			return [][]byte{nodeProto(n.Name, "Conv", in, n.Outputs, a)}, nil
		}
		// ONNX has no fused conv+ReLU: write the conv to a new value and
		// the ReLU to the node's output.
		if len(n.Outputs) != 1 {
			return nil, fmt.Errorf("%d outputs, want 1", len(n.Outputs))
		}
		mid := wr.fresh(n.Outputs[0] + ".conv")
		return [][]byte{
			nodeProto(n.Name, "Conv", in, []string{mid}, a),
			nodeProto(n.Name+".relu", "Relu", []string{mid}, n.Outputs, nil),
		}, nil
	case engine.OpMaxPool, engine.OpAveragePool:
		p, err := params[engine.PoolParams](n)
		if err != nil {
			return nil, err
		}
		a := attrList{}
		a.int("ceil_mode", boolInt(p.CeilMode))
		if n.Op == engine.OpAveragePool {
			a.int("count_include_pad", boolInt(p.CountIncludePad))
			// AveragePool's dilations arrived in opset 19.
			if d := ones(p.Dilations); d[0] != 1 || d[1] != 1 {
				return nil, fmt.Errorf("dilations %v need opset 19; writing opset %d", p.Dilations, WriteOpset)
			}
		} else {
			a.ints("dilations", ones(p.Dilations))
		}
		a.ints("kernel_shape", p.Kernel[:])
		a.ints("pads", p.Pads[:])
		a.ints("strides", ones(p.Strides))
		return [][]byte{nodeProto(n.Name, n.Op.String(), in, n.Outputs, a)}, nil
	case engine.OpAdaptiveAvgPool:
		p, err := params[engine.AdaptiveAvgPoolParams](n)
		if err != nil {
			return nil, err
		}
		x := wr.shapes[in[0]]
		if len(x) != 4 {
			return nil, fmt.Errorf("input shape %v: want (N, C, H, W)", x)
		}
		var k [2]int
		for i := range 2 {
			if p.Out[i] <= 0 || x[2+i]%p.Out[i] != 0 {
				return nil, fmt.Errorf("input %v is not a multiple of the output %v: no ONNX operator computes it", x[2:], p.Out)
			}
			k[i] = x[2+i] / p.Out[i]
		}
		a := attrList{}
		a.ints("kernel_shape", k[:])
		a.ints("strides", k[:])
		return [][]byte{nodeProto(n.Name, "AveragePool", in, n.Outputs, a)}, nil
	case engine.OpLRN:
		p, err := params[engine.LRNParams](n)
		if err != nil {
			return nil, err
		}
		a := attrList{}
		a.float("alpha", p.Alpha)
		a.float("beta", p.Beta)
		a.float("bias", p.Bias)
		a.int("size", int64(p.Size))
		return [][]byte{nodeProto(n.Name, "LRN", in, n.Outputs, a)}, nil
	case engine.OpBatchNorm:
		p, err := params[engine.BatchNormParams](n)
		if err != nil {
			return nil, err
		}
		a := attrList{}
		a.float("epsilon", p.Epsilon)
		return [][]byte{nodeProto(n.Name, "BatchNormalization", in, n.Outputs, a)}, nil
	case engine.OpGemm:
		p, err := params[engine.GemmParams](n)
		if err != nil {
			return nil, err
		}
		a := attrList{}
		a.float("alpha", p.Alpha)
		a.float("beta", p.Beta)
		a.int("transA", boolInt(p.TransA))
		a.int("transB", boolInt(p.TransB))
		return [][]byte{nodeProto(n.Name, "Gemm", in, n.Outputs, a)}, nil
	case engine.OpFlatten:
		p, err := params[engine.FlattenParams](n)
		if err != nil {
			return nil, err
		}
		a := attrList{}
		a.int("axis", int64(p.Axis))
		return [][]byte{nodeProto(n.Name, "Flatten", in, n.Outputs, a)}, nil
	case engine.OpConcat:
		p, err := params[engine.ConcatParams](n)
		if err != nil {
			return nil, err
		}
		a := attrList{}
		a.int("axis", int64(p.Axis))
		return [][]byte{nodeProto(n.Name, "Concat", in, n.Outputs, a)}, nil
	case engine.OpSoftmax:
		p, err := params[engine.SoftmaxParams](n)
		if err != nil {
			return nil, err
		}
		if p.Coerce2D {
			// The opset 1-12 reading equals opset 13's when the axis is
			// the last one.
			r := len(wr.shapes[in[0]])
			if p.Axis != -1 && p.Axis != r-1 {
				return nil, fmt.Errorf("softmax over the flattened axes %d.. of a rank-%d input has no opset %d form", p.Axis, r, WriteOpset)
			}
		}
		a := attrList{}
		a.int("axis", int64(p.Axis))
		return [][]byte{nodeProto(n.Name, "Softmax", in, n.Outputs, a)}, nil
	case engine.OpDropout:
		// Inference: the ratio does not matter, and opset 13 takes it as an
		// optional input; the mask output, if asked for, stays.
		return [][]byte{nodeProto(n.Name, "Dropout", in[:1], n.Outputs, nil)}, nil
	case engine.OpReshape:
		p, err := params[engine.ReshapeParams](n)
		if err != nil {
			return nil, err
		}
		shape := wr.int64Const(n.Name+".shape", p.Shape)
		return [][]byte{nodeProto(n.Name, "Reshape", []string{in[0], shape}, n.Outputs, nil)}, nil
	case engine.OpPad:
		p, err := params[engine.PadParams](n)
		if err != nil {
			return nil, err
		}
		pads := make([]int64, len(p.Pads))
		for i, v := range p.Pads {
			pads[i] = int64(v)
		}
		padsName := wr.int64Const(n.Name+".pads", pads)
		valueName := wr.fresh(n.Name + ".value")
		wr.addInitializer(valueName, nil, Float, binary.LittleEndian.AppendUint32(nil, math.Float32bits(p.Value)))
		a := attrList{}
		a.str("mode", "constant")
		return [][]byte{nodeProto(n.Name, "Pad", []string{in[0], padsName, valueName}, n.Outputs, a)}, nil
	}
	return nil, fmt.Errorf("operator %v has no ONNX writer", n.Op)
}

// int64Const adds a 1-D INT64 initializer and returns its name.
func (wr *writer) int64Const(base string, v []int64) string {
	name := wr.fresh(base)
	raw := make([]byte, 0, 8*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint64(raw, uint64(x))
	}
	wr.addInitializer(name, []int{len(v)}, Int64, raw)
	return name
}

func (wr *writer) addInitializer(name string, dims []int, dt DataType, raw []byte) {
	t := tensorHeader(name, dims, dt)
	t = protowire.AppendTag(t, tensorRawData, protowire.BytesType)
	t = protowire.AppendBytes(t, raw)
	wr.extra = protowire.AppendTag(wr.extra, graphInitializer, protowire.BytesType)
	wr.extra = protowire.AppendBytes(wr.extra, t)
}

// params returns n.Params as *T; nil params mean T's zero value, as in the
// engine.
func params[T any](n *engine.Node) (*T, error) {
	if n.Params == nil {
		return new(T), nil
	}
	p, ok := n.Params.(*T)
	if !ok || p == nil {
		var zero T
		return nil, fmt.Errorf("params are %T, want *%T", n.Params, zero)
	}
	return p, nil
}

// ones returns strides or dilations with the engine's zero (= 1) spelled
// out, as ONNX wants.
func ones(v [2]int) []int {
	out := v[:]
	for i := range out {
		if out[i] == 0 {
			out[i] = 1
		}
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// attrList accumulates encoded AttributeProtos.
type attrList [][]byte

func (a *attrList) add(name string, typ AttrType, value func([]byte) []byte) {
	b := appendString(nil, attrName, name)
	b = value(b)
	b = protowire.AppendTag(b, attrType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(typ))
	*a = append(*a, b)
}

func (a *attrList) int(name string, v int64) {
	a.add(name, AttrInt, func(b []byte) []byte {
		b = protowire.AppendTag(b, attrI, protowire.VarintType)
		return protowire.AppendVarint(b, uint64(v))
	})
}

func (a *attrList) ints(name string, v []int) {
	a.add(name, AttrInts, func(b []byte) []byte {
		var packed []byte
		for _, x := range v {
			packed = protowire.AppendVarint(packed, uint64(int64(x)))
		}
		b = protowire.AppendTag(b, attrInts, protowire.BytesType)
		return protowire.AppendBytes(b, packed)
	})
}

func (a *attrList) float(name string, v float32) {
	a.add(name, AttrFloat, func(b []byte) []byte {
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		return protowire.AppendFixed32(b, math.Float32bits(v))
	})
}

func (a *attrList) str(name, v string) {
	a.add(name, AttrString, func(b []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(b, attrS, protowire.BytesType), []byte(v))
	})
}

// nodeProto encodes a NodeProto.
func nodeProto(name, opType string, inputs, outputs []string, attrs attrList) []byte {
	var b []byte
	for _, in := range inputs {
		b = appendString(b, nodeInput, in)
	}
	for _, out := range outputs {
		b = appendString(b, nodeOutput, out)
	}
	b = appendString(b, nodeName, name)
	b = appendString(b, nodeOpType, opType)
	for _, a := range attrs {
		b = protowire.AppendTag(b, nodeAttribute, protowire.BytesType)
		b = protowire.AppendBytes(b, a)
	}
	return b
}

// valueInfoProto encodes a ValueInfoProto for a float tensor of the given shape.
func valueInfoProto(name string, shape []int) []byte {
	var dims []byte
	for _, d := range shape {
		var dim []byte
		dim = protowire.AppendTag(dim, 1, protowire.VarintType) // dim_value
		dim = protowire.AppendVarint(dim, uint64(d))
		dims = protowire.AppendTag(dims, 1, protowire.BytesType) // TensorShapeProto.dim
		dims = protowire.AppendBytes(dims, dim)
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType) // elem_type
	tt = protowire.AppendVarint(tt, uint64(Float))
	tt = protowire.AppendTag(tt, 2, protowire.BytesType) // shape
	tt = protowire.AppendBytes(tt, dims)
	var typ []byte
	typ = protowire.AppendTag(typ, 1, protowire.BytesType) // tensor_type
	typ = protowire.AppendBytes(typ, tt)
	b := appendString(nil, 1, name)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, typ)
}

// tensorHeader encodes a TensorProto's dims (1, packed), data_type (2) and
// name (8); raw_data (9) follows.
func tensorHeader(name string, dims []int, dt DataType) []byte {
	var b []byte
	if len(dims) > 0 {
		var packed []byte
		for _, d := range dims {
			packed = protowire.AppendVarint(packed, uint64(d))
		}
		b = protowire.AppendTag(b, tensorDims, protowire.BytesType)
		b = protowire.AppendBytes(b, packed)
	}
	b = protowire.AppendTag(b, tensorDataType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(dt))
	return appendString(b, tensorName, name)
}

// writeFloatInitializer streams one float32 initializer as a graph field,
// its raw_data little-endian in chunks.
func writeFloatInitializer(w *bufio.Writer, name string, t *engine.Tensor) error {
	t = t.Dequantized() // int8 weights of a loaded model file are written as float32
	hdr := tensorHeader(name, t.Shape, Float)
	rawLen := 4 * len(t.Data)
	n := len(hdr) + protowire.SizeTag(tensorRawData) + protowire.SizeBytes(rawLen)
	var b []byte
	b = protowire.AppendTag(b, graphInitializer, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	b = append(b, hdr...)
	b = protowire.AppendTag(b, tensorRawData, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(rawLen))
	if _, err := w.Write(b); err != nil {
		return err
	}
	chunk := make([]byte, 0, 1<<15)
	for data := t.Data; len(data) > 0; {
		m := min(len(data), cap(chunk)/4)
		chunk = chunk[:0]
		for _, v := range data[:m] {
			chunk = binary.LittleEndian.AppendUint32(chunk, math.Float32bits(v))
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		data = data[m:]
	}
	return nil
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}
