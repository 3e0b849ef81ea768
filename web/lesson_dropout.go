package web

import (
	"fmt"
	"strconv"
	"strings"

	"convscope/web/lessons"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// The dropout lesson: what dropout does in training and at inference, how
// many sub-networks it samples from, and a random mask applied to a real
// layer's activations on the user's image.

// DropLayers are the layers a mask can be shown on: ReLU outputs that are
// maps (dropout acts on activations).
func (c *Lessons) DropLayers() []protocol.LayerInfo {
	var out []protocol.LayerInfo
	for _, li := range c.layersOfKind("relu") {
		if li.Maps && len(li.Shape) == 4 {
			out = append(out, li)
		}
	}
	return out
}

// dropLayer is the chosen layer: the user's, else the viewer's if it is
// one, else the last one with at least 8x8 units (big enough to see a
// mask on, deep enough to be "features").
func (c *Lessons) dropLayer() (protocol.LayerInfo, bool) {
	layers := c.DropLayers()
	if len(layers) == 0 {
		return protocol.LayerInfo{}, false
	}
	if li, ok := chosen(layers, c.DropLayer, c.Root.Layer); ok {
		return li, true
	}
	best := layers[0]
	for _, li := range layers {
		if li.Shape[2]*li.Shape[3] >= 64 {
			best = li
		}
	}
	return best, true
}

// DropName is the chosen layer's name.
func (c *Lessons) DropName() string { li, _ := c.dropLayer(); return li.Name }

// DropChannelMax is the chosen layer's last channel.
func (c *Lessons) DropChannelMax() int {
	li, ok := c.dropLayer()
	if !ok {
		return 0
	}
	return li.Shape[1] - 1
}

// dropUnits is the number of units of the chosen layer's output.
func (c *Lessons) dropUnits() int {
	li, ok := c.dropLayer()
	if !ok {
		return 0
	}
	return li.Shape[1] * li.Shape[2] * li.Shape[3]
}

// dropChannel is the channel of m the mask is shown on: the user's, else
// the one whose values span the widest range on this image. Channel 0 of
// a deep ReLU layer is often all zeros (a dead map shows no mask), as in
// AlexNet's features.11 with random weights.
func (c *Lessons) dropChannel(m *protocol.Maps) int {
	if c.DropChannel >= 0 {
		return min(c.DropChannel, m.Shape[0]-1)
	}
	best := 0
	for ch := range m.Min {
		if m.Max[ch]-m.Min[ch] > m.Max[best]-m.Min[best] {
			best = ch
		}
	}
	return best
}

// DropChannelShown is the channel the mask is shown on, for the number
// input (the user's choice until the maps are there).
func (c *Lessons) DropChannelShown() int {
	if m, _, _ := c.dropMaps(); m != nil {
		return c.dropChannel(m)
	}
	return max(0, min(c.DropChannel, c.DropChannelMax()))
}

// DropoutLayers names the dropout layers this model was trained with and
// the sub-networks each samples from.
func (c *Lessons) DropoutLayers() string {
	ds, err := lessons.Dropouts(c.info())
	if err != nil {
		return "The dropout layers cannot be read from this model's table: " + err.Error()
	}
	if len(ds) == 0 {
		return c.info().Name + " has no dropout layer; the mask below shows what one would do to its activations."
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%s on %s units (%s sub-networks)", d.Name, Group(d.Units), d.Subnetworks)
	}
	return fmt.Sprintf("%s was trained with %d dropout layer(s): %s. The runs here are inference, so they pass everything through.", c.info().Name, len(ds), strings.Join(parts, "; "))
}

// SubnetText counts the sub-networks dropout on the chosen layer samples
// from.
func (c *Lessons) SubnetText() string {
	li, ok := c.dropLayer()
	if !ok {
		return "This model has no ReLU layer to apply a mask to."
	}
	n := c.dropUnits()
	return fmt.Sprintf("%s has %d x %d x %d = %s units. Dropout on it keeps or drops each one: every training step trains one of %s sub-networks, and inference averages them all.",
		li.Name, li.Shape[1], li.Shape[2], li.Shape[3], Group(int64(n)), lessons.Subnetworks(n))
}

// SetDropLayer, SetDropChannel, SetDropP and Resample are the controls.
func (c *Lessons) SetDropLayer(event vugu.DOMEvent) {
	c.DropLayer, c.DropChannel = event.PropString("target", "value"), -1
}

func (c *Lessons) SetDropChannel(event vugu.DOMEvent) {
	c.DropChannel = clampInt(event.PropString("target", "value"), 0, c.DropChannelMax())
}

func (c *Lessons) SetDropP(event vugu.DOMEvent) {
	v, err := strconv.ParseFloat(event.PropString("target", "value"), 64)
	if err == nil && v >= 0 && v <= 0.9 {
		c.DropP = v
	}
}

func (c *Lessons) Resample(event vugu.DOMEvent) { c.DropSeed++ }

// DropPText is the p slider's value text.
func (c *Lessons) DropPText() string { return strconv.FormatFloat(c.DropP, 'f', 1, 64) }

// dropMaps are the chosen layer's maps on the last image.
func (c *Lessons) dropMaps() (*protocol.Maps, error, bool) {
	li, ok := c.dropLayer()
	if !ok || c.result() == nil {
		return nil, nil, false
	}
	v, err, busy := c.fetch("drop", c.runKey()+"|"+li.Name, func() (any, error) { return c.Root.Host.Activations(li.Name) })
	m, _ := v.(*protocol.Maps)
	return m, err, busy
}

// dropKey names the mask and image shown now.
func (c *Lessons) dropKey() string {
	return fmt.Sprintf("%s|%s|%d|%.2f|%d", c.runKey(), c.DropName(), c.DropChannelShown(), c.DropP, c.DropSeed)
}

// dropMask is the current mask over one map of the chosen layer.
func (c *Lessons) dropMask(m *protocol.Maps) []bool {
	return DropoutMask(m.Shape[1]*m.Shape[2], c.DropP, c.DropSeed)
}

// DropURLs are the map at inference and under the mask in training.
func (c *Lessons) DropInferenceURL() string {
	m, _, _ := c.dropMaps()
	if m == nil {
		return ""
	}
	ch := c.dropChannel(m)
	return c.pngURL("drop-inf", c.dropKey(), func() []byte {
		inf, _ := DropoutPNGs(m, ch, c.dropMask(m), c.DropP, dropScale(m))
		return inf
	})
}

func (c *Lessons) DropTrainingURL() string {
	m, _, _ := c.dropMaps()
	if m == nil {
		return ""
	}
	ch := c.dropChannel(m)
	return c.pngURL("drop-train", c.dropKey(), func() []byte {
		_, tr := DropoutPNGs(m, ch, c.dropMask(m), c.DropP, dropScale(m))
		return tr
	})
}

// dropScale enlarges small maps so each unit is a visible square.
func dropScale(m *protocol.Maps) int { return max(1, 128/max(m.Shape[1], m.Shape[2])) }

// DropKept is the number of units the current mask keeps.
func (c *Lessons) DropKept() int {
	m, _, _ := c.dropMaps()
	if m == nil {
		return 0
	}
	n := 0
	for _, k := range c.dropMask(m) {
		if k {
			n++
		}
	}
	return n
}

// DropNote describes the mask, or says why there is none.
func (c *Lessons) DropNote() string {
	if c.result() == nil {
		return NeedsImage
	}
	m, err, busy := c.dropMaps()
	switch {
	case busy:
		return "Reading the layer's maps..."
	case err != nil:
		return "Could not read the maps: " + err.Error()
	case m == nil:
		return ""
	}
	n := m.Shape[1] * m.Shape[2]
	return fmt.Sprintf("Channel %d of %s: the mask keeps %d of %d units (%.0f expected at p = %s); the kept ones are multiplied by 1/(1-p) = %.3g, so the layer's expected output is the same as at inference. Black: dropped.",
		c.dropChannel(m), m.Layer, c.DropKept(), n, float64(n)*(1-c.DropP), c.DropPText(), 1/(1-c.DropP))
}
