package web

import "github.com/vugu/vugu"

// The model and layer tables listen for clicks once, on their tbody,
// rather than on each row's button: the renderer skips the rows that did
// not change since the last render (Pruner) only when they hold no event
// handler, and the layer table's rows are most of the page (googlenet_cifar
// about 800 of its 1600 elements). The button and its row's data-model or
// data-layer say what was clicked.

// clickedRow returns the attr of the row holding the button (matched by
// selector) that the event's target is in, "" when the click was elsewhere.
func clickedRow(event vugu.DOMEvent, selector, attr string) string {
	t := event.JSEventTarget()
	if !t.Truthy() || t.Get("closest").IsUndefined() {
		return ""
	}
	b := t.Call("closest", selector)
	if !b.Truthy() || b.Get("disabled").Truthy() {
		return ""
	}
	tr := b.Call("closest", "tr")
	if !tr.Truthy() {
		return ""
	}
	return tr.Call("getAttribute", attr).String()
}

// ModelTableClick is a click in the model table: a model's "Use" button
// (UseModel).
func (c *Root) ModelTableClick(event vugu.DOMEvent) {
	name := clickedRow(event, "button.use-model", "data-model")
	for _, m := range c.Models {
		if name != "" && m.Name == name {
			c.UseModel(event, m)
			return
		}
	}
}

// LayerTableClick is a click in the layer table: a layer's "Maps" button
// (SelectLayer).
func (c *Root) LayerTableClick(event vugu.DOMEvent) {
	name := clickedRow(event, "button.show-maps", "data-layer")
	for _, l := range c.Layers() {
		if name != "" && l.Name == name && l.Maps {
			c.SelectLayer(event, l.Name)
			return
		}
	}
}
