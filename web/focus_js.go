//go:build js && wasm

package web

import "github.com/vugu/vugu"

// focusTab moves the keyboard focus to the element id among the siblings
// of the event's element (a tab of the same tab list). It runs inside the
// event handler, where the browser's event is still at hand; the tab
// exists before the render that follows, so it can take the focus now.
func focusTab(event vugu.DOMEvent, id string) {
	el := event.JSEventCurrentTarget()
	if !el.Truthy() {
		return
	}
	list := el.Get("parentNode")
	if !list.Truthy() {
		return
	}
	if next := list.Call("querySelector", "#"+id); next.Truthy() {
		next.Call("focus")
	}
}
