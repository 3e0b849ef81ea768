package models

import (
	"fmt"
	"math"

	"convscope/engine"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// Meta is what a converter knows about a model besides its weights.
type Meta struct {
	Name       string // catalog name, e.g. "resnet18"
	Dataset    string // "imagenet" | "cifar10"
	Labels     []string
	Preprocess preprocess.Spec
	Source     string // where the weights came from, e.g. "torchvision resnet18-f37072fd.pth"
	Accuracy   []modelfile.Accuracy
}

// Convert turns a state_dict for def into a model file: it binds the
// weights to the definition's graph, folds every batch norm into the conv
// before it (in float32), quantizes conv and fc weights to int8 per output
// channel, and fills in the metadata (per-layer table, params, MACs).
func Convert(def *Def, stateDict map[string]*engine.Tensor, meta Meta) (*modelfile.File, error) {
	return convertDef(def, stateDict, meta, false)
}

// convertDef binds the state_dict to def and converts the graph.
func convertDef(def *Def, stateDict map[string]*engine.Tensor, meta Meta, keepFloat bool) (*modelfile.File, error) {
	if len(meta.Labels) != def.NumClasses {
		return nil, fmt.Errorf("convert %s: %d labels for %d classes", def.Name, len(meta.Labels), def.NumClasses)
	}
	g, err := def.Graph(stateDict)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	layers := append([]Layer(nil), def.Layers...)
	blocks := append([]Block(nil), def.Blocks...)
	return convert(g, meta, def.Name, layers, blocks, keepFloat)
}

// ConvertFloat32 is Convert without the quantization: the float32 twin of
// the model Convert makes from the same state_dict (same graph, same batch
// norm folding, same metadata), with every weight stored as the float32
// value Convert would have quantized, and Meta.TwinOf set to meta.Name.
// Quantizing its weights per output channel gives Convert's int8 bytes
// exactly (CheckTwin checks that).
func ConvertFloat32(def *Def, stateDict map[string]*engine.Tensor, meta Meta) (*modelfile.File, error) {
	f, err := convertDef(def, stateDict, meta, true)
	if err != nil {
		return nil, err
	}
	f.Meta.TwinOf = meta.Name
	return f, nil
}

// ConvertGraph turns an arbitrary graph (an ONNX import) into a model file
// the same way, with arch "onnx" and a per-layer table derived from the
// graph: one row per node, shapes from the engine's shape inference.
func ConvertGraph(g *engine.Graph, meta Meta) (*modelfile.File, error) {
	layers, err := graphLayers(g)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", meta.Name, err)
	}
	return convert(g, meta, "onnx", layers, nil, false)
}

// ConvertGraphFloat32 is ConvertGraph without the quantization: the float32
// twin of the model ConvertGraph makes from the same graph (see
// ConvertFloat32), Meta.TwinOf set to meta.Name.
func ConvertGraphFloat32(g *engine.Graph, meta Meta) (*modelfile.File, error) {
	layers, err := graphLayers(g)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", meta.Name, err)
	}
	f, err := convert(g, meta, "onnx", layers, nil, true)
	if err != nil {
		return nil, err
	}
	f.Meta.TwinOf = meta.Name
	return f, nil
}

// convert builds the model file; keepFloat keeps the weights float32 (a
// twin) instead of quantizing them.
func convert(g *engine.Graph, meta Meta, arch string, layers []Layer, blocks []Block, keepFloat bool) (*modelfile.File, error) {
	var params, macs int64
	for _, l := range layers {
		params += l.Params
		macs += l.MACs
	}
	nodes, consts, renamed, err := foldBatchNorm(g)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", meta.Name, err)
	}
	for i := range layers {
		if v, ok := renamed[layers[i].Value]; ok {
			layers[i].Value = v
		}
	}
	for i := range blocks {
		if v, ok := renamed[blocks[i].Output]; ok {
			blocks[i].Output = v
		}
	}
	f := &modelfile.File{Meta: modelfile.Meta{
		Name: meta.Name, Arch: arch, Dataset: meta.Dataset, Labels: meta.Labels,
		Preprocess: meta.Preprocess, Source: meta.Source,
		Outputs: append([]string(nil), g.Outputs...),
		Layers:  layers, Blocks: blocks, Params: params, MACs: macs, Accuracy: meta.Accuracy,
	}}
	for _, in := range g.Inputs {
		if _, isConst := consts[in.Name]; !isConst {
			f.Meta.Inputs = append(f.Meta.Inputs, modelfile.ValueInfo{Name: in.Name, Shape: append([]int(nil), in.Shape...)})
		}
	}
	// Constants in the order nodes use them, each once, quantized when it
	// is the weight of a conv or fc layer and used by nothing else.
	axis := weightAxes(nodes)
	seen := map[string]bool{}
	for _, n := range nodes {
		f.Meta.Nodes = append(f.Meta.Nodes, (*modelfile.Node)(n))
		for _, name := range n.Inputs {
			t, ok := consts[name]
			if !ok || seen[name] {
				continue
			}
			seen[name] = true
			var st *modelfile.Tensor
			if a, q := axis[name]; q && !keepFloat {
				st, err = modelfile.QuantizeInt8(name, t, a)
			} else {
				st, err = modelfile.FromFloat32(name, t)
			}
			if err != nil {
				return nil, fmt.Errorf("convert %s: %w", meta.Name, err)
			}
			f.Tensors = append(f.Tensors, st)
		}
	}
	return f, nil
}

// weightAxes returns, for each constant that is only ever the weight of a
// Conv or Gemm, its output-channel axis: 0 for a conv (outC, inC/g, kH, kW)
// and a Gemm with TransB (out, in); 1 for a Gemm without it (in, out).
func weightAxes(nodes []*engine.Node) map[string]int {
	axis := map[string]int{}
	other := map[string]bool{}
	for _, n := range nodes {
		for i, name := range n.Inputs {
			a, isWeight := -1, false
			if i == 1 {
				switch n.Op {
				case engine.OpConv:
					a, isWeight = 0, true
				case engine.OpGemm:
					a, isWeight = 1, true
					if p, ok := n.Params.(*engine.GemmParams); ok && p.TransB {
						a = 0
					}
					if p, ok := n.Params.(*engine.GemmParams); ok && p.TransA {
						isWeight = false
					}
				}
			}
			if !isWeight {
				other[name] = true
				continue
			}
			if prev, ok := axis[name]; ok && prev != a {
				other[name] = true
			}
			axis[name] = a
		}
	}
	for name := range other {
		delete(axis, name)
	}
	return axis
}

// foldBatchNorm returns the graph's nodes with every BatchNormalization
// whose input is a Conv output used by nothing else folded into that conv:
//
//	w'[c] = w[c] * gamma[c] / sqrt(var[c] + eps)
//	b'[c] = (b[c] - mean[c]) * gamma[c] / sqrt(var[c] + eps) + beta[c]
//
// The conv then writes the batch norm's output value; renamed maps the
// conv's old output to it. consts holds the constants the nodes still use
// (new tensors for folded ones: the caller's are not modified).
func foldBatchNorm(g *engine.Graph) (nodes []*engine.Node, consts map[string]*engine.Tensor, renamed map[string]string, err error) {
	uses := map[string]int{}
	producer := map[string]*engine.Node{}
	for _, n := range g.Nodes {
		if n == nil {
			return nil, nil, nil, fmt.Errorf("graph has a nil node")
		}
		for _, in := range n.Inputs {
			uses[in]++
		}
		for _, out := range n.Outputs {
			producer[out] = n
		}
	}
	for _, out := range g.Outputs {
		uses[out]++
	}
	consts = make(map[string]*engine.Tensor, len(g.Consts))
	for k, v := range g.Consts {
		consts[k] = v
	}
	renamed = map[string]string{}
	folded := map[*engine.Node]bool{}
	convs := map[*engine.Node]*engine.Node{} // conv -> its replacement
	for _, bn := range g.Nodes {
		if bn.Op != engine.OpBatchNorm || len(bn.Inputs) != 5 || len(bn.Outputs) == 0 {
			continue
		}
		conv := producer[bn.Inputs[0]]
		if conv == nil || conv.Op != engine.OpConv || uses[bn.Inputs[0]] != 1 || len(conv.Inputs) < 2 || uses[conv.Inputs[1]] != 1 {
			continue
		}
		p, ok := bn.Params.(*engine.BatchNormParams)
		if !ok {
			continue
		}
		w := consts[conv.Inputs[1]]
		var b *engine.Tensor
		if len(conv.Inputs) > 2 && conv.Inputs[2] != "" {
			if b = consts[conv.Inputs[2]]; b == nil || uses[conv.Inputs[2]] != 1 {
				continue
			}
		}
		gamma, beta, mean, vr := consts[bn.Inputs[1]], consts[bn.Inputs[2]], consts[bn.Inputs[3]], consts[bn.Inputs[4]]
		if w == nil || gamma == nil || beta == nil || mean == nil || vr == nil || len(w.Shape) != 4 {
			continue
		}
		oc := w.Shape[0]
		if len(gamma.Data) != oc || len(beta.Data) != oc || len(mean.Data) != oc || len(vr.Data) != oc || (b != nil && len(b.Data) != oc) || len(w.Data)%oc != 0 {
			return nil, nil, nil, fmt.Errorf("batch norm %q does not match conv %q's %d output channels", bn.Name, conv.Name, oc)
		}
		nw := w.Clone()
		nb := &engine.Tensor{Shape: []int{oc}, Data: make([]float32, oc)}
		per := len(w.Data) / oc
		for c := range oc {
			v := float64(vr.Data[c]) + float64(p.Epsilon)
			if !(v > 0) {
				return nil, nil, nil, fmt.Errorf("batch norm %q: channel %d has variance+eps %v", bn.Name, c, v)
			}
			s := float64(gamma.Data[c]) / math.Sqrt(v)
			for i := c * per; i < (c+1)*per; i++ {
				nw.Data[i] = float32(float64(w.Data[i]) * s)
			}
			bias := 0.0
			if b != nil {
				bias = float64(b.Data[c])
			}
			nb.Data[c] = float32((bias-float64(mean.Data[c]))*s + float64(beta.Data[c]))
		}
		biasName := conv.Name + ".bias"
		if b != nil {
			biasName = conv.Inputs[2]
		} else if _, clash := consts[biasName]; clash {
			biasName = conv.Name + ".folded_bias"
		}
		consts[conv.Inputs[1]], consts[biasName] = nw, nb
		c := *conv
		c.Inputs = []string{conv.Inputs[0], conv.Inputs[1], biasName}
		c.Outputs = []string{bn.Outputs[0]}
		renamed[conv.Outputs[0]] = bn.Outputs[0]
		convs[conv] = &c
		folded[bn] = true
	}
	used := map[string]bool{}
	for _, n := range g.Nodes {
		if folded[n] {
			continue
		}
		if c, ok := convs[n]; ok {
			n = c
		}
		nodes = append(nodes, n)
		for _, in := range n.Inputs {
			used[in] = true
		}
	}
	for name := range consts {
		if !used[name] {
			delete(consts, name)
		}
	}
	return nodes, consts, renamed, nil
}
