package web

import (
	"fmt"
	"strings"

	"convscope/wasm/viewer/colormap"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// The residual lesson: one block's input (its shortcut), its residual
// branch and their sum, side by side on the same channel and the same
// colour range; and the training curves of ResNet-20 against Plain-20
// (the same network without the shortcuts) from the built-in models'
// training records.

// ResidualBlocks lists the model's residual blocks.
func (c *Lessons) ResidualBlocks() []protocol.BlockInfo {
	var out []protocol.BlockInfo
	if l := c.info(); l != nil {
		for _, b := range l.Blocks {
			if b.Kind == "basic_block" || b.Kind == "bottleneck" {
				out = append(out, b)
			}
		}
	}
	return out
}

// residualParts are the three layers of a block the lesson shows: the
// shortcut (the block's input, or its projection when the block changes
// the shape), the residual branch's last layer, and the addition.
type residualParts struct {
	Block, Shortcut, Branch, Sum string
	Channels                     int
}

// residual finds the chosen block's parts from the layer graph: the add
// layer of the block and its two inputs; the branch is the input computed
// inside the block by the main path (not a "downsample" projection).
func (c *Lessons) residual() (residualParts, bool) {
	blocks := c.ResidualBlocks()
	if len(blocks) == 0 {
		return residualParts{}, false
	}
	name := blocks[0].Name
	for _, b := range blocks {
		if b.Name == c.ResidualBlock {
			name = b.Name
		}
	}
	for _, li := range c.info().Layers {
		if li.Block != name || li.Kind != "add" || len(li.Inputs) != 2 {
			continue
		}
		p := residualParts{Block: name, Sum: li.Name}
		if len(li.Shape) > 1 {
			p.Channels = li.Shape[1]
		}
		for _, in := range li.Inputs {
			src, ok := c.layer(in)
			if ok && src.Block == name && !strings.Contains(src.Name, "downsample") && p.Branch == "" {
				p.Branch = in
			} else {
				p.Shortcut = in
			}
		}
		if p.Branch != "" && p.Shortcut != "" {
			return p, true
		}
	}
	return residualParts{Block: name}, false
}

// ResidualName is the chosen block.
func (c *Lessons) ResidualName() string { p, _ := c.residual(); return p.Block }

// SetResidualBlock is the block select's change event.
func (c *Lessons) SetResidualBlock(event vugu.DOMEvent) {
	c.ResidualBlock = event.PropString("target", "value")
}

// ResidualLayers names the shortcut, branch and sum layers ("" when the
// block's graph does not have them), for the figure captions and tests.
func (c *Lessons) ResidualLayers() []string {
	p, ok := c.residual()
	if !ok {
		return nil
	}
	return []string{p.Shortcut, p.Branch, p.Sum}
}

// residualMaps fetches the three layers' maps on the last image.
func (c *Lessons) residualMaps() ([]*protocol.Maps, error, bool) {
	p, ok := c.residual()
	if !ok || c.result() == nil {
		return nil, nil, false
	}
	out := make([]*protocol.Maps, 3)
	for i, name := range []string{p.Shortcut, p.Branch, p.Sum} {
		v, err, busy := c.fetch(fmt.Sprintf("res%d", i), c.runKey()+"|"+name, func() (any, error) { return c.Root.Host.Activations(name) })
		if err != nil || busy {
			return nil, err, busy
		}
		out[i], _ = v.(*protocol.Maps)
		if out[i] == nil {
			return nil, nil, false
		}
	}
	return out, nil, false
}

// residualChannel is the channel shown: the one whose branch output spans
// the widest range on this image, so the addition is visible.
func residualChannel(ms []*protocol.Maps) int {
	best, score := 0, float32(-1)
	for ch := 0; ch < ms[2].Shape[0] && ch < ms[1].Shape[0] && ch < ms[0].Shape[0]; ch++ {
		s := ms[1].Max[ch] - ms[1].Min[ch]
		if s > score {
			best, score = ch, s
		}
	}
	return best
}

// ResidualURL is the i-th picture (0 shortcut, 1 branch, 2 sum), all three
// on the range of the three maps together.
func (c *Lessons) ResidualURL(i int) string {
	ms, _, _ := c.residualMaps()
	if ms == nil {
		return ""
	}
	ch := residualChannel(ms)
	lo, hi := ms[0].Min[ch], ms[0].Max[ch]
	for _, m := range ms {
		if !validMaps(m, ch) {
			return ""
		}
		lo, hi = min(lo, m.Min[ch]), max(hi, m.Max[ch])
	}
	m := ms[i]
	key := fmt.Sprintf("%s|%s|%d", c.runKey(), m.Layer, ch)
	return c.pngURL(fmt.Sprintf("res%d", i), key, func() []byte {
		scale := max(1, 128/max(m.Shape[1], m.Shape[2]))
		return encodePNG(gridImage(m.Shape[2], m.Shape[1], func(y, x int) float32 { return m.Value(ch, y, x) }, lo, hi, colormap.Viridis(), scale))
	})
}

// ResidualNote explains the three pictures, or why there are none.
func (c *Lessons) ResidualNote() string {
	p, ok := c.residual()
	if !ok {
		return ""
	}
	if c.result() == nil {
		return NeedsImage
	}
	ms, err, busy := c.residualMaps()
	switch {
	case busy:
		return "Reading the block's maps..."
	case err != nil:
		return "Could not read the block's maps: " + err.Error()
	case ms == nil:
		return ""
	}
	ch := residualChannel(ms)
	return fmt.Sprintf("Channel %d of block %s (the channel its branch changes most on this image), on one colour range: the block's input %s, what the branch %s adds to it, and their sum %s. "+
		"The block only has to learn the change; when nothing needs changing, the branch can output zeros and the input passes through.",
		ch, p.Block, p.Shortcut, p.Branch, p.Sum)
}

// training is the built-in models' training records.
func (c *Lessons) training() ([]TrainingRun, error, bool) {
	v, err, busy := c.fetch("training", "all", func() (any, error) { return c.Root.Host.Training() })
	runs, _ := v.([]TrainingRun)
	return runs, err, busy
}

// curveRuns are the ResNet-20 and Plain-20 runs, when recorded.
func (c *Lessons) curveRuns() (res, plain *TrainingRun) {
	runs, _, _ := c.training()
	for i := range runs {
		switch runs[i].Net {
		case "resnet20_cifar":
			res = &runs[i]
		case "plain20_cifar":
			plain = &runs[i]
		}
	}
	return res, plain
}

// finalAcc is a run's last test accuracy.
func finalAcc(r *TrainingRun) float64 {
	if r == nil || len(r.Epochs) == 0 {
		return 0
	}
	return r.Epochs[len(r.Epochs)-1].TestAcc
}

// TrainingNote describes the curves from the records, or why there are
// none.
func (c *Lessons) TrainingNote() string {
	_, err, busy := c.training()
	res, plain := c.curveRuns()
	switch {
	case busy:
		return "Reading the training records..."
	case err != nil:
		return "Could not read the training records: " + err.Error()
	case res == nil || plain == nil:
		return "The training records of resnet20_cifar and plain20_cifar are not on this server."
	}
	a, b := finalAcc(res), finalAcc(plain)
	text := fmt.Sprintf("Test accuracy per epoch, on the CIFAR-10 test images, of the two built-in networks as trained here: ResNet-20 ended at %.1f %% after %d epochs, Plain-20 (the same layers without shortcuts) at %.1f %% after %d.",
		a, len(res.Epochs), b, len(plain.Epochs))
	// Compare at the last epoch both runs reached, so a longer run does
	// not look better for its length alone.
	n := min(len(res.Epochs), len(plain.Epochs))
	if n == 0 {
		return text
	}
	ra, pa := res.Epochs[n-1].TestAcc, plain.Epochs[n-1].TestAcc
	verdict := "the shortcuts helped"
	if ra < pa {
		verdict = "at 20 layers and this short a training, the shortcuts have not helped: the degradation problem they solve shows in much deeper plain networks"
	}
	return text + fmt.Sprintf(" At epoch %d, the last both reached: ResNet-20 %.1f %%, Plain-20 %.1f %%: %s.", res.Epochs[n-1].Epoch, ra, pa, verdict)
}

// ResidualRole names the i-th picture of a block.
func ResidualRole(i int) string {
	switch i {
	case 0:
		return "Input (shortcut)"
	case 1:
		return "Residual branch"
	}
	return "Sum"
}
