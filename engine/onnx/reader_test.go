package onnx

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"convscope/engine"
)

// convModel is a one-node model exercising most reader paths: attributes of
// several types (plus extraAttrs), a raw_data and a float_data initializer, a symbolic batch
// dimension, and an initializer listed among the graph inputs.
func convModel(extraAttrs ...pb) []byte {
	attrs := append([]pb{
		attrIntList("pads", 1, 1, 1, 1),
		attrIntList("strides", 1, 1),
		attrInt("group", 1),
		attrStr("auto_pad", "NOTSET"),
	}, extraAttrs...)
	return modelPB(11, graphPB{
		nodes: []pb{node("conv1", "Conv", []string{"x", "w", "b"}, []string{"y"}, attrs...)},
		inits: []pb{
			rawFloatTensor("w", []int64{2, 1, 3, 3}, make([]float32, 18)...),
			floatTensor("b", []int64{2}, 0.25, -1),
		},
		inputs:  []pb{valueInfo("x", -1, 1, 5, 5), valueInfo("w", 2, 1, 3, 3)},
		outputs: []pb{valueInfo("y", -1, 2, 5, 5)},
	})
}

func TestReadModel(t *testing.T) {
	m, err := ReadModel(convModel(attrFloatVal("unused", 0.5)))
	if err != nil {
		t.Fatal(err)
	}
	if m.IRVersion != 8 || m.ProducerName != "test" || m.Opset() != 11 {
		t.Errorf("header: ir %d producer %q opset %d", m.IRVersion, m.ProducerName, m.Opset())
	}
	g := m.Graph
	if len(g.Nodes) != 1 || len(g.Initializers) != 2 || len(g.Inputs) != 2 || len(g.Outputs) != 1 {
		t.Fatalf("graph: %d nodes, %d initializers, %d inputs, %d outputs", len(g.Nodes), len(g.Initializers), len(g.Inputs), len(g.Outputs))
	}
	n := g.Nodes[0]
	if n.Name != "conv1" || n.OpType != "Conv" || !reflect.DeepEqual(n.Inputs, []string{"x", "w", "b"}) || !reflect.DeepEqual(n.Outputs, []string{"y"}) {
		t.Errorf("node: %+v", n)
	}
	if a := n.Attr("pads"); a == nil || a.Type != AttrInts || !reflect.DeepEqual(a.Ints, []int64{1, 1, 1, 1}) {
		t.Errorf("pads: %+v", a)
	}
	if a := n.Attr("group"); a == nil || a.Type != AttrInt || a.I != 1 {
		t.Errorf("group: %+v", a)
	}
	if a := n.Attr("auto_pad"); a == nil || a.Type != AttrString || string(a.S) != "NOTSET" {
		t.Errorf("auto_pad: %+v", a)
	}
	if a := n.Attr("unused"); a == nil || a.Type != AttrFloat || a.F != 0.5 {
		t.Errorf("float attr: %+v", a)
	}
	w := g.Initializers[0]
	if w.Name != "w" || w.DataType != Float || !reflect.DeepEqual(w.Dims, []int{2, 1, 3, 3}) || len(w.Float32) != 18 {
		t.Errorf("w: %+v", w)
	}
	if b := g.Initializers[1]; !reflect.DeepEqual(b.Float32, []float32{0.25, -1}) {
		t.Errorf("b: %+v", b)
	}
	x := g.Inputs[0]
	if x.Name != "x" || !x.IsTensor || x.ElemType != Float || !x.HasShape || !reflect.DeepEqual(x.Shape, []int64{-1, 1, 5, 5}) {
		t.Errorf("input x: %+v", x)
	}
}

// TestReadTensorTypes decodes each supported data type from its typed field
// and from raw_data.
func TestReadTensorTypes(t *testing.T) {
	le := func(vs ...uint64) func(size int) []byte {
		return func(size int) []byte {
			var b []byte
			for _, v := range vs {
				for i := 0; i < size; i++ {
					b = append(b, byte(v>>(8*i)))
				}
			}
			return b
		}
	}
	cases := []struct {
		name  string
		msg   pb
		check func(*Tensor) bool
	}{
		{"float_data unpacked", pb{}.varint(tensorDims, 2).varint(tensorDataType, int64(Float)).float(tensorFloatData, 1.5).float(tensorFloatData, -2),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Float32, []float32{1.5, -2}) }},
		{"float raw", rawFloatTensor("r", []int64{1, 2}, 3, 4),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Float32, []float32{3, 4}) }},
		{"double_data", pb{}.packedVarints(tensorDims, 2).varint(tensorDataType, int64(Double)).packedDoubles(tensorDoubleData, 0.5, 1e300),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Float64, []float64{0.5, 1e300}) }},
		{"int64_data", int64Tensor("s", []int64{3}, 2, -1, 0),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Int64, []int64{2, -1, 0}) }},
		{"int64 raw", pb{}.packedVarints(tensorDims, 2).varint(tensorDataType, int64(Int64)).bytes(tensorRawData, le(7, math.MaxUint64)(8)),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Int64, []int64{7, -1}) }},
		{"int32_data negative", pb{}.packedVarints(tensorDims, 2).varint(tensorDataType, int64(Int32)).packedVarints(tensorInt32Data, -5, 6),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Int64, []int64{-5, 6}) }},
		{"int32 raw", pb{}.packedVarints(tensorDims, 2).varint(tensorDataType, int64(Int32)).bytes(tensorRawData, le(math.MaxUint32, 3)(4)),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Int64, []int64{-1, 3}) }},
		{"uint8 raw", pb{}.packedVarints(tensorDims, 2).varint(tensorDataType, int64(Uint8)).bytes(tensorRawData, []byte{255, 1}),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Int64, []int64{255, 1}) }},
		{"bool raw", pb{}.packedVarints(tensorDims, 3).varint(tensorDataType, int64(Bool)).bytes(tensorRawData, []byte{1, 0, 2}),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Int64, []int64{1, 0, 1}) }},
		{"bool int32_data", pb{}.packedVarints(tensorDims, 2).varint(tensorDataType, int64(Bool)).packedVarints(tensorInt32Data, 0, 1),
			func(t *Tensor) bool { return reflect.DeepEqual(t.Int64, []int64{0, 1}) }},
		{"scalar", pb{}.varint(tensorDataType, int64(Float)).float(tensorFloatData, 9),
			func(t *Tensor) bool { return len(t.Dims) == 0 && reflect.DeepEqual(t.Float32, []float32{9}) }},
	}
	for _, c := range cases {
		tt, err := ReadTensorProto(c.msg)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !c.check(tt) {
			t.Errorf("%s: got %+v", c.name, tt)
		}
	}
}

func TestReadTensorEngine(t *testing.T) {
	et, name, err := ReadTensor(floatTensor("x", []int64{2, 3}, 1, 2, 3, 4, 5, 6))
	if err != nil {
		t.Fatal(err)
	}
	if name != "x" || !reflect.DeepEqual(et.Shape, []int{2, 3}) || et.Data[5] != 6 {
		t.Errorf("got %q %v %v", name, et.Shape, et.Data)
	}
	if _, _, err := ReadTensor(int64Tensor("s", []int64{1}, 4)); err == nil || !strings.Contains(err.Error(), "INT64") {
		t.Errorf("INT64 to engine: err = %v, want one naming INT64", err)
	}
}

// TestReadTensorErrors feeds malformed tensors; each must be an error
// containing the given text.
func TestReadTensorErrors(t *testing.T) {
	huge := pb{}.packedVarints(tensorDims, 1<<20, 1<<20).varint(tensorDataType, int64(Float)).float(tensorFloatData, 1)
	cases := []struct {
		name string
		msg  []byte
		want string
	}{
		{"too few values", floatTensor("t", []int64{2, 2}, 1, 2, 3), "need 4 values, tensor has 3"},
		{"too many values", floatTensor("t", []int64{2}, 1, 2, 3), "need 2 values, tensor has 3"},
		{"raw too short", rawFloatTensor("t", []int64{3}, 1, 2), "need 12 bytes"},
		{"raw odd bytes", pb{}.varint(tensorDims, 1).varint(tensorDataType, int64(Float)).bytes(tensorRawData, []byte{1, 2, 3}), "need 4 bytes"},
		{"zero dim", floatTensor("t", []int64{2, 0}), "dimension 1 is 0"},
		{"negative dim", floatTensor("t", []int64{-3}, 1), "dimension 0 is -3"},
		{"2^40 elements", huge, "tensor too large"},
		{"2^40 elements raw", pb{}.packedVarints(tensorDims, 1<<40).varint(tensorDataType, int64(Float)).bytes(tensorRawData, make([]byte, 16)), "tensor too large"},
		{"overflowing dims", pb{}.packedVarints(tensorDims, 1<<62, 1<<62, 4).varint(tensorDataType, int64(Float)), "tensor too large"},
		{"float16", pb{}.varint(tensorDims, 1).varint(tensorDataType, int64(Float16)).bytes(tensorRawData, []byte{0, 0}), "data type FLOAT16 not supported"},
		{"string", pb{}.varint(tensorDims, 1).varint(tensorDataType, int64(String)).str(tensorStringData, "a"), "data type STRING not supported"},
		{"unknown type", pb{}.varint(tensorDataType, 99), "data type DataType(99) not supported"},
		{"no type", pb{}.varint(tensorDims, 1), "data type UNDEFINED not supported"},
		{"wrong field for type", pb{}.varint(tensorDims, 1).varint(tensorDataType, int64(Float)).packedVarints(tensorInt64Data, 1), "another type's field"},
		{"raw and typed", pb{}.varint(tensorDims, 1).varint(tensorDataType, int64(Float)).float(tensorFloatData, 1).bytes(tensorRawData, make([]byte, 4)), "both raw_data and typed"},
		{"external", pb{}.varint(tensorDims, 1).varint(tensorDataType, int64(Float)).varint(tensorDataLocation, 1), "external data"},
		{"too many dims", pb{}.packedVarints(tensorDims, make([]int64, MaxRank+1)...), "more than 16 dimensions"},
		{"truncated", floatTensor("t", []int64{4}, 1, 2, 3, 4)[:20], "unexpected EOF"},
		{"bad packed floats", pb{}.varint(tensorDataType, int64(Float)).bytes(tensorFloatData, []byte{1, 2, 3}), "not a multiple of 4"},
		{"wrong wire type", pb{}.float(tensorDataType, 1), "wire type"},
		{"group", protowire.AppendTag(nil, 3, protowire.StartGroupType), "wire type"},
		{"int32 overflow", pb{}.varint(tensorDataType, 1<<40), "does not fit in int32"},
	}
	for _, c := range cases {
		_, err := ReadTensorProto(c.msg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestReadTensorNoHugeAllocation checks that claiming 2^40 elements with
// little data allocates (almost) nothing.
func TestReadTensorNoHugeAllocation(t *testing.T) {
	msg := pb{}.packedVarints(tensorDims, 1<<20, 1<<20).varint(tensorDataType, int64(Float)).bytes(tensorRawData, make([]byte, 64))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if _, err := ReadTensorProto(msg); !errors.Is(err, engine.ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("10 rejected 2^40-element tensors allocated %d bytes", d)
	}
}

// TestReadModelErrors feeds malformed models; each must be an error
// containing the given text.
func TestReadModelErrors(t *testing.T) {
	good := graphPB{nodes: []pb{node("r", "Relu", []string{"x"}, []string{"y"})}, inputs: []pb{valueInfo("x", 1)}, outputs: []pb{valueInfo("y", 1)}}
	cases := []struct {
		name string
		msg  []byte
		want string
	}{
		{"empty", nil, "model has no graph"},
		{"no graph", pb{}.varint(modelIRVersion, 7), "model has no graph"},
		{"two graphs", pb{}.msg(modelGraph, good.encode()).msg(modelGraph, good.encode()), "graph: field appears twice"},
		{"bad opset version", pb{}.msg(modelOpsetImport, pb{}.varint(2, -1)).msg(modelGraph, good.encode()), "version -1"},
		{"duplicate opset", pb{}.msg(modelOpsetImport, pb{}.varint(2, 9)).msg(modelOpsetImport, pb{}.str(1, "ai.onnx").varint(2, 9)).msg(modelGraph, good.encode()), "appears twice"},
		{"graph not a message", pb{}.varint(modelGraph, 3), "wire type 0, want bytes"},
		{"garbage graph", pb{}.bytes(modelGraph, []byte{0xff, 0xff, 0xff}), "graph"},
		{"bad initializer", modelPB(13, graphPB{inits: []pb{floatTensor("w", []int64{2}, 1)}}), `initializer 0: tensor "w": dims [2] need 2 values, tensor has 1`},
		{"bad attribute", modelPB(13, graphPB{nodes: []pb{node("n", "Conv", nil, nil, pb{}.str(attrName, "a").varint(attrType, 77))}}), `node 0: "n" (Conv): attribute "a": unknown type AttrType(77)`},
		{"sparse initializer", pb{}.msg(modelGraph, pb{}.msg(graphSparseInitializer, pb{})), "sparse initializers"},
		{"negative shape dim", modelPB(13, graphPB{inputs: []pb{pb{}.str(1, "x").msg(2, pb{}.msg(1, pb{}.msg(2, pb{}.msg(1, pb{}.varint(1, -2)))))}}), "negative dimension"},
		{"ref_attr_name", modelPB(13, graphPB{nodes: []pb{node("n", "Relu", nil, nil, pb{}.str(attrName, "a").str(attrRefAttrName, "b"))}}), "ref_attr_name"},
	}
	for _, c := range cases {
		_, err := ReadModel(c.msg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestReadModelPrefixes reads every prefix of a valid model: each is either
// an error or a model, never a panic (a prefix ending on a field boundary is
// a valid, smaller message).
func TestReadModelPrefixes(t *testing.T) {
	full := convModel()
	errs := 0
	for i := range full {
		if _, err := ReadModel(full[:i]); err != nil {
			errs++
		}
	}
	if errs < len(full)/2 {
		t.Errorf("only %d of %d truncated models were rejected", errs, len(full))
	}
}

// TestAttributeImpliedType reads an IR-version-1 style attribute without a
// type field: the type follows from the value field present.
func TestAttributeImpliedType(t *testing.T) {
	a, err := decodeAttribute(pb{}.str(attrName, "k").packedVarints(attrInts, 3, 3))
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != AttrInts || !reflect.DeepEqual(a.Ints, []int64{3, 3}) {
		t.Errorf("got %+v", a)
	}
	if _, err := decodeAttribute(pb{}.str(attrName, "none")); err == nil {
		t.Error("attribute without type or value: no error")
	}
}
