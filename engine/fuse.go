package engine

import (
	"fmt"
	"math"
	"slices"
)

// fuse runs the optimisation passes on p.nodes:
//
//  1. Identity, and Dropout without a mask output, are skipped: their output
//     becomes an alias of their input.
//  2. A BatchNormalization whose input is the output of a Conv is folded into
//     that conv's weights and bias, when the conv output has no other consumer,
//     is not a graph output or kept value, and all the weights are constants.
//  3. An Add of a Conv's output and another value of the same shape (a
//     ResNet block's residual) becomes that conv's epilogue, the other
//     value its 4th input (ConvParams.Residual), under the same conditions
//     on the conv output. The conv then runs where the Add did.
//  4. A Relu after a Conv is fused into it under the same conditions (after
//     a fused Add too: the ReLU applies to the sum).
//
// A conv with a fused Add or ReLU absorbs no batch norm, and one with a
// fused ReLU no Add. Removing a node never changes the shape of a
// surviving value.
func (p *Program) fuse() error {
	keptByName := map[string]bool{}
	for _, k := range p.keepAs {
		keptByName[k] = true
	}
	for _, o := range p.outputs {
		keptByName[o] = true
	}

	var nodes []*Node
	for _, n := range p.nodes {
		skip := n.Op == OpIdentity ||
			(n.Op == OpDropout && (len(n.Outputs) < 2 || n.Outputs[1] == ""))
		if skip {
			p.alias[n.Outputs[0]] = p.resolve(n.Inputs[0])
			continue
		}
		for i, in := range n.Inputs {
			if in != "" {
				n.Inputs[i] = p.resolve(in)
			}
		}
		nodes = append(nodes, n)
	}
	p.nodes = nodes

	// pinned reports whether value v must stay visible; a kept or output name
	// may reach v through aliases.
	pinned := map[string]bool{}
	for name := range keptByName {
		pinned[p.resolve(name)] = true
	}

	for {
		consumers := map[string]int{}
		producer := map[string]int{}
		for i, n := range p.nodes {
			for _, in := range n.Inputs {
				consumers[in]++
			}
			for _, o := range n.Outputs {
				producer[o] = i
			}
		}
		changed := false
		for i, n := range p.nodes {
			if n.Op == OpAdd {
				if p.fuseAdd(i, producer, consumers, pinned) {
					changed = true
					break
				}
				continue
			}
			if (n.Op != OpBatchNorm && n.Op != OpRelu) || len(n.Inputs) == 0 {
				continue
			}
			j, ok := producer[n.Inputs[0]]
			if !ok {
				continue
			}
			conv := p.nodes[j]
			x := n.Inputs[0]
			if conv.Op != OpConv || consumers[x] != 1 || pinned[x] {
				continue
			}
			cp, err := paramsOf[ConvParams](conv)
			if err != nil || cp.Relu {
				continue // a conv with fused ReLU cannot absorb more
			}
			var fused *Node
			if n.Op == OpBatchNorm {
				if len(n.Outputs) > 1 || cp.Residual {
					continue // training-mode outputs; infer rejected them already
				}
				fused, err = p.foldBatchNorm(conv, n)
				if err != nil {
					return err
				}
				if fused == nil {
					continue
				}
			} else {
				c := *conv
				q := *cp
				q.Relu = true
				c.Params = &q
				fused = &c
			}
			fused.Outputs = []string{n.Outputs[0]}
			p.nodes[j] = fused
			p.nodes = append(p.nodes[:i], p.nodes[i+1:]...)
			changed = true
			break
		}
		if !changed {
			return nil
		}
	}
}

// fuseAdd fuses the Add p.nodes[i] into the conv that makes one of its
// operands (see fuse), when it can, and reports whether it did. When both
// operands qualify, the conv that runs later takes it, or with p.fuseEarly
// the one that runs first: in a ResNet block whose skip is a downsample
// conv, written conv1, conv2, (conv3,) downsample, Add, the main path's
// last conv then runs at the Add's place, after the downsample, and the
// downsample, which reads only the block's input, runs beside the main
// path's other convs as a group of the inter-op schedule (planSchedule),
// each on one thread, instead of every conv split over the workers one
// after another. Either way the sum is that of the same two values, so
// the bits do not change.
func (p *Program) fuseAdd(i int, producer map[string]int, consumers map[string]int, pinned map[string]bool) bool {
	n := p.nodes[i]
	if len(n.Inputs) != 2 || len(n.Outputs) != 1 {
		return false
	}
	best := -1
	for k, x := range n.Inputs {
		r := n.Inputs[1-k]
		j, ok := producer[x]
		if !ok || x == r || consumers[x] != 1 || pinned[x] || p.nodes[j].Op != OpConv {
			continue
		}
		if cp, err := paramsOf[ConvParams](p.nodes[j]); err != nil || cp.Relu || cp.Residual {
			continue
		}
		// Same shape, so no broadcast; a constant operand may be int8.
		xs, rs := p.shapes[x], p.shapes[r]
		if _, isConst := p.consts[r]; isConst || xs == nil || !slices.Equal(xs, rs) {
			continue
		}
		if best < 0 || (j > producer[n.Inputs[best]]) != p.fuseEarly {
			best = k
		}
	}
	if best < 0 {
		return false
	}
	j := producer[n.Inputs[best]]
	conv := p.nodes[j]
	cp, _ := paramsOf[ConvParams](conv)
	c := *conv
	q := *cp
	q.Residual = true
	c.Params = &q
	c.Inputs = make([]string, 4)
	copy(c.Inputs, conv.Inputs)
	c.Inputs[3] = n.Inputs[1-best]
	c.Outputs = []string{n.Outputs[0]}
	// The conv moves to the Add's place, where the other operand exists;
	// its own inputs were made before its old place.
	p.nodes[i] = &c
	p.nodes = append(p.nodes[:j], p.nodes[j+1:]...)
	return true
}

// foldBatchNorm returns a copy of conv whose weights and bias include the
// inference-mode batch norm bn, or nil when an operand is not a constant.
// y = (conv(x) - mean) * s + beta with s = scale / sqrt(var + eps) becomes a
// conv with weights W*s (per output channel) and bias (b - mean)*s + beta.
func (p *Program) foldBatchNorm(conv, bn *Node) (*Node, error) {
	bp, err := paramsOf[BatchNormParams](bn)
	if err != nil {
		return nil, nil
	}
	if len(conv.Inputs) < 2 || len(bn.Inputs) != 5 {
		return nil, nil
	}
	w, ok := p.consts[conv.Inputs[1]] // (outC, inC/group, kH, kW)
	if !ok {
		return nil, nil
	}
	var b *Tensor // (outC)
	if len(conv.Inputs) > 2 && conv.Inputs[2] != "" {
		if b, ok = p.consts[conv.Inputs[2]]; !ok {
			return nil, nil
		}
	}
	var bnT [4]*Tensor // scale, beta, mean, var: each (outC)
	for k := range bnT {
		if bnT[k], ok = p.consts[bn.Inputs[k+1]]; !ok {
			return nil, nil
		}
	}
	if p.planning {
		// ShardParts' stand-in constants have no values: what matters is
		// that the conv now reads fresh constants, not the graph's.
		return p.foldedConv(conv, &Tensor{Shape: w.Shape}, &Tensor{Shape: []int{w.Shape[0]}}), nil
	}
	if b != nil {
		b = b.Dequantized()
	}
	for k := range bnT {
		bnT[k] = bnT[k].Dequantized()
	}
	outC := w.Shape[0]
	per := w.Len() / outC
	wf := w.Float32() // the folded weights are float32 either way
	nw := &Tensor{Shape: append([]int{}, w.Shape...), Data: make([]float32, w.Len())}
	nb := &Tensor{Shape: []int{outC}, Data: make([]float32, outC)}
	for oc := 0; oc < outC; oc++ {
		// Computed in float64 so folding adds no error beyond the final rounding.
		s := float64(bnT[0].Data[oc]) / math.Sqrt(float64(bnT[3].Data[oc])+float64(bp.Epsilon))
		for k := oc * per; k < (oc+1)*per; k++ {
			nw.Data[k] = float32(float64(wf[k]) * s)
		}
		bias := 0.0
		if b != nil {
			bias = float64(b.Data[oc])
		}
		nb.Data[oc] = float32((bias-float64(bnT[2].Data[oc]))*s + float64(bnT[1].Data[oc]))
	}
	return p.foldedConv(conv, nw, nb), nil
}

// foldedConv returns a copy of conv reading the folded weights nw and bias
// nb, stored as fresh constants.
func (p *Program) foldedConv(conv *Node, nw, nb *Tensor) *Node {
	wName, bName := p.freshConst(conv.Name+"/folded_weight"), p.freshConst(conv.Name+"/folded_bias")
	p.consts[wName], p.consts[bName] = nw, nb
	c := *conv
	c.Inputs = []string{conv.Inputs[0], wName, bName}
	return &c
}

// freshConst returns a constant name based on base that no value uses.
func (p *Program) freshConst(base string) string {
	name := base
	for i := 2; ; i++ {
		_, c := p.consts[name]
		_, s := p.shapes[name]
		if !c && !s {
			return name
		}
		name = fmt.Sprintf("%s#%d", base, i)
	}
}
