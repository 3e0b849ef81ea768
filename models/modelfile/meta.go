package modelfile

import (
	"encoding/json"
	"fmt"

	"convscope/engine"
	"convscope/models/preprocess"
)

// Meta is the file's JSON metadata: everything but the tensor data.
type Meta struct {
	Name       string          `json:"name"`    // catalog name, e.g. "resnet18"
	Arch       string          `json:"arch"`    // definition name, or "onnx" for imported graphs
	Dataset    string          `json:"dataset"` // "imagenet" | "cifar10"
	Labels     []string        `json:"labels"`  // class names, in output index order
	Preprocess preprocess.Spec `json:"preprocess"`
	Source     string          `json:"source,omitempty"` // where the weights came from

	// The graph: inputs fed at run time, the output holding the logits
	// (Outputs[0]), and the nodes in topological order. Constants are the
	// tensors of the data section.
	Inputs  []ValueInfo `json:"inputs"`
	Outputs []string    `json:"outputs"`
	Nodes   []*Node     `json:"nodes"`

	Layers   []Layer    `json:"layers"`           // per-layer table, before batch norm folding
	Blocks   []Block    `json:"blocks,omitempty"` // residual blocks, inception modules
	Params   int64      `json:"params"`           // learnable parameters before folding
	MACs     int64      `json:"macs"`             // multiply-accumulates per image
	Accuracy []Accuracy `json:"accuracy,omitempty"`

	// TwinOf is set in a float32 twin: the same graph as the model named
	// TwinOf, with its conv and fc weights stored as float32 (the values
	// before quantization) instead of int8. A twin is a reference for
	// measuring what int8 costs, never a model of the catalog itself.
	TwinOf string `json:"twin_of,omitempty"`

	// Tensors describes the data section; Encode fills it in.
	Tensors []TensorInfo `json:"tensors"`
}

// ValueInfo is a graph input: name and shape (batch first).
type ValueInfo struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// Accuracy is one accuracy figure and where it comes from.
type Accuracy struct {
	Split  string  `json:"split"` // e.g. "imagenet-val", "cifar10-test (8000 JPEG images)"
	Top1   float64 `json:"top1"`  // percent
	Top5   float64 `json:"top5"`  // percent
	Source string  `json:"source"`
}

// TensorInfo locates one tensor in the data section. Offsets are relative
// to the start of the data section.
type TensorInfo struct {
	Name   string `json:"name"`
	Shape  []int  `json:"shape"`
	DType  DType  `json:"dtype"`
	Offset int64  `json:"offset"` // int8: Len bytes; float32: 4*Len bytes, little-endian
	// For int8 tensors: the axis of the output channel and where its
	// float32 scales (one per index of Shape[Axis]) start.
	Axis         int   `json:"axis,omitempty"`
	ScalesOffset int64 `json:"scales_offset,omitempty"`
}

// DType is how a tensor is stored.
type DType string

// The stored element types.
const (
	Float32 DType = "float32"
	Int8    DType = "int8" // symmetric, per output channel: value = q * scale[channel]
)

// Node is an engine node in the file's JSON form: the operator by name
// (engine.OpKind's String, parsed back with engine.ParseOpKind) and its
// params as the engine's typed params struct.
type Node engine.Node

type nodeJSON struct {
	Name    string          `json:"name"`
	Op      string          `json:"op"`
	Inputs  []string        `json:"inputs"`
	Outputs []string        `json:"outputs"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// MarshalJSON writes {"name","op","inputs","outputs","params"}.
func (n *Node) MarshalJSON() ([]byte, error) {
	if !n.Op.Valid() {
		return nil, fmt.Errorf("node %q: invalid operator kind %d", n.Name, uint8(n.Op))
	}
	j := nodeJSON{Name: n.Name, Op: n.Op.String(), Inputs: n.Inputs, Outputs: n.Outputs}
	if n.Params != nil {
		b, err := json.Marshal(n.Params)
		if err != nil {
			return nil, fmt.Errorf("node %q params: %w", n.Name, err)
		}
		j.Params = b
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes; params are decoded into the
// struct the engine declares for the operator (engine.NewParams).
func (n *Node) UnmarshalJSON(b []byte) error {
	var j nodeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	op, err := engine.ParseOpKind(j.Op)
	if err != nil {
		return fmt.Errorf("node %q: %w", j.Name, err)
	}
	*n = Node{Name: j.Name, Op: op, Inputs: j.Inputs, Outputs: j.Outputs}
	if len(j.Params) == 0 || string(j.Params) == "null" {
		return nil
	}
	p := engine.NewParams(op)
	if p == nil {
		return fmt.Errorf("node %q: operator %v takes no params", j.Name, op)
	}
	if err := json.Unmarshal(j.Params, p); err != nil {
		return fmt.Errorf("node %q (%v) params: %w", j.Name, op, err)
	}
	n.Params = p
	return nil
}
