package lessons

import (
	"slices"

	"convscope/web/protocol"
)

// Stacked returns the weights of n k x k convolutions from C to C
// channels, one after the other (n*k*k*C*C), and of the single convolution
// that sees as far, with kernel n*(k-1)+1 ((n*(k-1)+1)^2*C*C): VGG's
// argument for stacking 3x3 layers (three of them: 27C^2 against 49C^2
// for one 7x7). Biases are left out: they are C per layer either way, and
// convolutions followed by batch norm have none. Any argument < 1 gives
// (0, 0).
func Stacked(c, n, k int) (stacked, single int64) {
	if c < 1 || n < 1 || k < 1 {
		return 0, 0
	}
	cc := int64(c) * int64(c)
	side := int64(StackedSide(n, k))
	return int64(n) * int64(k) * int64(k) * cc, side * side * cc
}

// StackedSide is the side of the field that n stacked k x k stride-1
// convolutions see: n*(k-1)+1 (two 3x3 see 5x5, three see 7x7).
func StackedSide(n, k int) int {
	if n < 1 || k < 1 {
		return 0
	}
	return n*(k-1) + 1
}

// Stack is a run of convolutions of one kernel size, stride 1, at one
// width, each reading the previous one (through ReLU, batch norm and the
// like): VGG's stacks of 3x3 layers, or the two 3x3 layers of a ResNet
// basic block.
type Stack struct {
	Layers []string // the convolutions, in order
	K      int      // kernel side
	C      int      // output channels of every layer of the run
	In     int      // input channels of the first layer (C, or fewer where the run widens the net)
	Side   int      // StackedSide(len(Layers), K): the field the run adds up to
	// Stacked and Single are Stacked(C, len(Layers), K): the run's
	// weights counted as C -> C layers, and one Side x Side layer's.
	Stacked, Single int64
}

// Stacks finds every run of at least two stacked convolutions in l, in
// table order.
func Stacks(l *protocol.Loaded) ([]Stack, error) {
	g, err := newGraph(l)
	if err != nil {
		return nil, err
	}
	var out []Stack
	runOf := map[string]int{} // conv name -> index into out, for runs of 2+; -1 for a lone conv
	for i := range l.Layers {
		li := &l.Layers[i]
		k, ok := stackable(li)
		if !ok {
			continue
		}
		runOf[li.Name] = -1
		prev, err := g.prevConv(li)
		if err != nil {
			return nil, err
		}
		p := g.layer(prev)
		if p == nil {
			continue
		}
		pk, ok := stackable(p)
		if !ok || pk != k || p.Shape[1] != li.Shape[1] {
			continue
		}
		r, seen := runOf[prev]
		if !seen {
			continue
		}
		if r < 0 {
			pin, err := g.inShape(p)
			if err != nil {
				return nil, err
			}
			out = append(out, Stack{Layers: []string{prev}, K: k, C: p.Shape[1], In: pin[1]})
			r = len(out) - 1
			runOf[prev] = r
		}
		out[r].Layers = append(out[r].Layers, li.Name)
		runOf[li.Name] = r
	}
	for i := range out {
		s := &out[i]
		s.Side = StackedSide(len(s.Layers), s.K)
		s.Stacked, s.Single = Stacked(s.C, len(s.Layers), s.K)
	}
	return out, nil
}

// stackable reports whether li is a square k x k (k > 1) conv of stride
// 1, dilation 1 and one group on 4-D maps, and returns k.
func stackable(li *protocol.LayerInfo) (int, bool) {
	if li.Kind != "conv" || len(li.Kernel) != 2 || li.Kernel[0] != li.Kernel[1] || li.Kernel[0] < 2 || li.Group > 1 {
		return 0, false
	}
	for _, v := range append(append([]int{}, li.Stride...), li.Dilation...) {
		if v != 1 {
			return 0, false
		}
	}
	if _, _, _, ok := spatial(li.Shape); !ok {
		return 0, false
	}
	return li.Kernel[0], true
}

// prevConv follows li's first input back through single-input layers that
// keep the shape (ReLU, batch norm, dropout, LRN) and returns the conv it
// reaches, or "" when it reaches anything else first.
func (g *graph) prevConv(li *protocol.LayerInfo) (string, error) {
	ins, err := g.inputs(li)
	if err != nil {
		return "", err
	}
	for name, steps := ins[0], 0; name != InputName; steps++ {
		p := g.layer(name)
		if p.Kind == "conv" {
			return name, nil
		}
		if len(p.Inputs) != 1 || len(p.Kernel) > 0 || steps > len(g.l.Layers) {
			return "", nil
		}
		if s, err := g.inShape(p); err != nil || !slices.Equal(s, p.Shape) {
			return "", err
		}
		name = p.Inputs[0]
	}
	return "", nil
}
