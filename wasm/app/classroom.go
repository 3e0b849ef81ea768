//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"convscope/web"
)

// The browser side of the Classroom panel (web.ClassroomHost): the URL
// fragment of a share link, the presentation view, and PNG downloads of the
// SVG charts and of the feature-map viewer. Downloads go through a blob: URL
// and an <a download> click, which the CSP allows (no data: navigation, no
// inline script).

var _ web.ClassroomHost = (*host)(nil)

func (h *host) Fragment() string {
	return strings.TrimPrefix(js.Global().Get("location").Get("hash").String(), "#")
}

// SetFragment uses history.replaceState: setting location.hash would add a
// history entry and scroll to an element of that id.
func (h *host) SetFragment(fragment string) string {
	loc := js.Global().Get("location")
	base := loc.Get("href").String()
	if i := strings.IndexByte(base, '#'); i >= 0 {
		base = base[:i]
	}
	url := base
	if fragment != "" {
		url += "#" + fragment
	}
	js.Global().Get("history").Call("replaceState", js.Null(), "", url)
	return loc.Get("href").String()
}

// presenter remembers how to tell the component that full screen ended.
var presenter struct {
	once   sync.Once
	left   func()
	active bool // the page went full screen for the presentation view
}

// Present toggles html.present (style.css: large type, the page's full
// width) and asks for full screen. Browsers refuse full screen without a
// user gesture or in some embeddings: the class alone still gives the view.
func (h *host) Present(on bool, left func()) {
	doc := js.Global().Get("document")
	html := doc.Get("documentElement")
	html.Get("classList").Call("toggle", "present", on)
	presenter.once.Do(func() {
		doc.Call("addEventListener", "fullscreenchange", js.FuncOf(func(js.Value, []js.Value) any {
			if doc.Get("fullscreenElement").IsNull() && presenter.active {
				presenter.active = false
				html.Get("classList").Call("remove", "present")
				if f := presenter.left; f != nil {
					go f() // it takes the render lock
				}
			}
			return nil
		}))
	})
	presenter.left = left
	if on {
		if html.Get("requestFullscreen").Type() != js.TypeFunction {
			return
		}
		presenter.active = true
		p := html.Call("requestFullscreen")
		ignore := js.FuncOf(func(js.Value, []js.Value) any { presenter.active = false; return nil })
		p.Call("catch", ignore)
		return
	}
	presenter.active = false
	if !doc.Get("fullscreenElement").IsNull() && doc.Get("exitFullscreen").Type() == js.TypeFunction {
		doc.Call("exitFullscreen").Call("catch", js.FuncOf(func(js.Value, []js.Value) any { return nil }))
	}
}

// exportScale draws charts at twice their CSS size, so the PNG is sharp on a
// projector.
const exportScale = 2

// maxExportSide bounds the canvas (browsers fail beyond about 16k pixels).
const maxExportSide = 8192

// svgStyleProps are the computed styles copied onto the exported copy of a
// chart as presentation attributes: the copy is drawn as an image, where
// style.css does not apply.
var svgStyleProps = []string{
	"fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray",
	"opacity", "font-family", "font-size", "font-weight", "text-anchor", "dominant-baseline", "visibility",
}

// figureSelector finds the page's figures: SVG charts and the lessons'
// images (inside a <figure>, or an image with class chart).
const figureSelector = "figure svg, figure img[id], img.chart[id]"

// Figures lists the figures on screen (not hidden, not empty) with the id
// ExportFigure takes: the image's own, or the nearest enclosing element's.
func (h *host) Figures() []web.Figure {
	doc := js.Global().Get("document")
	els := doc.Call("querySelectorAll", figureSelector)
	var out []web.Figure
	seen := map[string]bool{}
	for i := 0; i < els.Length(); i++ {
		el := els.Index(i)
		if el.Call("getClientRects").Length() == 0 {
			continue // hidden
		}
		holder := el
		if el.Get("id").String() == "" {
			holder = el.Call("closest", "[id]")
		}
		if holder.IsNull() || !el.Call("closest", "#classroom").IsNull() {
			continue
		}
		id := holder.Get("id").String()
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		title := ""
		if strings.ToLower(el.Get("tagName").String()) == "svg" {
			if t := el.Call("querySelector", "title"); !t.IsNull() {
				title = t.Get("textContent").String()
			}
		} else {
			title = el.Get("alt").String()
		}
		out = append(out, web.Figure{ID: id, Title: strings.TrimSpace(title)})
	}
	return out
}

// ExportFigure draws a figure (an <svg> or an <img>, or the first one inside
// the element with that id) on a canvas at twice its size on screen, and
// downloads it as a PNG.
func (h *host) ExportFigure(id, filename string) (web.Export, error) {
	doc := js.Global().Get("document")
	el := doc.Call("getElementById", id)
	if el.IsNull() {
		return web.Export{}, fmt.Errorf("no element #%s on the page", id)
	}
	switch strings.ToLower(el.Get("tagName").String()) {
	case "svg", "img":
	default:
		el = el.Call("querySelector", "svg, img")
	}
	if el.IsNull() {
		return web.Export{}, errors.New("there is no figure to save yet")
	}
	r := el.Call("getBoundingClientRect")
	w, hh := int(math.Ceil(r.Get("width").Float())), int(math.Ceil(r.Get("height").Float()))
	if w <= 0 || hh <= 0 {
		return web.Export{}, errors.New("the figure is not on screen")
	}
	img := el
	if strings.ToLower(el.Get("tagName").String()) == "svg" {
		// Drawn as an image, where style.css does not apply: the copy
		// carries its computed styles as attributes.
		clone := el.Call("cloneNode", true)
		inlineStyles(el, clone)
		clone.Call("setAttribute", "xmlns", "http://www.w3.org/2000/svg")
		clone.Call("setAttribute", "width", w)
		clone.Call("setAttribute", "height", hh)
		text := js.Global().Get("XMLSerializer").New().Call("serializeToString", clone)
		svgURL := blobURL(text, "image/svg+xml")
		defer js.Global().Get("URL").Call("revokeObjectURL", svgURL)
		img = js.Global().Get("Image").New()
		img.Set("src", svgURL)
	}
	if _, err := await(img.Call("decode")); err != nil {
		return web.Export{}, fmt.Errorf("the figure could not be drawn: %v", err)
	}
	cw, ch := min(w*exportScale, maxExportSide), min(hh*exportScale, maxExportSide)
	canvas := doc.Call("createElement", "canvas")
	canvas.Set("width", cw)
	canvas.Set("height", ch)
	ctx := canvas.Call("getContext", "2d")
	ctx.Set("fillStyle", "#ffffff") // charts have a transparent background
	ctx.Call("fillRect", 0, 0, cw, ch)
	// Feature maps are small images shown with square pixels: keep them
	// square when enlarging (vector images are redrawn at any size anyway).
	if nw := img.Get("naturalWidth"); nw.Type() == js.TypeNumber && nw.Int() < cw {
		ctx.Set("imageSmoothingEnabled", false)
	}
	ctx.Call("drawImage", img, 0, 0, cw, ch)
	blob, err := canvasPNG(canvas)
	if err != nil {
		return web.Export{}, err
	}
	download(blob, filename)
	return web.Export{Name: filename, W: cw, H: ch, Bytes: blob.Get("size").Int()}, nil
}

// inlineStyles copies the computed styles of src and its descendants onto
// dst (a deep clone of src: the same elements in the same order).
func inlineStyles(src, dst js.Value) {
	get := js.Global().Get("getComputedStyle")
	copyOne := func(s, d js.Value) {
		cs := get.Invoke(s)
		for _, p := range svgStyleProps {
			if v := cs.Call("getPropertyValue", p).String(); v != "" {
				d.Call("setAttribute", p, v)
			}
		}
	}
	copyOne(src, dst)
	a, b := src.Call("querySelectorAll", "*"), dst.Call("querySelectorAll", "*")
	for i := 0; i < a.Length() && i < b.Length(); i++ {
		copyOne(a.Index(i), b.Index(i))
	}
}

// blobURL makes a blob: URL of a string.
func blobURL(text js.Value, mime string) js.Value {
	parts := js.Global().Get("Array").New(1)
	parts.SetIndex(0, text)
	blob := js.Global().Get("Blob").New(parts, js.ValueOf(map[string]any{"type": mime}))
	return js.Global().Get("URL").Call("createObjectURL", blob)
}

// canvasPNG awaits canvas.toBlob.
func canvasPNG(canvas js.Value) (js.Value, error) {
	var exec js.Func
	exec = js.FuncOf(func(_ js.Value, args []js.Value) any {
		canvas.Call("toBlob", args[0], "image/png")
		return nil
	})
	defer exec.Release()
	blob, err := await(js.Global().Get("Promise").New(exec))
	if err != nil {
		return js.Value{}, err
	}
	if blob.IsNull() {
		return js.Value{}, errors.New("the browser could not encode the PNG")
	}
	return blob, nil
}

// download saves a blob under a file name with a temporary <a download>.
func download(blob js.Value, filename string) {
	doc := js.Global().Get("document")
	url := js.Global().Get("URL").Call("createObjectURL", blob)
	a := doc.Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", filename)
	a.Set("hidden", true)
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	// The download has started from the URL; free it a little later.
	var revoke js.Func
	revoke = js.FuncOf(func(js.Value, []js.Value) any {
		js.Global().Get("URL").Call("revokeObjectURL", url)
		revoke.Release()
		return nil
	})
	js.Global().Call("setTimeout", revoke, 60_000)
}

// viewerExportTimeout bounds the wait for the viewer's PNG.
const viewerExportTimeout = 20 * time.Second

// exportWaiters routes the viewer's "png" answers to the ExportViewer call
// waiting for each.
type exportWaiters struct {
	mu   sync.Mutex
	next int
	wait map[int]chan js.Value
}

func (e *exportWaiters) add() (int, chan js.Value) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.wait == nil {
		e.wait = map[int]chan js.Value{}
	}
	e.next++
	ch := make(chan js.Value, 1)
	e.wait[e.next] = ch
	return e.next, ch
}

func (e *exportWaiters) drop(id int) {
	e.mu.Lock()
	delete(e.wait, id)
	e.mu.Unlock()
}

// deliver hands a "png" message to its waiter (never blocks).
func (e *exportWaiters) deliver(data js.Value) {
	id := intOf(data.Get("id"), -1)
	e.mu.Lock()
	ch := e.wait[id]
	delete(e.wait, id)
	e.mu.Unlock()
	if ch != nil {
		ch <- data
	}
}

// ExportViewer asks the viewer for what it shows as a PNG (it reads its own
// screen: the WebGL canvas cannot be read from outside after it was shown)
// and downloads it.
func (h *host) ExportViewer(filename string) (web.Export, error) {
	v := h.viewer
	if v.frame().IsUndefined() || v.frame().IsNull() {
		return web.Export{}, errors.New("the viewer is not open")
	}
	id, ch := v.exports.add()
	defer v.exports.drop(id)
	v.post(js.ValueOf(map[string]any{"type": "export", "id": id}))
	select {
	case data := <-ch:
		if msg := data.Get("error"); msg.Type() == js.TypeString {
			return web.Export{}, errors.New(msg.String())
		}
		png := data.Get("data")
		if png.Type() != js.TypeObject || !png.InstanceOf(js.Global().Get("Uint8Array")) {
			return web.Export{}, errors.New("the viewer sent no image")
		}
		parts := js.Global().Get("Array").New(1)
		parts.SetIndex(0, png)
		blob := js.Global().Get("Blob").New(parts, js.ValueOf(map[string]any{"type": "image/png"}))
		download(blob, filename)
		return web.Export{Name: filename, W: intOf(data.Get("w"), 0), H: intOf(data.Get("h"), 0), Bytes: png.Get("byteLength").Int()}, nil
	case <-time.After(viewerExportTimeout):
		return web.Export{}, fmt.Errorf("the viewer did not answer in %v", viewerExportTimeout)
	}
}

// SelectChannel enlarges a map in the viewer; it is posted again with the
// content when the viewer (re)loads.
func (h *host) SelectChannel(channel int) {
	msg := js.ValueOf(map[string]any{"type": "select", "channel": channel})
	h.viewer.selected = msg
	h.viewer.post(msg)
}
