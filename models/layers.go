package models

import (
	"fmt"

	"convscope/engine"
	"convscope/models/modelfile"
)

// layerKinds maps operators onto the table's kinds for graphs that come
// without a definition (ONNX imports).
var layerKinds = map[engine.OpKind]modelfile.LayerKind{
	engine.OpConv:              modelfile.LayerConv,
	engine.OpGemm:              modelfile.LayerFC,
	engine.OpMatMul:            modelfile.LayerFC,
	engine.OpBatchNorm:         modelfile.LayerBatchNorm,
	engine.OpRelu:              modelfile.LayerRelu,
	engine.OpMaxPool:           modelfile.LayerMaxPool,
	engine.OpGlobalMaxPool:     modelfile.LayerMaxPool,
	engine.OpAveragePool:       modelfile.LayerAvgPool,
	engine.OpGlobalAveragePool: modelfile.LayerAvgPool,
	engine.OpAdaptiveAvgPool:   modelfile.LayerAvgPool,
	engine.OpDropout:           modelfile.LayerDropout,
	engine.OpFlatten:           modelfile.LayerFlatten,
	engine.OpReshape:           modelfile.LayerFlatten,
	engine.OpAdd:               modelfile.LayerAdd,
	engine.OpConcat:            modelfile.LayerConcat,
	engine.OpLRN:               modelfile.LayerLRN,
}

// graphLayers derives the per-layer table of an arbitrary graph: one row
// per node, output shapes from the engine (compiled without fusion so every
// node's output exists), params as the elements of the node's constant
// inputs (not batch norm statistics), MACs as for definitions (conv: outH*outW*numel(weight); Gemm and
// MatMul: numel(weight) per row).
func graphLayers(g *engine.Graph) ([]Layer, error) {
	p, err := engine.Compile(g, engine.Options{NoFuse: true, Workers: 1})
	if err != nil {
		return nil, err
	}
	shapes := p.Shapes()
	var layers []Layer
	for _, n := range g.Nodes {
		if len(n.Outputs) == 0 {
			return nil, fmt.Errorf("node %q has no output", n.Name)
		}
		kind, ok := layerKinds[n.Op]
		if !ok {
			kind = modelfile.LayerOther
		}
		shape := shapes[n.Outputs[0]]
		l := Layer{Name: n.Name, Kind: kind, Value: n.Outputs[0], Shape: append([]int(nil), shape...)}
		for i, in := range n.Inputs {
			// Batch norm running statistics (inputs 3, 4) are buffers, and a
			// Reshape's shape is not a parameter: torchvision counts neither.
			if t, ok := g.Consts[in]; ok && n.Op != engine.OpReshape && (n.Op != engine.OpBatchNorm || i < 3) {
				l.Params += int64(t.Len())
			}
		}
		if len(n.Inputs) > 1 {
			if w, ok := g.Consts[n.Inputs[1]]; ok {
				switch {
				case n.Op == engine.OpConv && len(shape) == 4:
					l.MACs = int64(shape[2]) * int64(shape[3]) * int64(w.Len())
				case n.Op == engine.OpGemm || n.Op == engine.OpMatMul:
					l.MACs = int64(w.Len())
				}
			}
		}
		layers = append(layers, l)
	}
	return layers, nil
}
