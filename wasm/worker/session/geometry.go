package session

import (
	"convscope/engine"
	"convscope/models/modelfile"
	"convscope/web/protocol"
)

// InputLayer is the name LayerInfo.Inputs gives the image (the graph input).
const InputLayer = "input"

// graphIndex answers the questions the lessons' data asks of a model's
// graph: which node produces a value, which row of the layer table owns it.
type graphIndex struct {
	g        *engine.Graph
	input    string
	producer map[string]*engine.Node // value -> node that computes it
	byName   map[string]*engine.Node // node name -> first node of that name
	owner    map[string]string       // value -> first layer (table order) naming it
}

func newGraphIndex(g *engine.Graph, layers []modelfile.Layer) *graphIndex {
	ix := &graphIndex{g: g, input: g.Inputs[0].Name, producer: map[string]*engine.Node{}, byName: map[string]*engine.Node{}, owner: map[string]string{}}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			ix.producer[o] = n
		}
		if _, dup := ix.byName[n.Name]; !dup {
			ix.byName[n.Name] = n
		}
	}
	// The first row wins: after batch norm folding a conv and its batch
	// norm name the same value, and the conv (which computes it) comes
	// first.
	for _, l := range layers {
		if _, ok := ix.owner[l.Value]; !ok {
			ix.owner[l.Value] = l.Name
		}
	}
	return ix
}

// node returns the graph node that is layer l, or nil when l has none of
// its own (a batch norm folded into the conv before it).
func (ix *graphIndex) node(l modelfile.Layer) *engine.Node {
	if n := ix.byName[l.Name]; n != nil && len(n.Outputs) > 0 && n.Outputs[0] == l.Value {
		return n
	}
	if ix.owner[l.Value] == l.Name {
		return ix.producer[l.Value] // a table whose row names differ from the node names
	}
	return nil
}

// passThrough reports whether op only reshapes or copies its first input:
// the lessons' layer graph looks through it.
func passThrough(op engine.OpKind) bool {
	switch op {
	case engine.OpFlatten, engine.OpDropout, engine.OpIdentity, engine.OpReshape:
		return true
	}
	return false
}

// through follows value v back through pass-through nodes to the value that
// a real layer (or the graph input) computed.
func (ix *graphIndex) through(v string) string {
	for range len(ix.g.Nodes) + 1 { // bounded: a malformed graph cannot loop
		n := ix.producer[v]
		if n == nil || !passThrough(n.Op) || len(n.Inputs) == 0 {
			return v
		}
		v = n.Inputs[0]
	}
	return v
}

// sources returns the layers whose outputs reach value v, skipping
// pass-through nodes; a node without a row of its own (an internal node of
// a definition) is looked through to its own inputs.
func (ix *graphIndex) sources(v string, seen map[string]bool) []string {
	v = ix.through(v)
	if seen[v] {
		return nil
	}
	seen[v] = true
	if v == ix.input {
		return []string{InputLayer}
	}
	if name, ok := ix.owner[v]; ok {
		return []string{name}
	}
	n := ix.producer[v]
	if n == nil {
		return nil // a constant
	}
	var out []string
	for _, in := range n.Inputs {
		if in != "" {
			out = append(out, ix.sources(in, seen)...)
		}
	}
	return out
}

// fillGeometry sets the geometry, input shape and graph edges of every row
// of layers (meta[i] is the table row of layers[i]); shapes holds every
// value's shape.
func fillGeometry(layers []protocol.LayerInfo, meta []modelfile.Layer, ix *graphIndex, shapes map[string][]int) {
	for i, l := range meta {
		li := &layers[i]
		n := ix.node(l)
		if n == nil {
			// Folded into the layer that owns its value: it reads that
			// layer's output, element by element.
			if o, ok := ix.owner[l.Value]; ok && o != l.Name {
				li.Inputs = []string{o}
			}
			li.InShape = clone(shapes[l.Value])
			continue
		}
		seen := map[string]bool{}
		for _, in := range n.Inputs {
			if in == "" || ix.g.Consts[in] != nil {
				continue
			}
			if li.InShape == nil {
				li.InShape = clone(shapes[in])
			}
			for _, s := range ix.sources(in, map[string]bool{}) {
				if !seen[s] {
					seen[s] = true
					li.Inputs = append(li.Inputs, s)
				}
			}
		}
		setGeometry(li, n)
	}
}

// setGeometry sets Kernel, Stride, Pads, Dilation and Group of a conv or
// pooling layer from its node (li.InShape already set).
func setGeometry(li *protocol.LayerInfo, n *engine.Node) {
	switch p := n.Params.(type) {
	case *engine.ConvParams:
		li.Kernel, li.Stride, li.Pads, li.Dilation = p.Kernel[:], p.Strides[:], p.Pads[:], p.Dilations[:]
		li.Group = max(p.Group, 1)
	case *engine.PoolParams:
		li.Kernel, li.Stride, li.Pads, li.Dilation = p.Kernel[:], p.Strides[:], p.Pads[:], p.Dilations[:]
		if li.Dilation[0] == 0 || li.Dilation[1] == 0 {
			li.Dilation = []int{1, 1}
		}
	case *engine.AdaptiveAvgPoolParams:
		if len(li.InShape) != 4 {
			return
		}
		// An input size the output size divides makes equal, disjoint
		// bins: a plain pool. Otherwise PyTorch's bins (see
		// engine.AdaptiveAvgPoolParams) differ in size and may overlap; the
		// largest bin and the smallest step describe the pool for receptive
		// fields without understating them.
		var k, s [2]int
		for a := range 2 {
			in, out := li.InShape[2+a], p.Out[a]
			s[a] = max(in/out, 1)
			for i := range out {
				k[a] = max(k[a], ((i+1)*in+out-1)/out-i*in/out)
			}
		}
		li.Kernel, li.Stride, li.Pads, li.Dilation = k[:], s[:], []int{0, 0, 0, 0}, []int{1, 1}
	default:
		if (n.Op == engine.OpGlobalAveragePool || n.Op == engine.OpGlobalMaxPool) && len(li.InShape) == 4 {
			li.Kernel = []int{li.InShape[2], li.InShape[3]}
			li.Stride, li.Pads, li.Dilation = []int{1, 1}, []int{0, 0, 0, 0}, []int{1, 1}
		}
	}
	// Copies, so the table never aliases the graph's params.
	li.Kernel, li.Stride, li.Pads, li.Dilation = clone(li.Kernel), clone(li.Stride), clone(li.Pads), clone(li.Dilation)
}

func clone(s []int) []int {
	if s == nil {
		return nil
	}
	return append([]int(nil), s...)
}
