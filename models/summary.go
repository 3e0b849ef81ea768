package models

import (
	"fmt"
	"sync"

	"convscope/engine"
	"convscope/models/modelfile"
)

// Summary is what the comparison lessons need from a definition beyond
// params and MACs: depth, and where the parameters are. It comes from the
// definition alone, so it is known before any weights are downloaded.
type Summary struct {
	// Depth counts the weight layers (conv and fc) on the longest path
	// from the input to the logits, the way the papers count: AlexNet 8,
	// VGG16 16, GoogLeNet 22, ResNet-50 50. Parallel branches (inception
	// branches, projection shortcuts) add nothing unless they are longer.
	Depth int
	// ConvParams counts the conv layers' parameters with those of the
	// batch norm that follows each conv (its weight and bias, 2 per
	// channel): the engine folds that batch norm into the conv, so they are
	// one layer in the running network. FCParams counts the fully connected
	// layers (and a batch norm after one, if any). OtherParams is whatever
	// belongs to neither (a batch norm not fed by a weight layer); it is 0
	// for every definition ConvScope has, so ConvParams + FCParams equals
	// Def.ParamCount, torchvision's count.
	ConvParams, FCParams, OtherParams int64
}

// Summary computes the definition's Summary from its graph and table.
func (d *Def) Summary() Summary {
	kind := make(map[string]modelfile.LayerKind, len(d.Layers)) // output value -> kind
	for _, l := range d.Layers {
		kind[l.Value] = l.Kind
	}
	// producerInput maps a value to the first input of the node that wrote
	// it, to find the layer before a batch norm.
	producerInput := map[string]string{}
	for _, n := range d.graph.Nodes {
		for _, out := range n.Outputs {
			if len(n.Inputs) > 0 {
				producerInput[out] = n.Inputs[0]
			}
		}
	}
	var s Summary
	s.Depth = longestPath(d.graph.Inputs, d.graph.Nodes, d.graph.Outputs, func(n *engine.Node) bool {
		k := kind[n.Outputs[0]]
		return k == modelfile.LayerConv || k == modelfile.LayerFC
	})
	for _, l := range d.Layers {
		k := l.Kind
		if k == modelfile.LayerBatchNorm {
			k = kind[producerInput[l.Value]]
		}
		switch k {
		case modelfile.LayerConv:
			s.ConvParams += l.Params
		case modelfile.LayerFC:
			s.FCParams += l.Params
		default:
			s.OtherParams += l.Params
		}
	}
	return s
}

// longestPath counts the weight layers (nodes for which weight is true) on
// the longest path from the graph inputs to the first output. Nodes are in
// topological order; constants (weights) start no path.
func longestPath(inputs []engine.ValueInfo, nodes []*engine.Node, outputs []string, weight func(*engine.Node) bool) int {
	if len(outputs) == 0 {
		return 0
	}
	depth := map[string]int{}
	for _, in := range inputs {
		depth[in.Name] = 0
	}
	for _, n := range nodes {
		if len(n.Outputs) == 0 {
			continue
		}
		deepest := 0
		for _, in := range n.Inputs {
			if v, ok := depth[in]; ok && v > deepest {
				deepest = v
			}
		}
		if weight(n) {
			deepest++
		}
		for _, out := range n.Outputs {
			depth[out] = deepest
		}
	}
	return depth[outputs[0]]
}

// metaSummary computes the Summary of a model file with no definition (an
// ONNX import) from its metadata: depth from its graph (after batch norm
// folding: Conv, Gemm and MatMul nodes are the weight layers), params from
// its per-layer table, batch norms on the conv side as for definitions. ok
// is false when the table's conv and fc parameters (and batch norms) are
// not all of the file's Params: then the split would mislead.
func metaSummary(m *modelfile.Meta) (s Summary, ok bool) {
	nodes := make([]*engine.Node, len(m.Nodes))
	for i, n := range m.Nodes {
		nodes[i] = (*engine.Node)(n)
	}
	inputs := make([]engine.ValueInfo, len(m.Inputs))
	for i, in := range m.Inputs {
		inputs[i] = engine.ValueInfo{Name: in.Name, Shape: in.Shape}
	}
	s.Depth = longestPath(inputs, nodes, m.Outputs, func(n *engine.Node) bool {
		return n.Op == engine.OpConv || n.Op == engine.OpGemm || n.Op == engine.OpMatMul
	})
	for _, l := range m.Layers {
		switch l.Kind {
		case modelfile.LayerConv, modelfile.LayerBatchNorm:
			s.ConvParams += l.Params
		case modelfile.LayerFC:
			s.FCParams += l.Params
		default:
			s.OtherParams += l.Params
		}
	}
	return s, s.Depth > 0 && s.OtherParams == 0 && s.ConvParams+s.FCParams == m.Params
}

// summaryKey names one build of an architecture.
type summaryKey struct {
	arch string
	cfg  Config
}

var summaries sync.Map // summaryKey -> Summary; definitions never change

// ArchSummary returns the Summary of the named architecture built for cfg
// (zero fields take the architecture's default, as in ArchConfig). It is
// computed once per process and build.
func ArchSummary(arch string, cfg Config) (Summary, error) {
	a, ok := archs[arch]
	if !ok {
		return Summary{}, fmt.Errorf("unknown architecture %q (known: %v)", arch, ArchNames())
	}
	if cfg.Height == 0 {
		cfg.Height = a.def.Height
	}
	if cfg.Width == 0 {
		cfg.Width = a.def.Width
	}
	if cfg.Classes == 0 {
		cfg.Classes = a.def.Classes
	}
	k := summaryKey{arch, cfg}
	if s, ok := summaries.Load(k); ok {
		return s.(Summary), nil
	}
	d, err := a.build(cfg)
	if err != nil {
		return Summary{}, err
	}
	s := d.Summary()
	summaries.Store(k, s)
	return s, nil
}
