//go:build !(js && wasm)

package web

import "github.com/vugu/vugu"

// focusTab does nothing outside the browser (the component's native
// tests have no DOM to focus).
func focusTab(event vugu.DOMEvent, id string) {}
