package web

import (
	"fmt"
	"strconv"
	"strings"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// Layers returns the current model's per-layer table (from the worker's
// Loaded answer, which reads it from the model file's metadata).
func (c *Root) Layers() []protocol.LayerInfo {
	if c.Info == nil {
		return nil
	}
	return c.Info.Layers
}

// LayerSummary is the layer table's caption: totals over the rows.
func (c *Root) LayerSummary() string {
	var params, macs int64
	layers := c.Layers()
	for _, l := range layers {
		params += l.Params
		macs += l.MACs
	}
	return fmt.Sprintf("%d layers, %s parameters, %s multiply-accumulates per image", len(layers), Count(params), Count(macs))
}

// BlockLabel names the block (residual block, inception module) a layer
// opens: "layer1.0 - basic block" on its first layer, "" on the others and
// on layers outside blocks.
func (c *Root) BlockLabel(i int) string {
	layers := c.Layers()
	if i < 0 || i >= len(layers) {
		return ""
	}
	l := layers[i]
	if l.Block == "" || (i > 0 && layers[i-1].Block == l.Block) {
		return ""
	}
	kind := ""
	for _, b := range c.Info.Blocks {
		if b.Name == l.Block {
			kind = strings.ReplaceAll(b.Kind, "_", " ")
		}
	}
	if kind == "" {
		return l.Block
	}
	return l.Block + " - " + kind
}

// LayerClass styles a layer row: the first row of a block gets a rule above
// it, rows inside a block are indented, the selected one is highlighted.
func (c *Root) LayerClass(i int, l protocol.LayerInfo) string {
	cls := "layer kind-" + l.Kind
	if l.Block != "" {
		cls += " in-block"
		if c.BlockLabel(i) != "" {
			cls += " block-start"
		}
	}
	if l.Name == c.Layer {
		cls += " selected"
	}
	return cls
}

// LayerMs is the layer's time in the last run ("" before any run).
func (c *Root) LayerMs(name string) string {
	if c.Result == nil {
		return ""
	}
	for _, t := range c.Result.Timings {
		if t.Name == name {
			return Millis(t.Ms)
		}
	}
	return ""
}

// SelectLayer is the click on a layer's "Maps" button.
func (c *Root) SelectLayer(event vugu.DOMEvent, name string) {
	c.showLayer(event.EventEnv(), name)
}

// showLayer asks the worker for a layer's maps and posts them to the
// viewer. The render lock is held.
func (c *Root) showLayer(ee vugu.EventEnv, name string) {
	c.Layer, c.Filters, c.Hover = name, false, ""
	c.mapsGen++
	gen := c.mapsGen
	if c.Result == nil {
		c.LayerNote = "Classify an image first: the maps are that image's activations."
		return
	}
	c.LayerNote = "Computing the maps of " + name + "..."
	view := c.Result.View
	go func() {
		maps, err := c.Host.Activations(name)
		ee.Lock()
		defer ee.UnlockRender()
		if gen != c.mapsGen {
			return
		}
		if err != nil {
			c.LayerNote = ""
			c.Alert = fmt.Sprintf("Could not show %s: %v", name, err)
			return
		}
		var img *protocol.Image
		if maps.Shape[1] > 1 && view.W > 0 {
			img = &view // spatial maps can be overlaid on the input
		}
		c.Host.ShowMaps(maps, img)
		c.LayerNote = MapsNote(maps)
	}()
}

// ShowFilters is the click on "First-layer filters".
func (c *Root) ShowFilters(event vugu.DOMEvent) {
	c.showFilters(event.EventEnv())
}

func (c *Root) showFilters(ee vugu.EventEnv) {
	c.Layer, c.Filters, c.Hover = "", true, ""
	c.mapsGen++
	gen := c.mapsGen
	c.LayerNote = "Reading the first convolution's filters..."
	go func() {
		p, err := c.Host.Filters()
		ee.Lock()
		defer ee.UnlockRender()
		if gen != c.mapsGen {
			return
		}
		if err != nil {
			c.LayerNote = ""
			c.Alert = "Could not show the filters: " + err.Error()
			return
		}
		c.Host.ShowFilters(p)
		c.LayerNote = fmt.Sprintf("The %d filters of %s, %dx%d, as RGB patches (each on its own range).", p.Count, p.Layer, p.W, p.H)
	}()
}

// MapsNote describes a set of maps under the viewer.
func MapsNote(m *protocol.Maps) string {
	if len(m.Min) == 0 {
		return m.Layer
	}
	lo, hi := m.Min[0], m.Max[0]
	for i := range m.Min {
		lo, hi = min(lo, m.Min[i]), max(hi, m.Max[i])
	}
	what := fmt.Sprintf("%d maps of %dx%d", m.Shape[0], m.Shape[1], m.Shape[2])
	if m.Shape[0] == 1 && m.Shape[1] == 1 {
		what = fmt.Sprintf("%d outputs", m.Shape[2])
	}
	return fmt.Sprintf("%s: %s, values from %.3g to %.3g.", m.Layer, what, lo, hi)
}

// SetColormap and SetNorm are the viewer controls' change events.
func (c *Root) SetColormap(event vugu.DOMEvent) {
	switch v := event.PropString("target", "value"); v {
	case "viridis", "magma", "grey":
		c.Colormap = v
		c.Host.ViewerSettings(c.Colormap, c.Norm)
	}
}

func (c *Root) SetNorm(event vugu.DOMEvent) {
	switch v := event.PropString("target", "value"); v {
	case "map", "layer":
		c.Norm = v
		c.Host.ViewerSettings(c.Colormap, c.Norm)
	}
}

// NormText says what the normalisation control does now.
func (c *Root) NormText() string {
	if c.Norm == "layer" {
		return "One range for the whole layer: maps compare with each other."
	}
	return "Each map on its own range: every map's pattern is visible."
}

// ViewerHover shows what the viewer reports under the cursor; called by
// wasm/app with the render lock held.
func (c *Root) ViewerHover(channel, x, y int, value float64, ok bool) {
	if !ok || channel < 0 {
		c.Hover = ""
		return
	}
	c.Hover = fmt.Sprintf("Channel %d at (%d, %d): %.4g", channel, x, y, value)
}

// Shape formats an output shape without the batch dimension: 64x56x56.
func Shape(s []int) string {
	if len(s) > 1 {
		s = s[1:]
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}
