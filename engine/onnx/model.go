// Package onnx reads ONNX models and tensors and turns an ONNX graph into an
// engine graph.
//
// The reader decodes the protobuf wire format with
// google.golang.org/protobuf/encoding/protowire and keeps only what a CNN
// needs: the graph, its nodes and attributes, initializers, the names, types
// and shapes of the graph's inputs and outputs, and the opset versions. It
// checks every length against the input, so malformed or truncated data is
// an error; no decoded size can make it allocate more than a small multiple
// of the input's size.
package onnx

import (
	"errors"
	"fmt"
)

// Model is a decoded ModelProto.
type Model struct {
	IRVersion    int64
	ProducerName string
	// Opsets maps an operator-set domain to its version. The default
	// domain, ai.onnx, is stored under "".
	Opsets map[string]int64
	Graph  *Graph
}

// Graph is a decoded GraphProto.
type Graph struct {
	Name         string
	Nodes        []*Node // in file order, which ONNX requires to be topological
	Initializers []*Tensor
	Inputs       []ValueInfo // may include initializers (IR version < 4 requires it)
	Outputs      []ValueInfo
}

// Node is a decoded NodeProto. An empty input name marks an optional input
// that is absent.
type Node struct {
	Name    string
	OpType  string
	Domain  string
	Inputs  []string
	Outputs []string
	Attrs   []*Attribute
}

// Attr returns the attribute with the given name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// ValueInfo is a decoded ValueInfoProto: a value's name and, for tensors,
// its element type and shape.
type ValueInfo struct {
	Name string
	// IsTensor is false when the type is given and is not a tensor type
	// (a sequence, map, optional or sparse tensor).
	IsTensor bool
	ElemType DataType // Undefined when not given
	// Shape holds one entry per dimension: its size, or -1 when the
	// dimension is symbolic (dim_param) or unknown. Nil when the shape is
	// not given at all, which is different from a scalar's empty shape, so
	// HasShape tells them apart.
	Shape    []int64
	HasShape bool
}

// ReadModel decodes a serialized ModelProto (the contents of a .onnx file).
func ReadModel(data []byte) (*Model, error) {
	m, err := decodeModel(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// Opset returns the version of the default (ai.onnx) operator set, 0 when
// the model does not import it (a model may use other domains only).
func (m *Model) Opset() int64 { return m.Opsets[""] }

// ModelProto field numbers (onnx.proto).
const (
	modelIRVersion    = 1
	modelProducerName = 2
	modelGraph        = 7
	modelOpsetImport  = 8
)

func decodeModel(b []byte) (*Model, error) {
	m := &Model{Opsets: map[string]int64{}}
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case modelIRVersion:
			m.IRVersion, err = f.int64()
		case modelProducerName:
			m.ProducerName, err = f.str()
		case modelGraph:
			if m.Graph != nil {
				return fmt.Errorf("graph: %w", errDuplicate)
			}
			var gb []byte
			if gb, err = f.bytes(); err == nil {
				m.Graph, err = decodeGraph(gb)
			}
		case modelOpsetImport:
			var ob []byte
			if ob, err = f.bytes(); err == nil {
				err = decodeOpset(ob, m.Opsets)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.Graph == nil {
		return nil, errors.New("model has no graph")
	}
	return m, nil
}

// decodeOpset decodes an OperatorSetIdProto into opsets. "ai.onnx" is an
// alias of the default domain "".
func decodeOpset(b []byte, opsets map[string]int64) error {
	var domain string
	var version int64
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			domain, err = f.str()
		case 2:
			version, err = f.int64()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("opset_import: %w", err)
	}
	if domain == "ai.onnx" {
		domain = ""
	}
	if version <= 0 {
		return fmt.Errorf("opset_import %q: version %d", domain, version)
	}
	if _, dup := opsets[domain]; dup {
		return fmt.Errorf("opset_import %q: %w", domain, errDuplicate)
	}
	opsets[domain] = version
	return nil
}

// GraphProto field numbers (onnx.proto).
const (
	graphNode              = 1
	graphName              = 2
	graphInitializer       = 5
	graphInput             = 11
	graphOutput            = 12
	graphSparseInitializer = 15
)

func decodeGraph(b []byte) (*Graph, error) {
	g := &Graph{}
	err := eachField(b, func(f field) error {
		var err error
		var mb []byte
		switch f.num {
		case graphNode:
			if mb, err = f.bytes(); err == nil {
				var n *Node
				if n, err = decodeNode(mb); err != nil {
					return fmt.Errorf("node %d: %w", len(g.Nodes), err)
				}
				g.Nodes = append(g.Nodes, n)
			}
		case graphName:
			g.Name, err = f.str()
		case graphInitializer:
			if mb, err = f.bytes(); err == nil {
				var t *Tensor
				if t, err = decodeTensor(mb); err != nil {
					return fmt.Errorf("initializer %d: %w", len(g.Initializers), err)
				}
				g.Initializers = append(g.Initializers, t)
			}
		case graphInput, graphOutput:
			if mb, err = f.bytes(); err == nil {
				var vi ValueInfo
				if vi, err = decodeValueInfo(mb); err != nil {
					return err
				}
				if f.num == graphInput {
					g.Inputs = append(g.Inputs, vi)
				} else {
					g.Outputs = append(g.Outputs, vi)
				}
			}
		case graphSparseInitializer:
			err = errors.New("sparse initializers not supported")
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("graph %q: %w", g.Name, err)
	}
	return g, nil
}

// NodeProto field numbers (onnx.proto).
const (
	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5
	nodeDomain    = 7
)

func decodeNode(b []byte) (*Node, error) {
	n := &Node{}
	err := eachField(b, func(f field) error {
		var err error
		var s string
		switch f.num {
		case nodeInput:
			if s, err = f.str(); err == nil {
				n.Inputs = append(n.Inputs, s)
			}
		case nodeOutput:
			if s, err = f.str(); err == nil {
				n.Outputs = append(n.Outputs, s)
			}
		case nodeName:
			n.Name, err = f.str()
		case nodeOpType:
			n.OpType, err = f.str()
		case nodeDomain:
			n.Domain, err = f.str()
		case nodeAttribute:
			var ab []byte
			if ab, err = f.bytes(); err == nil {
				var a *Attribute
				if a, err = decodeAttribute(ab); err == nil {
					n.Attrs = append(n.Attrs, a)
				}
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%q (%s): %w", n.Name, n.OpType, err)
	}
	return n, nil
}

// decodeValueInfo decodes a ValueInfoProto: name (1) and type (2).
func decodeValueInfo(b []byte) (ValueInfo, error) {
	var vi ValueInfo
	vi.IsTensor = true
	err := eachField(b, func(f field) error {
		var err error
		switch f.num {
		case 1:
			vi.Name, err = f.str()
		case 2:
			var tb []byte
			if tb, err = f.bytes(); err == nil {
				err = decodeTypeProto(tb, &vi)
			}
		}
		return err
	})
	if err != nil {
		return vi, fmt.Errorf("value %q: %w", vi.Name, err)
	}
	return vi, nil
}

// decodeTypeProto decodes a TypeProto into vi. Only tensor_type (1) is read;
// the other members (sequence 4, map 5, sparse tensor 8, optional 9) mark
// the value as a non-tensor and are not descended into, so nesting depth
// costs nothing.
func decodeTypeProto(b []byte, vi *ValueInfo) error {
	return eachField(b, func(f field) error {
		switch f.num {
		case 1:
			tb, err := f.bytes()
			if err != nil {
				return err
			}
			return decodeTensorType(tb, vi)
		case 4, 5, 8, 9:
			vi.IsTensor = false
		}
		return nil
	})
}

// decodeTensorType decodes TypeProto.Tensor: elem_type (1), shape (2).
func decodeTensorType(b []byte, vi *ValueInfo) error {
	return eachField(b, func(f field) error {
		switch f.num {
		case 1:
			t, err := f.int32()
			vi.ElemType = DataType(t)
			return err
		case 2:
			sb, err := f.bytes()
			if err != nil {
				return err
			}
			vi.HasShape = true
			return eachField(sb, func(f field) error {
				if f.num != 1 {
					return nil
				}
				db, err := f.bytes()
				if err != nil {
					return err
				}
				if len(vi.Shape) == MaxRank {
					return fmt.Errorf("shape: more than %d dimensions", MaxRank)
				}
				d, err := decodeDim(db)
				vi.Shape = append(vi.Shape, d)
				return err
			})
		}
		return nil
	})
}

// decodeDim decodes TensorShapeProto.Dimension: dim_value (1) or dim_param
// (2). A symbolic or missing dimension is -1.
func decodeDim(b []byte) (int64, error) {
	d := int64(-1)
	err := eachField(b, func(f field) error {
		switch f.num {
		case 1:
			v, err := f.int64()
			if err != nil {
				return err
			}
			if v < 0 {
				return fmt.Errorf("shape: negative dimension %d", v)
			}
			d = v
		case 2:
			d = -1
		}
		return nil
	})
	return d, err
}
