package models

import (
	"encoding/json"
	"fmt"
	"sync"

	"convscope/engine"
	"convscope/models/labels"
	"convscope/models/modelfile"
)

// sizeEstimate is what a definition says about a model not fetched yet.
type sizeEstimate struct {
	macs, bytes int64
}

var estimates sync.Map // arch name -> sizeEstimate

// estimate returns the MACs of the architecture and the size its model
// file will have: the data section exactly (int8 conv and fc weights with
// their scales, float32 biases including those batch norm folding creates,
// 4-byte alignment), plus the metadata without the details only a conversion knows
// (within a few percent of it; the metadata is about 1% of the file).
func estimate(arch string) (sizeEstimate, error) {
	if e, ok := estimates.Load(arch); ok {
		return e.(sizeEstimate), nil
	}
	d, err := Arch(arch)
	if err != nil {
		return sizeEstimate{}, err
	}
	ds, err := ArchDataset(arch)
	if err != nil {
		return sizeEstimate{}, err
	}
	names, err := labels.For(ds)
	if err != nil {
		return sizeEstimate{}, err
	}
	data, meta, err := d.fileBytes(names)
	if err != nil {
		return sizeEstimate{}, err
	}
	e := sizeEstimate{macs: d.MACs(), bytes: modelfile.HeaderSize + meta + data}
	estimates.Store(arch, e)
	return e, nil
}

// fileBytes returns the data section size and an estimate of the metadata
// size of the file Convert would write for d.
func (d *Def) fileBytes(labels []string) (data, meta int64, err error) {
	pad := func(n int64) int64 { return (n + 3) &^ 3 }
	shapes := map[string][]int{}
	for _, p := range d.params {
		shapes[p.Name] = p.Shape
	}
	for name, t := range d.fixed {
		shapes[name] = t.Shape
	}
	var infos []modelfile.TensorInfo
	add := func(name string, shape []int, int8 bool) {
		n := int64(shapeLen(shape))
		info := modelfile.TensorInfo{Name: name, Shape: shape, DType: modelfile.Float32, Offset: data}
		if int8 {
			info.DType, info.ScalesOffset = modelfile.Int8, data+pad(n)
			data += pad(n) + 4*int64(shape[0])
		} else {
			data += 4 * n
		}
		infos = append(infos, info)
	}
	for _, n := range d.graph.Nodes {
		switch n.Op {
		case engine.OpConv, engine.OpGemm:
			w := shapes[n.Inputs[1]]
			add(n.Inputs[1], w, true)
			// A bias of its own, or the one batch norm folding gives it.
			add(n.Name+".bias", []int{w[0]}, false)
		case engine.OpBatchNorm:
			// Folded into the conv before it: nothing stored.
		default:
			for _, in := range n.Inputs {
				if s, ok := shapes[in]; ok {
					add(in, s, false)
				}
			}
		}
	}
	m := modelfile.Meta{Name: d.Name, Arch: d.Name, Labels: labels, Layers: d.Layers, Blocks: d.Blocks, Tensors: infos}
	for _, n := range d.graph.Nodes {
		if n.Op == engine.OpBatchNorm { // folded away
			continue
		}
		c := *n
		if n.Op == engine.OpConv && len(n.Inputs) == 2 { // gains a folded bias
			c.Inputs = append(c.Inputs[:2:2], n.Name+".bias")
		}
		m.Nodes = append(m.Nodes, (*modelfile.Node)(&c))
	}
	b, err := json.Marshal(&m)
	if err != nil {
		return 0, 0, fmt.Errorf("estimate %s: %w", d.Name, err)
	}
	return data, int64(len(b)), nil
}
