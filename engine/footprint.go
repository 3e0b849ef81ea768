package engine

import (
	"fmt"

	"convscope/engine/internal/conv"
)

// Footprint is the memory a program compiled from a graph holds, by the
// engine's own rules: what it keeps of the constants, what Compile lays
// out from them, and the peak of its memory plan. PlanFootprint works it
// out without the weights' values.
type Footprint struct {
	// Weights are the constants the program holds after the passes (its
	// shard's parts only, for a split node): int8 at a byte a value and a
	// float32 scale a channel, float32 at 4 bytes (a folded conv's
	// weights, an int8 constant some node reads as float32).
	Weights int64
	// Derived is, per node Run executes (by name), what Compile lays out
	// from its weights besides them: conv.LayoutFor's int8 panels, kept
	// Winograd kernels or float panels, of the whole weights and of
	// this shard's part.
	Derived map[string]int64
	// Activations is the peak of the memory plan over one run at the
	// graph's input shapes: the float32 values alive at once, the inputs
	// for the whole run, each node's outputs from its node to the one after
	// which the plan frees them, the outputs and kept values to the end.
	// A run's scratch (im2col columns, packing buffers) is not in it.
	Activations int64
}

// DerivedBytes is the sum of Derived.
func (f Footprint) DerivedBytes() int64 {
	var b int64
	for _, v := range f.Derived {
		b += v
	}
	return b
}

// PlanFootprint returns the footprint of the program Compile(g, opt)
// makes (opt.Shard.Parts aside: the parts are planned as ShardParts plans
// them). As ShardParts, it reads consts, which describe g's constants,
// instead of g.Consts, so a loader can ask before it has read the weights.
// With wasm it counts the layouts a WebAssembly build makes
// (conv.LayoutFor) whatever this build is, so the browser's figures can be
// checked natively; the GEMM kernel's register tile is this build's (its
// MR, which rounds the rows of the layouts, is 4 on every SIMD kernel).
func PlanFootprint(g *Graph, consts map[string]ConstInfo, opt Options, wasm bool) (Footprint, error) {
	if g == nil {
		return Footprint{}, fmt.Errorf("footprint: nil graph")
	}
	p, _, err := prepareStandIns(g, consts, opt, "footprint")
	if err != nil {
		return Footprint{}, err
	}
	p.planMemory()
	target := conv.Build()
	target.Wasm = wasm
	f := Footprint{Derived: map[string]int64{}, Activations: p.peakActivations()}
	for _, t := range p.consts {
		f.Weights += heldBytes(t)
	}
	p.eachPackedConv(func(n *Node, g conv.Geom) {
		f.Derived[n.Name] += conv.LayoutFor(g, target).Bytes(g, target)
	})
	for _, sp := range p.splits {
		if sp.rows != nil || sp.w == nil {
			continue // a row split's weights are whole, among p.consts
		}
		f.Weights += heldBytes(sp.w)
	}
	p.eachPackedSplit(func(n *Node, sp *split, g conv.Geom) {
		f.Derived[n.Name] += conv.LayoutFor(g, target).Bytes(g, target)
	})
	return f, nil
}

// prepareStandIns runs Compile's checks and passes (prepare) on g with
// constants of the shapes consts describe, without values (the stand-ins
// it returns too; opt.Shard.Parts aside): ShardParts' and PlanFootprint's
// program, whose split is recorded, not made. what prefixes its errors
// about consts.
func prepareStandIns(g *Graph, consts map[string]ConstInfo, opt Options, what string) (*Program, map[string]*Tensor, error) {
	stand := make(map[string]*Tensor, len(consts))
	for name, c := range consts {
		if _, err := NumElements(c.Shape); err != nil {
			return nil, nil, fmt.Errorf("%s: constant %q: %w", what, name, err)
		}
		t := &Tensor{Shape: c.Shape}
		if c.Int8 {
			if c.Axis < 0 || c.Axis >= len(c.Shape) {
				return nil, nil, fmt.Errorf("%s: constant %q: int8 channel axis %d out of range for shape %v", what, name, c.Axis, c.Shape)
			}
			t.Int8 = &Int8{Axis: c.Axis}
		}
		stand[name] = t
	}
	sg := *g
	sg.Consts = stand
	o := opt
	o.Shard.Parts = nil
	p, err := prepare(&sg, o, true)
	return p, stand, err
}

// standIn is part pt of stand-in t, as Of would cut it, without values.
func (pt Part) standIn(t *Tensor) *Tensor {
	s := &Tensor{Shape: append([]int{}, t.Shape...)}
	s.Shape[pt.Axis] = pt.Hi - pt.Lo
	if t.Int8 != nil {
		s.Int8 = &Int8{Axis: t.Int8.Axis}
	}
	return s
}

// heldBytes is what constant t takes in memory (see Footprint.Weights).
func heldBytes(t *Tensor) int64 {
	n, _ := NumElements(t.Shape)
	if t.Int8 != nil {
		return int64(n) + 4*int64(t.Shape[t.Int8.Axis])
	}
	return 4 * int64(n)
}

// peakActivations walks p's nodes as Run does, adding each node's outputs
// and releasing what planMemory frees after it, and returns the most bytes
// alive at once (see Footprint.Activations).
func (p *Program) peakActivations() int64 {
	size := func(v string) int64 {
		n, _ := NumElements(p.shapes[v])
		return 4 * int64(n)
	}
	var live, peak int64
	for _, in := range p.inputs {
		live += size(in.Name)
	}
	peak = live
	for i, n := range p.nodes {
		for _, o := range n.Outputs {
			if o != "" {
				live += size(o)
			}
		}
		peak = max(peak, live)
		for _, v := range p.free[i] {
			live -= size(v)
		}
	}
	return peak
}
