package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vugu/vugu"
)

// LayerRow is one row of a model's per-layer table (from the model file's
// metadata): what the layer is, its output shape and its cost.
type LayerRow struct {
	Name   string
	Kind   string
	Shape  []int
	Params int64
	MACs   int64
}

// ShowLayers downloads the model's file (through LoadLayers, set by the
// wasm main) and shows its layer table. A second click on another model
// replaces the table; a late answer for a model no longer selected is
// dropped.
func (c *Root) ShowLayers(event vugu.DOMEvent, m ModelEntry) {
	if c.LoadLayers == nil {
		c.Selected, c.LayersErr = m.Name, "this page cannot load models"
		return
	}
	c.Selected, c.LayersLoading, c.LayersErr, c.Layers = m.Name, true, "", nil
	go func(ee vugu.EventEnv) {
		rows, err := c.LoadLayers(m)
		ee.Lock()
		defer ee.UnlockRender()
		if c.Selected != m.Name {
			return
		}
		c.LayersLoading = false
		if err != nil {
			c.LayersErr = fmt.Sprintf("Could not load %s: %v", m.Name, err)
			return
		}
		c.Layers = rows
	}(event.EventEnv())
}

// LayerSummary is the layer table's caption: totals over the rows.
func (c *Root) LayerSummary() string {
	var params, macs int64
	for _, l := range c.Layers {
		params += l.Params
		macs += l.MACs
	}
	return fmt.Sprintf("%d layers, %s parameters, %s multiply-accumulates per image", len(c.Layers), Count(params), Count(macs))
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
