//go:build js && wasm

package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"syscall/js"

	"convscope/web"
	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// host implements web.Host in the browser.
type host struct {
	engine *engine
	viewer *viewer
}

var _ web.Host = (*host)(nil)

func (h *host) ModelList() ([]web.ModelEntry, error) { return loadModels() }

func (h *host) Training() ([]web.TrainingRun, error) { return loadTraining() }

func (h *host) Load(m web.ModelEntry, progress func(loaded, total int64)) (*protocol.Loaded, error) {
	return h.engine.load(m, progress)
}

func (h *host) Classify(img []byte, step func(protocol.LayerDone)) (*protocol.Result, error) {
	return h.engine.classify(img, step)
}

// Cancel also stops an Explain: occlusion is many runs on the old image,
// and the user moved on.
func (h *host) Cancel() {
	h.engine.cancel(protocol.TypeClassify)
	h.engine.cancel(protocol.TypeExplain)
	h.engine.cancel(protocol.TypeInt8Cost)
}

func (h *host) CancelLoad() { h.engine.cancel(protocol.TypeLoad) }

func (h *host) Activations(layer string) (*protocol.Maps, error) {
	return h.engine.activations(layer)
}

func (h *host) Filters() (*protocol.Patches, error) { return h.engine.filters() }

func (h *host) Explain(class int, progress func(done, total int)) (*protocol.Heatmap, error) {
	return h.engine.explain(class, progress)
}

func (h *host) CancelExplain() { h.engine.cancel(protocol.TypeExplain) }

func (h *host) Slide(layer string, out, in int) (*protocol.Slides, error) {
	return h.engine.slide(layer, out, in)
}

func (h *host) ShowMaps(m *protocol.Maps, img *protocol.Image) { h.viewer.showMaps(m, img) }
func (h *host) ShowFilters(p *protocol.Patches)                { h.viewer.showFilters(p) }
func (h *host) ViewerSettings(colormap, norm string)           { h.viewer.setSettings(colormap, norm) }

// ShowProgress sets a progress bar and its label directly in the DOM.
func (h *host) ShowProgress(name, label string, value, max float64) {
	doc := js.Global().Get("document")
	if el := doc.Call("getElementById", name+"-step"); !el.IsNull() {
		el.Set("textContent", label)
	}
	if el := doc.Call("getElementById", name+"-progress"); !el.IsNull() {
		if max > 0 {
			el.Set("max", max)
			el.Set("value", value)
		} else {
			el.Call("removeAttribute", "value") // indeterminate
		}
	}
}

// inputFile takes the first file of an <input type=file> and clears the
// input, so that choosing the same file again (after fixing something) is a
// change too.
func (h *host) inputFile(el js.Value) *web.File {
	f := h.fileOf(el.Get("files"))
	el.Set("value", "")
	return f
}

// fileOf wraps the first File of a FileList (nil when it is empty) and,
// for a file the component will classify (1 to web.MaxImageBytes bytes),
// posts its Classify to the worker now (web.File.Run).
func (h *host) fileOf(list js.Value) *web.File {
	if list.Type() != js.TypeObject || list.Length() == 0 {
		return nil
	}
	f := list.Index(0)
	wf := &web.File{
		Name: f.Get("name").String(),
		Size: int64(f.Get("size").Float()),
		Read: func() ([]byte, error) { return readBlob(f) },
	}
	if wf.Size > 0 && wf.Size <= web.MaxImageBytes {
		if run, err := h.engine.classifyFile(f); err == nil {
			wf.Run = run
		} // else the component's Read and Classify meet the same error
	}
	return wf
}

// readBlob awaits blob.arrayBuffer() and copies it into Go.
func readBlob(blob js.Value) ([]byte, error) {
	buf, err := await(blob.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	u8 := js.Global().Get("Uint8Array").New(buf)
	n := u8.Get("byteLength").Int()
	if n > web.MaxImageBytes {
		return nil, fmt.Errorf("the file has %d bytes, more than %d", n, web.MaxImageBytes)
	}
	out := make([]byte, n)
	js.CopyBytesToGo(out, u8)
	return out, nil
}

// await blocks the calling goroutine (never the JS event loop) until the
// promise settles.
func await(p js.Value) (js.Value, error) {
	type outcome struct {
		v   js.Value
		err error
	}
	ch := make(chan outcome, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- outcome{v: args[0]}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "failed"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		ch <- outcome{err: errors.New(msg)}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	o := <-ch
	return o.v, o.err
}

// ShowResult writes a result into the previous result's elements, where
// the page holds exactly what root.vugu renders for r: as many #top5 rows,
// each with its label, bar and percentage, #timing, #view and its caption,
// and no download in flight. Only attributes and texts change, never the
// elements: Vugu's next render walks the same tree and sets the same
// values. What that render removes (the run's progress and Cancel, the
// "Reading" line, the alert or notice the pick cleared: the component
// keeps none of them when it calls this) is hidden now with the hidden
// attribute, which the render drops with the element (or, were the
// element kept, as an attribute it did not set). The page's script does
// the DOM work (static/boot.js, window.convscopeShowResult) in one call,
// r's strings its arguments: as JSON, the view's data: URL (5.6 KB)
// alone cost json.Marshal 0.3 ms in WebAssembly (Node, load 12).
func (h *host) ShowResult(r web.ShownResult) bool {
	show := js.Global().Get("convscopeShowResult")
	if show.Type() != js.TypeFunction {
		return false // the full render shows it
	}
	args := make([]any, 0, 4+4*len(r.Top))
	args = append(args, r.Run, r.Timing, r.Caption, r.ViewURL)
	for _, p := range r.Top {
		args = append(args, p.Index, p.Prob, p.Label, p.Percent)
	}
	return show.Invoke(args...).Bool()
}

// AfterPaint calls f after the next frame is painted: from a task queued
// by requestAnimationFrame (which runs just before the paint), or after
// 100 ms when no frame comes (a hidden page gets no animation frames).
// Whichever comes first cancels the others, so that no callback is left
// to call a released function.
func (h *host) AfterPaint(f func()) {
	win := js.Global()
	var frame, later js.Func
	var frameID, soonID, lateID js.Value
	later = js.FuncOf(func(js.Value, []js.Value) any {
		win.Call("cancelAnimationFrame", frameID)
		if !soonID.IsUndefined() {
			win.Call("clearTimeout", soonID)
		}
		win.Call("clearTimeout", lateID)
		frame.Release()
		later.Release()
		f()
		return nil
	})
	frame = js.FuncOf(func(js.Value, []js.Value) any {
		soonID = win.Call("setTimeout", later, 0)
		return nil
	})
	soonID = js.Undefined()
	frameID = win.Call("requestAnimationFrame", frame)
	lateID = win.Call("setTimeout", later, 100)
}

// ObjectURL makes a blob: URL for data (the page's CSP allows blob: images),
// or a data: URL for an image of up to dataURLBytes.
func (h *host) ObjectURL(data []byte, mime string) string {
	if len(data) == 0 {
		return ""
	}
	if len(data) <= dataURLBytes && strings.HasPrefix(mime, "image/") {
		return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
	}
	parts := js.Global().Get("Array").New(1)
	parts.SetIndex(0, bytesJS(data))
	blob := js.Global().Get("Blob").New(parts, js.ValueOf(map[string]any{"type": mime}))
	return js.Global().Get("URL").Call("createObjectURL", blob).String()
}

// dataURLBytes bounds the images ObjectURL writes into a data: URL: a
// CIFAR-10 model's view (32x32, an uncompressed PNG of 4.2 KB, 5.6 KB of
// base64) fits, an ImageNet one (224x224, 150 KB) does not. A blob: URL
// is a Blob registered with the browser's process by URL.createObjectURL
// (and the last one revoked): for the view of a CIFAR-10 pick in
// Chromium (medians of 9 picks, load 3-7) 1.6-3.2 ms of the page's thread
// between the Result and #top5, PNG included, against 0.17-0.40 ms with
// its data: URL, a string. Vugu's render writes the src attribute as one string of its
// 16 KB instruction buffer, which holds it.
const dataURLBytes = 8 << 10

func (h *host) Revoke(url string) {
	if strings.HasPrefix(url, "data:") {
		return
	}
	js.Global().Get("URL").Call("revokeObjectURL", url)
}

// Fetch reads a file of the site (a sample image), relative to the page.
func (h *host) Fetch(rel string) ([]byte, error) { return fetchBytes(rel, web.MaxImageBytes) }

// Camera is true on devices with a coarse pointer (phones, tablets), where
// the capture attribute opens the camera.
func (h *host) Camera() bool {
	mm := js.Global().Get("matchMedia")
	if mm.Type() != js.TypeFunction {
		return false
	}
	return js.Global().Call("matchMedia", "(pointer: coarse)").Get("matches").Truthy()
}

// listenForFiles takes the images the user gives: a file chosen in the file
// inputs (#file-input, #camera-input), a click on a sample's button, a file
// dropped anywhere on the page, a pasted image. These are listeners of the
// document, not Vugu's @change and @click: Vugu renders the whole page after
// each of its event handlers, 45-110 ms on the CIFAR-10 models, and the
// file read waited behind that render. The component renders the busy state
// only when the pick takes longer than web.BusyDelay, and the result.
func listenForFiles(env vugu.EventEnv, root *web.Root, h *host) {
	doc := js.Global().Get("document")
	use := func(f *web.File) {
		if f == nil {
			return
		}
		go func() {
			env.Lock()
			root.UseFile(env, f)
			env.UnlockOnly()
		}()
	}
	doc.Call("addEventListener", "change", js.FuncOf(func(_ js.Value, args []js.Value) any {
		el := args[0].Get("target")
		if id := el.Get("id").String(); id == "file-input" || id == "camera-input" {
			use(h.inputFile(el))
		}
		return nil
	}))
	doc.Call("addEventListener", "click", js.FuncOf(func(_ js.Value, args []js.Value) any {
		el := args[0].Get("target")
		if el.Type() != js.TypeObject || el.Get("closest").Type() != js.TypeFunction {
			return nil
		}
		btn := el.Call("closest", "#samples button.sample[data-sample]")
		if btn.IsNull() {
			return nil
		}
		name := btn.Call("getAttribute", "data-sample").String()
		go func() {
			env.Lock()
			root.PickSample(env, name)
			env.UnlockOnly()
		}()
		return nil
	}))
	hasFiles := func(dt js.Value) bool {
		if dt.Type() != js.TypeObject {
			return false
		}
		types := dt.Get("types")
		for i := 0; i < types.Length(); i++ {
			if types.Index(i).String() == "Files" {
				return true
			}
		}
		return false
	}
	dragging := func(on bool) {
		doc.Get("documentElement").Get("classList").Call("toggle", "dragging", on)
	}
	doc.Call("addEventListener", "dragover", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := args[0]
		if hasFiles(ev.Get("dataTransfer")) {
			ev.Call("preventDefault") // allows the drop
			dragging(true)
		}
		return nil
	}))
	doc.Call("addEventListener", "dragleave", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if args[0].Get("relatedTarget").IsNull() {
			dragging(false)
		}
		return nil
	}))
	doc.Call("addEventListener", "drop", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := args[0]
		dragging(false)
		dt := ev.Get("dataTransfer")
		if !hasFiles(dt) {
			return nil
		}
		ev.Call("preventDefault") // do not navigate to the file
		use(h.fileOf(dt.Get("files")))
		return nil
	}))
	doc.Call("addEventListener", "paste", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := args[0]
		cd := ev.Get("clipboardData")
		if cd.Type() != js.TypeObject {
			return nil
		}
		f := h.fileOf(cd.Get("files"))
		if f == nil {
			return nil // text: let the page paste it normally
		}
		ev.Call("preventDefault")
		use(f)
		return nil
	}))
}
