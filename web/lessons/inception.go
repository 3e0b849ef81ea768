package lessons

import (
	"fmt"
	"strings"

	"convscope/web/protocol"
)

// Branch is one path of an inception module, from the module's input to
// the concatenation.
type Branch struct {
	// Layers are the branch's rows in table order, those hanging off it
	// included (a batch norm folded into its conv); empty for a branch
	// that passes the input on unchanged.
	Layers []string
	Output string // the layer the concatenation reads (the module input for an empty branch)
	// Summary reads like the paper's figure: "1x1 conv 96 → 3x3 conv 128",
	// "3x3 max pool → 1x1 conv 32".
	Summary string
	Out     int   // output channels
	Params  int64 // learnable parameters of the branch's layers
	MACs    int64
	// Kernel is the largest convolution kernel of the branch, (kh, kw);
	// zero when the branch has no convolution.
	Kernel [2]int
}

// Inception is one inception module of the loaded model with the cost of
// its largest-kernel branch with and without its 1x1 bottleneck.
type Inception struct {
	Name     string
	Input    string // the layer feeding every branch
	In       int    // input channels
	H, W     int    // size of the input maps (the branches keep it)
	Out      int    // output channels (the branches' sum)
	Branches []Branch
	// Largest is the index in Branches of the branch with the largest
	// kernel (the paper's 5x5 branch; torchvision's GoogLeNet uses 3x3
	// there, so two branches tie and the one with the narrower 1x1
	// bottleneck, which is the "5x5" one, wins); -1 when every conv of
	// the module is 1x1. LargestKernel and LargestOut are that conv's
	// kernel and output channels.
	Largest       int
	LargestKernel [2]int
	LargestOut    int
	// Bottleneck is the output channels of the 1x1 conv in front of the
	// largest kernel (0 when there is none; then the costs below are 0).
	Bottleneck int
	// BottleneckMACs are the multiply-accumulates of the 1x1 and the
	// large conv, H*W*(In*Bottleneck + kh*kw*Bottleneck*LargestOut);
	// DirectMACs those of the large conv reading all In channels,
	// H*W*kh*kw*In*LargestOut. For GoogLeNet's first module as the paper
	// draws it (192 in at 28x28, 1x1 16, 5x5 32) that is 12,443,648
	// against 120,422,400. The Params pair counts the same weights once
	// (no biases, no batch norm).
	BottleneckMACs, DirectMACs     int64
	BottleneckParams, DirectParams int64
}

// Inceptions returns the inception modules of l (none for networks
// without them). A module whose table is inconsistent is left out;
// InceptionModules returns the error instead.
func Inceptions(l *protocol.Loaded) []Inception {
	g, err := newGraph(l)
	if err != nil {
		return nil
	}
	var out []Inception
	for _, b := range inceptionBlocks(l) {
		if m, err := g.inception(b); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// InceptionModules is Inceptions that fails on the first inconsistent
// module: no concatenation, branches that do not start from one input,
// channels that do not add up, MACs that do not follow from the shapes.
func InceptionModules(l *protocol.Loaded) ([]Inception, error) {
	g, err := newGraph(l)
	if err != nil {
		return nil, err
	}
	var out []Inception
	for _, b := range inceptionBlocks(l) {
		m, err := g.inception(b)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func inceptionBlocks(l *protocol.Loaded) []string {
	if l == nil {
		return nil
	}
	var names []string
	for _, b := range l.Blocks {
		if b.Kind == "inception" {
			names = append(names, b.Name)
		}
	}
	return names
}

func (g *graph) inception(block string) (Inception, error) {
	m := Inception{Name: block, Largest: -1}
	bad := func(format string, args ...any) (Inception, error) {
		return Inception{}, fmt.Errorf("lessons: inception module %s: %s", block, fmt.Sprintf(format, args...))
	}
	var cat *protocol.LayerInfo
	for i := range g.l.Layers {
		if li := &g.l.Layers[i]; li.Block == block && li.Kind == "concat" {
			cat = li
		}
	}
	if cat == nil {
		return bad("no concatenation of branches in the table")
	}
	ins, err := g.inputs(cat)
	if err != nil {
		return Inception{}, err
	}
	_, oh, ow, ok := spatial(cat.Shape)
	if !ok {
		return bad("output shape %v is not a set of maps", cat.Shape)
	}
	for _, end := range ins {
		br, input, err := g.branch(block, end)
		if err != nil {
			return Inception{}, err
		}
		if m.Input == "" {
			m.Input = input
		} else if input != m.Input {
			return bad("branch to %s starts from %s, another from %s", end, input, m.Input)
		}
		s, err := g.shapeOf(end, cat)
		if err != nil {
			return Inception{}, err
		}
		c, h, w, ok := spatial(s)
		if !ok || h != oh || w != ow {
			return bad("branch output %s is %v, the module outputs %dx%d maps", end, s, oh, ow)
		}
		br.Out = c
		m.Out += c
		m.Branches = append(m.Branches, br)
	}
	if m.Out != cat.Shape[1] {
		return bad("the branches have %d channels in all, the concatenation %d", m.Out, cat.Shape[1])
	}
	first := m.Branches[0]
	var in []int
	if len(first.Layers) > 0 {
		in, err = g.inShape(g.layer(first.Layers[0]))
	} else {
		in, err = g.shapeOf(m.Input, cat)
	}
	if err != nil {
		return Inception{}, err
	}
	if m.In, m.H, m.W, ok = spatial(in); !ok {
		return bad("input %s is %v, not a set of maps", m.Input, in)
	}
	if err := g.largestBranch(&m); err != nil {
		return bad("%v", err)
	}
	return m, nil
}

// branch walks back from end, the output of one branch, to the first layer
// outside block: the module's input. The branch's layers are that chain
// plus the rows hanging off it that nothing reads (a batch norm folded
// into its conv reads the conv and is read by no one: the ReLU's edge
// skips it), in table order.
func (g *graph) branch(block, end string) (b Branch, input string, err error) {
	b.Output = end
	in := map[string]bool{}
	name := end
	for name != InputName {
		li := g.layer(name)
		if li.Block != block {
			break
		}
		ins, err := g.inputs(li)
		if err != nil {
			return Branch{}, "", err
		}
		if len(ins) != 1 {
			return Branch{}, "", fmt.Errorf("lessons: inception module %s: layer %s inside a branch reads %d inputs", block, name, len(ins))
		}
		if in[name] {
			return Branch{}, "", fmt.Errorf("lessons: inception module %s: the branch to %s loops", block, end)
		}
		in[name] = true
		name = ins[0]
	}
	input = name
	var parts []string
	for i := range g.l.Layers {
		li := &g.l.Layers[i]
		side := li.Block == block && li.Kind != "concat" && len(li.Inputs) == 1 && in[li.Inputs[0]] && !g.read(li.Name)
		if !in[li.Name] && !side {
			continue
		}
		in[li.Name] = true
		b.Layers = append(b.Layers, li.Name)
		b.Params += li.Params
		b.MACs += li.MACs
		k := kernelOf(li)
		switch li.Kind {
		case "conv":
			if k[0]*k[1] > b.Kernel[0]*b.Kernel[1] {
				b.Kernel = k
			}
			parts = append(parts, fmt.Sprintf("%dx%d conv %d", k[0], k[1], li.Shape[1]))
		case "maxpool", "avgpool":
			parts = append(parts, fmt.Sprintf("%dx%d %s pool", k[0], k[1], strings.TrimSuffix(li.Kind, "pool")))
		}
	}
	if len(parts) == 0 {
		parts = []string{"identity"}
	}
	b.Summary = strings.Join(parts, " → ")
	return b, input, nil
}

// read reports whether any layer reads name.
func (g *graph) read(name string) bool {
	if g.readers == nil {
		g.readers = map[string]bool{}
		for _, li := range g.l.Layers {
			for _, in := range li.Inputs {
				g.readers[in] = true
			}
		}
	}
	return g.readers[name]
}

func kernelOf(li *protocol.LayerInfo) [2]int {
	if len(li.Kernel) != 2 {
		return [2]int{}
	}
	return [2]int{li.Kernel[0], li.Kernel[1]}
}

// largestBranch picks the branch with the largest kernel and prices its
// large conv with and without the 1x1 bottleneck in front of it.
func (g *graph) largestBranch(m *Inception) error {
	type pick struct {
		branch     int
		big, red   *protocol.LayerInfo // the large conv and its 1x1 bottleneck (or nil)
		area, redC int
	}
	best := pick{branch: -1}
	for i, br := range m.Branches {
		var big *protocol.LayerInfo
		for _, n := range br.Layers {
			if li := g.layer(n); li.Kind == "conv" && kernelOf(li) == br.Kernel && big == nil {
				big = li
			}
		}
		if big == nil {
			continue
		}
		p := pick{branch: i, big: big, area: br.Kernel[0] * br.Kernel[1]}
		if prev, err := g.prevConv(big); err != nil {
			return err
		} else if r := g.layer(prev); r != nil && r.Block == m.Name && kernelOf(r) == [2]int{1, 1} {
			p.red, p.redC = r, r.Shape[1]
		}
		// Larger kernel wins; on a tie, a bottleneck beats none and the
		// narrower bottleneck beats the wider one.
		better := best.branch < 0 || p.area > best.area ||
			p.area == best.area && p.red != nil && (best.red == nil || p.redC < best.redC)
		if better {
			best = p
		}
	}
	if best.branch < 0 || best.area <= 1 {
		return nil // only 1x1 convs: nothing to save
	}
	m.Largest = best.branch
	m.LargestKernel = kernelOf(best.big)
	m.LargestOut = best.big.Shape[1]
	if best.red == nil {
		return nil
	}
	kh, kw := int64(m.LargestKernel[0]), int64(m.LargestKernel[1])
	in, r, o := int64(m.In), int64(best.redC), int64(m.LargestOut)
	rin, err := g.inShape(best.red)
	if err != nil {
		return err
	}
	bin, err := g.inShape(best.big)
	if err != nil {
		return err
	}
	if rin[1] != m.In || bin[1] != best.redC {
		return fmt.Errorf("bottleneck %s reads %d channels (module input %d) and %s reads %d (bottleneck output %d)",
			best.red.Name, rin[1], m.In, best.big.Name, bin[1], best.redC)
	}
	if best.red.Group > 1 || best.big.Group > 1 {
		return fmt.Errorf("grouped convolutions in the bottleneck branch (%s, %s)", best.red.Name, best.big.Name)
	}
	_, rh, rw, _ := spatial(best.red.Shape)
	_, bh, bw, _ := spatial(best.big.Shape)
	redMACs := int64(rh) * int64(rw) * in * r
	bigMACs := int64(bh) * int64(bw) * kh * kw * r * o
	for _, c := range []struct {
		li   *protocol.LayerInfo
		macs int64
	}{{best.red, redMACs}, {best.big, bigMACs}} {
		if c.li.MACs != c.macs {
			return fmt.Errorf("layer %s reports %d MACs, its shapes give %d", c.li.Name, c.li.MACs, c.macs)
		}
	}
	m.Bottleneck = best.redC
	m.BottleneckMACs = redMACs + bigMACs
	m.DirectMACs = int64(bh) * int64(bw) * kh * kw * in * o
	m.BottleneckParams = in*r + kh*kw*r*o
	m.DirectParams = kh * kw * in * o
	return nil
}
