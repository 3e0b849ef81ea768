package onnx

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// pb builds protobuf messages for tests, field by field, with protowire.
type pb []byte

func (b pb) varint(num protowire.Number, v int64) pb {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func (b pb) bytes(num protowire.Number, v []byte) pb {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func (b pb) str(num protowire.Number, s string) pb { return b.bytes(num, []byte(s)) }

func (b pb) msg(num protowire.Number, m pb) pb { return b.bytes(num, m) }

func (b pb) float(num protowire.Number, v float32) pb {
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

func (b pb) packedVarints(num protowire.Number, vs ...int64) pb {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	return b.bytes(num, p)
}

func (b pb) packedFloats(num protowire.Number, vs ...float32) pb {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendFixed32(p, math.Float32bits(v))
	}
	return b.bytes(num, p)
}

func (b pb) packedDoubles(num protowire.Number, vs ...float64) pb {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendFixed64(p, math.Float64bits(v))
	}
	return b.bytes(num, p)
}

// floatTensor is a FLOAT TensorProto with packed float_data.
func floatTensor(name string, dims []int64, vals ...float32) pb {
	return pb{}.packedVarints(tensorDims, dims...).varint(tensorDataType, int64(Float)).
		packedFloats(tensorFloatData, vals...).str(tensorName, name)
}

// rawFloatTensor is a FLOAT TensorProto with raw_data.
func rawFloatTensor(name string, dims []int64, vals ...float32) pb {
	var raw []byte
	for _, v := range vals {
		raw = protowire.AppendFixed32(raw, math.Float32bits(v))
	}
	return pb{}.packedVarints(tensorDims, dims...).varint(tensorDataType, int64(Float)).
		bytes(tensorRawData, raw).str(tensorName, name)
}

// int64Tensor is an INT64 TensorProto with int64_data.
func int64Tensor(name string, dims []int64, vals ...int64) pb {
	return pb{}.packedVarints(tensorDims, dims...).varint(tensorDataType, int64(Int64)).
		packedVarints(tensorInt64Data, vals...).str(tensorName, name)
}

// Attribute builders (type set explicitly, as IR version >= 2 writes it).
func attrInt(name string, v int64) pb {
	return pb{}.str(attrName, name).varint(attrType, int64(AttrInt)).varint(attrI, v)
}

func attrIntList(name string, vs ...int64) pb {
	return pb{}.str(attrName, name).varint(attrType, int64(AttrInts)).packedVarints(attrInts, vs...)
}

func attrFloatVal(name string, v float32) pb {
	return pb{}.str(attrName, name).varint(attrType, int64(AttrFloat)).float(attrF, v)
}

func attrStr(name, v string) pb {
	return pb{}.str(attrName, name).varint(attrType, int64(AttrString)).str(attrS, v)
}

func attrTensorVal(name string, t pb) pb {
	return pb{}.str(attrName, name).varint(attrType, int64(AttrTensor)).msg(attrT, t)
}

// node builds a NodeProto; attrs are encoded AttributeProtos.
func node(name, op string, inputs, outputs []string, attrs ...pb) pb {
	b := pb{}
	for _, in := range inputs {
		b = b.str(nodeInput, in)
	}
	for _, out := range outputs {
		b = b.str(nodeOutput, out)
	}
	b = b.str(nodeName, name).str(nodeOpType, op)
	for _, a := range attrs {
		b = b.msg(nodeAttribute, a)
	}
	return b
}

// valueInfo builds a FLOAT ValueInfoProto; a negative dim becomes dim_param "N".
func valueInfo(name string, dims ...int64) pb {
	return valueInfoTyped(name, Float, dims...)
}

func valueInfoTyped(name string, dt DataType, dims ...int64) pb {
	shape := pb{}
	for _, d := range dims {
		if d < 0 {
			shape = shape.msg(1, pb{}.str(2, "N"))
		} else {
			shape = shape.msg(1, pb{}.varint(1, d))
		}
	}
	tensorType := pb{}.varint(1, int64(dt)).msg(2, shape)
	return pb{}.str(1, name).msg(2, pb{}.msg(1, tensorType))
}

// graphPB assembles a GraphProto.
type graphPB struct {
	nodes, inits, inputs, outputs []pb
}

func (g graphPB) encode() pb {
	b := pb{}.str(graphName, "g")
	for _, n := range g.nodes {
		b = b.msg(graphNode, n)
	}
	for _, t := range g.inits {
		b = b.msg(graphInitializer, t)
	}
	for _, v := range g.inputs {
		b = b.msg(graphInput, v)
	}
	for _, v := range g.outputs {
		b = b.msg(graphOutput, v)
	}
	return b
}

// modelPB wraps a graph in a ModelProto importing the given opset.
func modelPB(opset int64, g graphPB) []byte {
	return pb{}.varint(modelIRVersion, 8).str(modelProducerName, "test").
		msg(modelOpsetImport, pb{}.str(1, "").varint(2, opset)).
		msg(modelGraph, g.encode())
}
