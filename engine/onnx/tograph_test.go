package onnx

import (
	"reflect"
	"strings"
	"testing"

	"convscope/engine"
)

func toGraph(t *testing.T, data []byte) (*engine.Graph, error) {
	t.Helper()
	m, err := ReadModel(data)
	if err != nil {
		t.Fatalf("ReadModel: %v", err)
	}
	return m.ToGraph()
}

func TestToGraphConv(t *testing.T) {
	g, err := toGraph(t, convModel())
	if err != nil {
		t.Fatal(err)
	}
	// w is an initializer listed among the inputs: not a run-time input.
	if len(g.Inputs) != 1 || g.Inputs[0].Name != "x" || !reflect.DeepEqual(g.Inputs[0].Shape, []int{1, 1, 5, 5}) {
		t.Errorf("inputs %+v, want x (1, 1, 5, 5) with the symbolic batch as 1", g.Inputs)
	}
	if len(g.Consts) != 2 || g.Consts["w"] == nil || g.Consts["b"] == nil {
		t.Errorf("consts %v", g.Consts)
	}
	if len(g.Nodes) != 1 {
		t.Fatalf("%d nodes", len(g.Nodes))
	}
	n := g.Nodes[0]
	want := &engine.ConvParams{Kernel: [2]int{3, 3}, Strides: [2]int{1, 1}, Pads: [4]int{1, 1, 1, 1}, Dilations: [2]int{1, 1}, Group: 1}
	if n.Op != engine.OpConv || n.Name != "conv1" || !reflect.DeepEqual(n.Params, want) {
		t.Errorf("node %+v params %+v", n, n.Params)
	}
	if !reflect.DeepEqual(g.Outputs, []string{"y"}) {
		t.Errorf("outputs %v", g.Outputs)
	}
}

// TestToGraphAutoPadIntermediate resolves SAME_UPPER for a conv whose input
// is another node's output, which needs the engine's shape inference, and
// infers the kernel size from the weight.
func TestToGraphAutoPadIntermediate(t *testing.T) {
	data := modelPB(13, graphPB{
		nodes: []pb{
			node("pool", "MaxPool", []string{"x"}, []string{"p"}, attrIntList("kernel_shape", 2, 2), attrIntList("strides", 2, 2)),
			node("conv", "Conv", []string{"p", "w"}, []string{"c"}, attrStr("auto_pad", "SAME_UPPER"), attrIntList("strides", 2, 2)),
			node("relu", "Relu", []string{"c"}, []string{"r"}),
			// The second lookup compiles only relu and pool2, fed c's cached shape.
			node("pool2", "MaxPool", []string{"r"}, []string{"y"}, attrIntList("kernel_shape", 2, 2), attrStr("auto_pad", "SAME_LOWER")),
		},
		inits:   []pb{floatTensor("w", []int64{1, 1, 4, 4}, make([]float32, 16)...)},
		inputs:  []pb{valueInfo("x", 1, 1, 18, 18)},
		outputs: []pb{valueInfo("y")},
	})
	g, err := toGraph(t, data)
	if err != nil {
		t.Fatal(err)
	}
	p := g.Nodes[1].Params.(*engine.ConvParams)
	// p is 9x9; out = ceil(9/2) = 5; total pad = (5-1)*2 + 4 - 9 = 3.
	if p.Kernel != [2]int{4, 4} || p.Pads != [4]int{1, 1, 2, 2} {
		t.Errorf("kernel %v pads %v, want [4 4] [1 1 2 2]", p.Kernel, p.Pads)
	}
	// r is 5x5, stride 1: total pad 1, the odd one first for SAME_LOWER.
	if p := g.Nodes[3].Params.(*engine.PoolParams); p.Pads != [4]int{1, 1, 0, 0} {
		t.Errorf("pool2 pads %v, want [1 1 0 0]", p.Pads)
	}
	prog, err := engine.Compile(g, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := prog.Shapes()["y"]; !reflect.DeepEqual(s, []int{1, 1, 5, 5}) {
		t.Errorf("y shape %v", s)
	}
}

// TestToGraphConstants covers Constant nodes, a folded Transpose, an INT64
// Reshape shape and opset-11 Pad inputs: none become engine constants
// except the float data.
func TestToGraphConstants(t *testing.T) {
	data := modelPB(13, graphPB{
		nodes: []pb{
			node("shape", "Constant", nil, []string{"s"}, attrTensorVal("value", int64Tensor("", []int64{2}, 3, -1))),
			node("pads", "Constant", nil, []string{"pads"}, attrIntList("value_ints", 0, 1, 0, 1)),
			node("wt", "Transpose", []string{"w"}, []string{"wT"}),
			node("mm", "MatMul", []string{"x", "wT"}, []string{"h"}),
			node("r", "Reshape", []string{"h", "s"}, []string{"r"}),
			node("pad", "Pad", []string{"r", "pads"}, []string{"y"}),
		},
		inits:   []pb{floatTensor("w", []int64{2, 3}, 1, 2, 3, 4, 5, 6)},
		inputs:  []pb{valueInfo("x", 3, 3)},
		outputs: []pb{valueInfo("y")},
	})
	g, err := toGraph(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Consts) != 1 || g.Consts["wT"] == nil {
		t.Fatalf("consts %v, want only wT", g.Consts)
	}
	if wT := g.Consts["wT"]; !reflect.DeepEqual(wT.Shape, []int{3, 2}) || !reflect.DeepEqual(wT.Data, []float32{1, 4, 2, 5, 3, 6}) {
		t.Errorf("wT = %v %v", wT.Shape, wT.Data)
	}
	ops := []engine.OpKind{}
	for _, n := range g.Nodes {
		ops = append(ops, n.Op)
	}
	if !reflect.DeepEqual(ops, []engine.OpKind{engine.OpMatMul, engine.OpReshape, engine.OpPad}) {
		t.Errorf("ops %v", ops)
	}
	if p := g.Nodes[1].Params.(*engine.ReshapeParams); !reflect.DeepEqual(p.Shape, []int64{3, -1}) || len(g.Nodes[1].Inputs) != 1 {
		t.Errorf("reshape %+v inputs %v", p, g.Nodes[1].Inputs)
	}
	if p := g.Nodes[2].Params.(*engine.PadParams); !reflect.DeepEqual(p.Pads, []int{0, 1, 0, 1}) {
		t.Errorf("pad %+v", p)
	}
	prog, err := engine.Compile(g, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := engine.FromData([]float32{1, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 3)
	res, err := prog.Run(map[string]*engine.Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	// x is the identity, so h = wT, reshaped to (3, 2) and padded to (3, 4).
	want := []float32{0, 1, 4, 0, 0, 2, 5, 0, 0, 3, 6, 0}
	if y := res.Outputs["y"]; !reflect.DeepEqual(y.Data, want) {
		t.Errorf("y = %v, want %v", y.Data, want)
	}
}

// TestToGraphSoftmaxOpsets checks the opset-dependent Softmax defaults.
func TestToGraphSoftmaxOpsets(t *testing.T) {
	for _, c := range []struct {
		opset int64
		want  engine.SoftmaxParams
	}{
		{11, engine.SoftmaxParams{Axis: 1, Coerce2D: true}},
		{13, engine.SoftmaxParams{Axis: -1}},
	} {
		g, err := toGraph(t, modelPB(c.opset, graphPB{
			nodes:   []pb{node("", "Softmax", []string{"x"}, []string{"y"})},
			inputs:  []pb{valueInfo("x", 2, 3, 4)},
			outputs: []pb{valueInfo("y")},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if p := g.Nodes[0].Params.(*engine.SoftmaxParams); *p != c.want {
			t.Errorf("opset %d: %+v, want %+v", c.opset, *p, c.want)
		}
		if g.Nodes[0].Name != "y" {
			t.Errorf("unnamed node got engine name %q, want its output's", g.Nodes[0].Name)
		}
	}
}

// TestToGraphErrors checks that each unsupported construct is an error
// naming the node and operator.
func TestToGraphErrors(t *testing.T) {
	one := func(opset int64, n pb, inits ...pb) []byte {
		return modelPB(opset, graphPB{nodes: []pb{n}, inits: inits, inputs: []pb{valueInfo("x", 1, 1, 4, 4)}, outputs: []pb{valueInfo("y")}})
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"unknown op", one(13, node("conv3", "ConvTranspose", []string{"x", "x"}, []string{"y"})), `onnx: node "conv3" (ConvTranspose): operator not supported`},
		{"unnamed node", one(13, node("", "Tanh", []string{"x"}, []string{"y"})), `onnx: node 0 (Tanh, output "y"): operator not supported`},
		{"other domain", one(13, pb(node("n", "Relu", []string{"x"}, []string{"y"})).str(nodeDomain, "com.microsoft")), `node "n" (Relu): operator not supported (domain "com.microsoft")`},
		{"unknown attribute", one(13, node("n", "Relu", []string{"x"}, []string{"y"}, attrInt("alpha", 1))), `node "n" (Relu): attribute "alpha" not supported`},
		{"attribute type", one(13, node("p", "MaxPool", []string{"x"}, []string{"y"}, attrInt("kernel_shape", 2))), `node "p" (MaxPool): attribute "kernel_shape" is INT, want INTS`},
		{"3-D conv", one(13, node("c", "Conv", []string{"x", "w"}, []string{"y"}, attrIntList("kernel_shape", 1, 1, 1)), floatTensor("w", []int64{1, 1, 1, 1, 1}, 1)), `node "c" (Conv): 3-D convolution not supported`},
		{"pool indices", one(13, node("p", "MaxPool", []string{"x"}, []string{"y", "idx"}, attrIntList("kernel_shape", 2, 2))), `node "p" (MaxPool): output 1 (Indices) not supported`},
		{"pad mode", one(13, node("p", "Pad", []string{"x", "pads"}, []string{"y"}, attrStr("mode", "reflect")), int64Tensor("pads", []int64{8}, make([]int64, 8)...)), `node "p" (Pad): mode "reflect" not supported`},
		{"reshape run-time shape", modelPB(13, graphPB{nodes: []pb{node("r", "Reshape", []string{"x", "s"}, []string{"y"})}, inputs: []pb{valueInfo("x", 4), valueInfo("s", 1)}, outputs: []pb{valueInfo("y")}}), `node "r" (Reshape): shape (input "s") must be a constant`},
		{"int64 data", one(13, node("a", "Add", []string{"x", "k"}, []string{"y"}), int64Tensor("k", []int64{1}, 1)), `node "a" (Add): constant "k": data type INT64 not supported as data`},
		{"bn training", one(15, node("bn", "BatchNormalization", []string{"x", "s", "s", "s", "s"}, []string{"y"}, attrInt("training_mode", 1)), floatTensor("s", []int64{1}, 1)), `node "bn" (BatchNormalization): training_mode=1 not supported`},
		{"undefined input", one(13, node("r", "Relu", []string{"nope"}, []string{"y"})), `node "r" (Relu): input "nope" is not defined before the node`},
		{"redefined value", one(13, node("r", "Relu", []string{"x"}, []string{"x"})), `value "x" is defined twice`},
		{"missing output", one(13, node("r", "Relu", []string{"x"}, []string{"z"})), `graph output "y" is not computed`},
		{"int input", modelPB(13, graphPB{nodes: []pb{node("r", "Relu", []string{"x"}, []string{"y"})}, inputs: []pb{valueInfoTyped("x", Int64, 2)}, outputs: []pb{valueInfo("y")}}), `input "x": data type INT64 not supported`},
		{"symbolic spatial dim", modelPB(13, graphPB{nodes: []pb{node("r", "Relu", []string{"x"}, []string{"y"})}, inputs: []pb{valueInfo("x", 1, 3, -1, 4)}, outputs: []pb{valueInfo("y")}}), `input "x": dimension 2 of [1 3 -1 4] must be a fixed positive size`},
		{"no opset", pb{}.msg(modelGraph, graphPB{nodes: []pb{node("r", "Relu", []string{"x"}, []string{"y"})}, inputs: []pb{valueInfo("x", 1)}, outputs: []pb{valueInfo("y")}}.encode()), "imports no version of the ai.onnx operator set"},
		{"transpose run-time", one(13, node("t", "Transpose", []string{"x"}, []string{"y"})), `node "t" (Transpose): operator not supported on run-time values`},
		{"huge pads", one(13, node("c", "Conv", []string{"x", "w"}, []string{"y"}, attrIntList("pads", 1<<40, 0, 0, 0)), floatTensor("w", []int64{1, 1, 1, 1}, 1)), `attribute "pads": value 1099511627776 out of range`},
	}
	for _, c := range cases {
		_, err := toGraph(t, c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}
