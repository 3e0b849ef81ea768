package engine

import (
	"encoding/json"
	"fmt"
)

// Node is one operator application: op + named inputs + typed params.
type Node struct {
	Name    string
	Op      OpKind
	Inputs  []string // value names; "" = optional input absent
	Outputs []string
	Params  any // *ConvParams for OpConv, etc. (see NewParams); nil for param-less ops
}

// Graph is a computation to compile. Value names are shared by graph
// inputs, constants and node outputs; each name is defined exactly once.
type Graph struct {
	Inputs  []ValueInfo        // graph inputs fed at run time
	Outputs []string           // values Run returns
	Nodes   []*Node            // topologically sorted
	Consts  map[string]*Tensor // initializers (weights)
}

// ValueInfo names a graph input and gives its shape. Shape[0] is the batch
// size the program is compiled for; Run also accepts other batch sizes (see
// Program.Run).
type ValueInfo struct {
	Name  string
	Shape []int
}

// NewParams returns a pointer to a zero params struct of the type op takes
// (*ConvParams for OpConv, ...), or nil for ops without params. Decoders use
// it to unmarshal Node.Params; Node.UnmarshalJSON does so already.
func NewParams(op OpKind) any {
	if !op.Valid() || ops[op].newParams == nil {
		return nil
	}
	return ops[op].newParams()
}

// nodeJSON is Node's JSON form; Params stays raw until Op is known.
type nodeJSON struct {
	Name    string          `json:"name"`
	Op      OpKind          `json:"op"`
	Inputs  []string        `json:"inputs"`
	Outputs []string        `json:"outputs"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// MarshalJSON writes {"name","op","inputs","outputs","params"}, op by name.
func (n *Node) MarshalJSON() ([]byte, error) {
	var raw json.RawMessage
	if n.Params != nil {
		b, err := json.Marshal(n.Params)
		if err != nil {
			return nil, fmt.Errorf("node %q: %w", n.Name, err)
		}
		raw = b
	}
	return json.Marshal(nodeJSON{n.Name, n.Op, n.Inputs, n.Outputs, raw})
}

// UnmarshalJSON reads what MarshalJSON writes, decoding params into the
// struct type of the node's op.
func (n *Node) UnmarshalJSON(b []byte) error {
	var j nodeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*n = Node{Name: j.Name, Op: j.Op, Inputs: j.Inputs, Outputs: j.Outputs}
	if len(j.Params) == 0 || string(j.Params) == "null" {
		return nil
	}
	p := NewParams(j.Op)
	if p == nil {
		return fmt.Errorf("node %q: operator %v takes no params", j.Name, j.Op)
	}
	if err := json.Unmarshal(j.Params, p); err != nil {
		return fmt.Errorf("node %q (%v) params: %w", j.Name, j.Op, err)
	}
	n.Params = p
	return nil
}
