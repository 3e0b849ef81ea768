//go:build js && wasm

package main

import (
	"fmt"
	"syscall/js"

	"convscope/web"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// viewer posts to the feature-map viewer (static/viewer.html in the
// iframe #viewer) in the format of CONTRACTS.md, and listens to what it
// posts back. The iframe may load after the first maps are ready (it is
// rendered with the layer list) or reload: the viewer says "ready" when its
// listener runs, and gets the settings and the last content again then.
type viewer struct {
	box      js.Value // the dock holding the iframe (undefined until the first slot)
	placing  js.Func  // place from an animation frame (dock); nil func until the box exists
	pending  bool     // an animation frame will place the box
	iframe   js.Value
	origin   string
	settings js.Value // last settings message
	content  js.Value // last maps or filters message
	selected js.Value // last select message (classroom.go): posted after content
	exports  exportWaiters
}

func newViewer() *viewer {
	return &viewer{
		box: js.Undefined(), iframe: js.Undefined(),
		origin:   js.Global().Get("location").Get("origin").String(),
		settings: js.Undefined(), content: js.Undefined(), selected: js.Undefined(),
	}
}

// frame returns the viewer's window, or undefined before the iframe exists.
func (v *viewer) frame() js.Value {
	if v.iframe.IsUndefined() {
		return js.Undefined()
	}
	return v.iframe.Get("contentWindow")
}

// dock keeps the viewer iframe over the component's #viewer-slot. The
// iframe is not part of the Vugu tree: Vugu sets every attribute again on
// each render and replaces elements whose position among their siblings
// changes, and either would reload the viewer (and its wasm). So the iframe
// is created once, at the end of body, and placed over the slot after every
// render and on resize; it is hidden while there is no slot. Messages
// posted before it runs are kept and posted again when it says "ready".
//
// After a render the box is placed from the next animation frame, not at
// once: reading the slot's position right after the render forced a layout
// of everything the render changed inside the render's own task (78 ms in
// the CPU profile of a googlenet_cifar pick), while in the frame the
// browser lays the page out anyway.
func (v *viewer) dock() {
	doc := js.Global().Get("document")
	slot := doc.Call("getElementById", "viewer-slot")
	if slot.IsNull() {
		if !v.box.IsUndefined() {
			v.box.Set("hidden", true)
		}
		return
	}
	if v.box.IsUndefined() {
		// Not before the first result: the viewer's wasm would compete
		// with the app's and the worker's on the way to the first top-5.
		if doc.Call("querySelector", `#result[data-runs]:not([data-runs="0"])`).IsNull() {
			return
		}
		v.box = doc.Call("createElement", "div")
		v.box.Set("id", "viewer-dock")
		v.box.Set("className", "viewer-dock")
		v.iframe = doc.Call("createElement", "iframe")
		v.iframe.Set("id", "viewer")
		v.iframe.Set("className", "viewer")
		v.iframe.Set("title", "Feature-map viewer: scroll to zoom, drag to pan, click a map to enlarge it, Escape to go back")
		v.iframe.Set("src", "viewer.html")
		v.box.Call("appendChild", v.iframe)
		doc.Get("body").Call("appendChild", v.box)
		place := js.FuncOf(func(js.Value, []js.Value) any { v.place(); return nil })
		js.Global().Call("addEventListener", "resize", place)
		if ro := js.Global().Get("ResizeObserver"); ro.Type() == js.TypeFunction {
			ro.New(place).Call("observe", doc.Get("body"))
		}
		v.placing = js.FuncOf(func(js.Value, []js.Value) any {
			v.pending = false
			v.place()
			return nil
		})
		v.place() // once, at the first result: seen at once where it belongs
		return
	}
	if !v.pending {
		v.pending = true
		js.Global().Call("requestAnimationFrame", v.placing)
	}
}

// place puts the box over #viewer-slot (hidden without a slot).
func (v *viewer) place() {
	if v.box.IsUndefined() {
		return
	}
	slot := js.Global().Get("document").Call("getElementById", "viewer-slot")
	if slot.IsNull() {
		v.box.Set("hidden", true)
		return
	}
	r := slot.Call("getBoundingClientRect")
	x := r.Get("left").Float() + js.Global().Get("scrollX").Float()
	y := r.Get("top").Float() + js.Global().Get("scrollY").Float()
	st := v.box.Get("style")
	st.Set("left", fmt.Sprintf("%.1fpx", x))
	st.Set("top", fmt.Sprintf("%.1fpx", y))
	st.Set("width", fmt.Sprintf("%.1fpx", r.Get("width").Float()))
	st.Set("height", fmt.Sprintf("%.1fpx", r.Get("height").Float()))
	v.box.Set("hidden", false)
}

func (v *viewer) post(msg js.Value) {
	w := v.frame()
	if w.IsUndefined() || w.IsNull() || msg.IsUndefined() {
		return
	}
	w.Call("postMessage", msg, v.origin)
}

func (v *viewer) repost() {
	v.post(v.settings)
	v.post(v.content)
	v.post(v.selected)
}

func floatsJS(fs []float32) js.Value {
	a := js.Global().Get("Array").New(len(fs))
	for i, f := range fs {
		a.SetIndex(i, float64(f))
	}
	return a
}

func bytesJS(b []byte) js.Value {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

func (v *viewer) showMaps(m *protocol.Maps, img *protocol.Image) {
	msg := js.ValueOf(map[string]any{
		"type":  "maps",
		"layer": m.Layer,
		"shape": []any{m.Shape[0], m.Shape[1], m.Shape[2]},
	})
	msg.Set("min", floatsJS(m.Min))
	msg.Set("max", floatsJS(m.Max))
	msg.Set("data", bytesJS(m.Data))
	if img != nil && len(img.RGBA) == img.W*img.H*4 && img.W > 0 {
		im := js.ValueOf(map[string]any{"w": img.W, "h": img.H})
		im.Set("rgba", bytesJS(img.RGBA))
		msg.Set("image", im)
	}
	v.content, v.selected = msg, js.Undefined() // new maps open as a grid
	v.post(msg)
}

// showFilters turns the worker's RGBA patches into the viewer's filter
// format: per filter, the R, G and B planes of kH x kW values.
func (v *viewer) showFilters(p *protocol.Patches) {
	plane := p.W * p.H
	data := make([]byte, p.Count*3*plane)
	for f := 0; f < p.Count; f++ {
		src := p.RGBA[f*plane*4 : (f+1)*plane*4]
		dst := data[f*3*plane : (f+1)*3*plane]
		for i := 0; i < plane; i++ {
			dst[i] = src[4*i]
			dst[plane+i] = src[4*i+1]
			dst[2*plane+i] = src[4*i+2]
		}
	}
	msg := js.ValueOf(map[string]any{
		"type":  "filters",
		"layer": p.Layer,
		"shape": []any{p.Count, 3, p.H, p.W},
	})
	msg.Set("data", bytesJS(data))
	v.content, v.selected = msg, js.Undefined()
	v.post(msg)
}

func (v *viewer) setSettings(colormap, norm string) {
	v.settings = js.ValueOf(map[string]any{"type": "settings", "colormap": colormap, "norm": norm})
	v.post(v.settings)
}

// listen handles the viewer's messages: ready (post again), hover (shown
// under the viewer), drawn (recorded on the iframe as data-drawn, which the
// browser tests wait for), error (a refused message: a bug, logged).
func (v *viewer) listen(env vugu.EventEnv, root *web.Root) {
	js.Global().Call("addEventListener", "message", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := args[0]
		if ev.Get("origin").String() != v.origin {
			return nil
		}
		w := v.frame()
		if w.IsUndefined() || !ev.Get("source").Equal(w) {
			return nil
		}
		data := ev.Get("data")
		if data.Type() != js.TypeObject {
			return nil
		}
		switch data.Get("type").String() {
		case "ready":
			v.repost()
		case "drawn":
			v.iframe.Call("setAttribute", "data-drawn", data.Get("layer").String()+":"+data.Get("kind").String()+":"+data.Get("mode").String())
		case "error":
			js.Global().Get("console").Call("warn", "convscope viewer: "+data.Get("message").String())
		case "select":
			// A map was enlarged or the grid is back: a share link carries it.
			ch := intOf(data.Get("channel"), -1)
			go func() {
				env.Lock()
				root.ViewerSelected(ch)
				env.UnlockRender()
			}()
		case "png":
			v.exports.deliver(data) // the answer to an "export" (classroom.go)
		case "hover":
			ch := intOf(data.Get("channel"), -1)
			x, y := intOf(data.Get("x"), 0), intOf(data.Get("y"), 0)
			val := data.Get("value")
			ok := ch >= 0 && val.Type() == js.TypeNumber
			f := 0.0
			if ok {
				f = val.Float()
			}
			// Hover comes at mouse-move rate: update the text in place
			// rather than re-render the page, whose main thread the
			// viewer (same origin, same thread) needs to draw.
			go func() {
				env.Lock()
				root.ViewerHover(ch, x, y, f, ok)
				text := root.Hover
				env.UnlockOnly()
				if el := js.Global().Get("document").Call("getElementById", "hover"); !el.IsNull() {
					el.Set("textContent", text)
				}
			}()
		}
		return nil
	}))
}

func intOf(v js.Value, def int) int {
	if v.Type() != js.TypeNumber {
		return def
	}
	return v.Int()
}
