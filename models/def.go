// Package models holds the architecture definitions (AlexNet, VGG,
// GoogLeNet, ResNet and the CIFAR-10 variants), the conversion of a
// state_dict into a quantized model file, loading and running such a file,
// and the catalog of models. It builds for js/wasm and never imports the
// importers.
package models

import (
	"fmt"
	"slices"

	"convscope/engine"
	"convscope/models/modelfile"
)

// Layer is one row of the per-layer table (see modelfile.Layer).
type Layer = modelfile.Layer

// Block groups the layers of a residual block or an inception module.
type Block = modelfile.Block

// ParamSpec is one state_dict entry a definition needs: what an importer
// must supply, by torchvision's name. num_batches_tracked is never listed.
type ParamSpec struct {
	Name  string
	Shape []int
	// Buffer marks batch norm running statistics: state_dict entries that
	// are not learnable parameters (torchvision does not count them).
	Buffer bool
}

// Def is an architecture definition: the graph it builds, with its weights
// named by torchvision state_dict names, and its per-layer table.
type Def struct {
	Name       string // architecture name, e.g. "resnet18"
	Input      []int  // input shape (1, 3, H, W); the input value is InputName
	NumClasses int
	// Layers is the per-layer table in graph order, Blocks the grouping of
	// its rows into residual blocks and inception modules.
	Layers []Layer
	Blocks []Block

	graph  *engine.Graph             // nodes only; Consts holds the fixed tensors
	params []ParamSpec               // state_dict entries, in definition order
	fixed  map[string]*engine.Tensor // consts the definition supplies itself
}

// InputName is the graph input of every definition.
const InputName = "input"

// Params lists every state_dict entry the definition needs, in the order
// the definition creates them.
func (d *Def) Params() []ParamSpec {
	out := make([]ParamSpec, len(d.params))
	for i, p := range d.params {
		out[i] = ParamSpec{Name: p.Name, Shape: slices.Clone(p.Shape), Buffer: p.Buffer}
	}
	return out
}

// ParamCount is the number of learnable parameters, counted as torchvision
// counts them (sum of numel over model.parameters()).
func (d *Def) ParamCount() int64 {
	var n int64
	for _, l := range d.Layers {
		n += l.Params
	}
	return n
}

// MACs is the total of multiply-accumulates of one forward pass at Input
// (conv and fc layers only; see modelfile.Layer.MACs).
func (d *Def) MACs() int64 {
	var n int64
	for _, l := range d.Layers {
		n += l.MACs
	}
	return n
}

// Output is the name of the graph value holding the logits.
func (d *Def) Output() string { return d.graph.Outputs[0] }

// Graph returns the definition's graph with its weights taken from
// stateDict (float32, batch norm not folded): the reference network. Every
// entry of Params must be present with its shape; other entries are ignored.
// The tensors are shared, not copied.
func (d *Def) Graph(stateDict map[string]*engine.Tensor) (*engine.Graph, error) {
	consts := make(map[string]*engine.Tensor, len(d.params)+len(d.fixed))
	for _, p := range d.params {
		t, ok := stateDict[p.Name]
		if !ok || t == nil {
			return nil, fmt.Errorf("%s: state_dict has no %q", d.Name, p.Name)
		}
		if !slices.Equal(t.Shape, p.Shape) {
			return nil, fmt.Errorf("%s: state_dict entry %q has shape %v, the definition needs %v", d.Name, p.Name, t.Shape, p.Shape)
		}
		if len(t.Data) != shapeLen(p.Shape) {
			return nil, fmt.Errorf("%s: state_dict entry %q has %d values for shape %v", d.Name, p.Name, len(t.Data), t.Shape)
		}
		consts[p.Name] = t
	}
	for name, t := range d.fixed {
		consts[name] = t
	}
	g := d.skeleton()
	g.Consts = consts
	return g, nil
}

// skeleton copies the graph's structure (nodes are copied, params shared,
// since nobody mutates them) without consts.
func (d *Def) skeleton() *engine.Graph {
	g := &engine.Graph{
		Inputs:  make([]engine.ValueInfo, len(d.graph.Inputs)),
		Outputs: slices.Clone(d.graph.Outputs),
		Nodes:   make([]*engine.Node, len(d.graph.Nodes)),
	}
	for i, in := range d.graph.Inputs {
		g.Inputs[i] = engine.ValueInfo{Name: in.Name, Shape: slices.Clone(in.Shape)}
	}
	for i, n := range d.graph.Nodes {
		c := *n
		c.Inputs = slices.Clone(n.Inputs)
		c.Outputs = slices.Clone(n.Outputs)
		g.Nodes[i] = &c
	}
	return g
}

func shapeLen(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
