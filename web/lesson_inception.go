package web

import (
	"fmt"

	"convscope/web/lessons"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// The inception lesson: the four branches of a real module with their
// outputs on the user's image, and the cost of the largest-kernel branch
// with and without its 1x1 bottleneck, from the module's real shapes.

// InceptionList is the model's inception modules, computed once per
// model.
func (c *Lessons) InceptionList() []lessons.Inception {
	l := c.info()
	if l == nil {
		return nil
	}
	if c.incFor != l {
		c.incFor, c.incList = l, lessons.Inceptions(l)
	}
	return c.incList
}

// inception is the chosen module.
func (c *Lessons) inception() (lessons.Inception, bool) {
	list := c.InceptionList()
	if len(list) == 0 {
		return lessons.Inception{}, false
	}
	for _, m := range list {
		if m.Name == c.InceptionBlock {
			return m, true
		}
	}
	return list[0], true
}

// InceptionName is the chosen module's name.
func (c *Lessons) InceptionName() string { m, _ := c.inception(); return m.Name }

// SetInceptionBlock is the module select's change event.
func (c *Lessons) SetInceptionBlock(event vugu.DOMEvent) {
	c.InceptionBlock = event.PropString("target", "value")
}

// InceptionBranches are the chosen module's branches.
func (c *Lessons) InceptionBranches() []lessons.Branch {
	m, _ := c.inception()
	return m.Branches
}

// BranchTitle is a branch's caption: "branch 3: 1x1 conv 8 -> 5x5 conv 16
// (16 channels, 3,712 params)".
func (c *Lessons) BranchTitle(i int) string {
	bs := c.InceptionBranches()
	if i < 0 || i >= len(bs) {
		return ""
	}
	b := bs[i]
	return fmt.Sprintf("Branch %d: %s (%d channels, %s parameters, %s MACs)", i+1, b.Summary, b.Out, Group(b.Params), Count(b.MACs))
}

// branchMaps is branch i's output on the last image.
func (c *Lessons) branchMaps(i int) (*protocol.Maps, error, bool) {
	bs := c.InceptionBranches()
	if i < 0 || i >= len(bs) || c.result() == nil {
		return nil, nil, false
	}
	name := bs[i].Output
	v, err, busy := c.fetch(fmt.Sprintf("branch%d", i), c.runKey()+"|"+name, func() (any, error) { return c.Root.Host.Activations(name) })
	m, _ := v.(*protocol.Maps)
	return m, err, busy
}

// Branch mosaics show the first branchMaps channels of each branch.
const branchShown, branchCols = 8, 4

// BranchURL is a mosaic of branch i's first output channels.
func (c *Lessons) BranchURL(i int) string {
	m, _, _ := c.branchMaps(i)
	if m == nil {
		return ""
	}
	return c.pngURL(fmt.Sprintf("branch%d", i), c.runKey()+"|"+m.Layer, func() []byte {
		return MosaicPNG(m, branchShown, branchCols, max(1, 48/max(m.Shape[1], m.Shape[2])))
	})
}

// InceptionNote says what the mosaics show, or why there are none.
func (c *Lessons) InceptionNote() string {
	if c.result() == nil {
		return NeedsImage
	}
	for i := range c.InceptionBranches() {
		_, err, busy := c.branchMaps(i)
		if busy {
			return "Reading the branches' maps..."
		}
		if err != nil {
			return "Could not read a branch's maps: " + err.Error()
		}
	}
	m, _ := c.inception()
	return fmt.Sprintf("The first %d channels of each branch's output on your image, each on its own range. Concatenated, they are the %d channels of %s.", branchShown, m.Out, m.Name)
}

// BottleneckMACs are the largest-kernel branch's multiply-accumulates with
// and without its 1x1 bottleneck.
func (c *Lessons) BottleneckMACs() [2]int64 {
	m, ok := c.inception()
	if !ok {
		return [2]int64{}
	}
	return [2]int64{m.BottleneckMACs, m.DirectMACs}
}

// BottleneckText spells the comparison out with the module's numbers.
func (c *Lessons) BottleneckText() string {
	m, ok := c.inception()
	if !ok {
		return ""
	}
	if m.Bottleneck == 0 {
		return fmt.Sprintf("%s: its largest-kernel branch has no 1x1 bottleneck.", m.Name)
	}
	kh, kw := m.LargestKernel[0], m.LargestKernel[1]
	// torchvision's GoogLeNet (and the built-in one, made like it) has a
	// 3x3 kernel where the paper draws 5x5, so two branches tie: say
	// which one this is, or the numbers look like they contradict the
	// paper's figure.
	quirk := ""
	for i, b := range m.Branches {
		if i != m.Largest && b.Kernel == m.LargestKernel && kh == 3 && kw == 3 {
			quirk = " (This is the branch the paper draws with a 5x5 kernel; torchvision's GoogLeNet, which this model follows, has 3x3 there.)"
		}
	}
	return fmt.Sprintf("%s reads %d channels of %dx%d. Its %dx%d branch first reduces them to %d with a 1x1 conv, then makes %d channels: "+
		"%dx%d x (%d x %d + %d x %d x %d) = %s multiply-accumulates. The same %dx%d conv reading all %d channels would cost %dx%d x %d x %d x %d = %s: %s times as much, and %s weights instead of %s.",
		m.Name, m.In, m.H, m.W, kh, kw, m.Bottleneck, m.LargestOut,
		m.H, m.W, m.In, m.Bottleneck, kh*kw, m.Bottleneck, m.LargestOut, Group(m.BottleneckMACs),
		kh, kw, m.In, m.H, m.W, kh*kw, m.In, m.LargestOut, Group(m.DirectMACs),
		Ratio(float64(m.DirectMACs)/float64(m.BottleneckMACs)), Group(m.DirectParams), Group(m.BottleneckParams)) + quirk
}
