package web

import (
	"fmt"

	"convscope/web/lessons"
)

// The heads lesson: how much of a network's parameters sit in its fully
// connected layers. AlexNet and VGG flatten their last maps into big fc
// layers; GoogLeNet and ResNet average each map to one number (global
// average pooling) and need one small fc layer.

// HeadCounts are the loaded model's fc parameters and all its parameters.
func (c *Lessons) HeadCounts() [2]int64 {
	fc, total := lessons.FCShare(c.info())
	return [2]int64{fc, total}
}

// share is a part of a whole in percent (0 for an empty whole).
func share(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

// HeadsText gives the loaded model's share and says what its head is.
func (c *Lessons) HeadsText() string {
	l := c.info()
	if l == nil {
		return ""
	}
	n := c.HeadCounts()
	fcs := c.layersOfKind("fc")
	head := "It has no fully connected layer."
	gap := false
	for _, li := range l.Layers {
		if (li.Kind == "avgpool" || li.Kind == "globalavgpool") && len(li.Shape) == 4 && li.Shape[2] == 1 && li.Shape[3] == 1 {
			gap = true
		}
	}
	switch {
	case len(fcs) == 1 && gap:
		head = fmt.Sprintf("It averages each of its last maps to one number (global average pooling) and has a single fc layer, %s, from %s to %s values.", fcs[0].Name, Shape(fcs[0].InShape), Shape(fcs[0].Shape))
	case len(fcs) > 0:
		head = fmt.Sprintf("Its head is %d fully connected layer(s); the first, %s, reads %s values.", len(fcs), fcs[0].Name, Shape(fcs[0].InShape))
	}
	return fmt.Sprintf("In %s the fully connected layers hold %s of its %s parameters: %.1f %%. %s",
		l.Name, Group(n[0]), Group(n[1]), share(n[0], n[1]), head)
}

// HeadRow is one model of the list with its fc share (from the server's
// catalog: computed from the architecture, so models not downloaded yet
// are there too).
type HeadRow struct {
	Name       string
	FC, Params int64
	Share      float64
}

// HeadRows lists every model whose parameter split the server knows.
func (c *Lessons) HeadRows() []HeadRow {
	var out []HeadRow
	if c.Root == nil {
		return nil
	}
	for _, m := range c.Root.Models {
		if m.Params <= 0 || m.ConvParams+m.FCParams <= 0 {
			continue
		}
		out = append(out, HeadRow{Name: m.Name, FC: m.FCParams, Params: m.Params, Share: share(m.FCParams, m.Params)})
	}
	return out
}

// ShareText formats a share in percent.
func ShareText(p float64) string { return fmt.Sprintf("%.1f %%", p) }
