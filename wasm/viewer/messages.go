//go:build js && wasm

package main

// The viewer's side of the page <-> viewer protocol (CONTRACTS.md, "App").
//
// The page posts:
//
//	{type:"maps", layer, shape:[C,H,W], min:[C], max:[C], data: Uint8Array(C*H*W), image?: {w, h, rgba}}
//	{type:"filters", layer?, shape:[C,3,kH,kW], data: Uint8Array(C*3*kH*kW), min?:[C], max?:[C]}  (R, G, B planes per filter)
//	{type:"filters", layer?, count, w, h, rgba: Uint8Array(count*h*w*4), min?:[count], max?:[count]}  (web/protocol's Patches as they are)
//	{type:"settings", colormap?: "viridis"|"magma"|"grey", norm?: "map"|"layer", overlay?: 0..1}
//	{type:"select", channel}  (enlarge a map from the page; -1 = back to the grid)
//	{type:"export", id}  (send what is on screen as a PNG)
//
// The viewer posts to its parent, with its own origin as the target:
//
//	{type:"ready"}                                     the listener is installed
//	{type:"hover", layer, channel, x, y, value}        value de-quantised with min/max
//	{type:"hover", layer, filters:true, channel, x, y, rgb:[r,g,b], weights?:[r,g,b]}  (weights when min/max came)
//	{type:"hover", channel:-1}                         the cursor left the maps
//	{type:"select", channel}                           a map was enlarged (-1: back to the grid)
//	{type:"drawn", layer, kind:"maps"|"filters", mode:"grid"|"detail"}  new content is on screen
//	{type:"error", message}                            a message was refused
//	{type:"png", id, w, h, data: Uint8Array}           the answer to export (PNG file bytes)
//
// Keys (the canvas takes focus when clicked or tabbed to): arrows pan, + and
// - zoom, 0 resets, Enter enlarges the map at the centre, [ ] or Page
// Up/Down step through channels when enlarged, Escape returns to the grid.
//
// Messages whose origin is not the viewer's own are ignored: only the app's
// page (same origin, which the CSP's frame-ancestors 'self' also enforces)
// may drive it.

import (
	"errors"
	"fmt"
	"sync"
	"syscall/js"

	"convscope/wasm/viewer/grid"
)

// command is one decoded message, applied to the viewer by Update.
type command struct {
	maps     *grid.Maps
	filters  *grid.Filters
	settings *grid.Settings
	selected *int
	export   *int // the id of an export request
}

// inbox hands commands from the JavaScript event handler to the game loop.
type inbox struct {
	mu   sync.Mutex
	cmds []command
}

func (in *inbox) push(c command) {
	in.mu.Lock()
	in.cmds = append(in.cmds, c)
	in.mu.Unlock()
}

// pending reports whether commands wait for an Update.
func (in *inbox) pending() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.cmds) > 0
}

func (in *inbox) take() []command {
	in.mu.Lock()
	defer in.mu.Unlock()
	cmds := in.cmds
	in.cmds = nil
	return cmds
}

// listen installs the message handler. static/viewer.js queues the events
// that arrive while the wasm is starting in convscopeViewer.queue; they are
// handled first, then convscopeViewer.deliver receives the rest.
func listen(in *inbox) error {
	hook := js.Global().Get("convscopeViewer")
	if hook.Type() != js.TypeObject {
		return errors.New("window.convscopeViewer is missing: load the viewer through viewer.html")
	}
	frameHook = hook
	origin := js.Global().Get("location").Get("origin").String()
	handle := func(ev js.Value) {
		if ev.Get("origin").String() != origin {
			return // not from the app's own page
		}
		cmd, err := decode(ev.Get("data"))
		if err != nil {
			post(map[string]any{"type": "error", "message": err.Error()})
			return
		}
		in.push(cmd)
		scheduleFrame() // the next frame's Update applies it
	}
	queue := hook.Get("queue")
	for i := range queue.Length() {
		handle(queue.Index(i))
	}
	hook.Set("queue", js.Global().Get("Array").New())
	hook.Set("deliver", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) > 0 {
			handle(args[0])
		}
		return nil
	}))
	return nil
}

// post sends a message to the embedding page, if there is one.
func post(msg map[string]any) {
	w := js.Global()
	parent := w.Get("parent")
	if parent.IsUndefined() || parent.Equal(w) {
		return
	}
	parent.Call("postMessage", msg, w.Get("location").Get("origin"))
}

func decode(data js.Value) (command, error) {
	if data.Type() != js.TypeObject {
		return command{}, errors.New("viewer: message is not an object")
	}
	switch t := str(data.Get("type")); t {
	case "maps":
		m, err := decodeMaps(data)
		return command{maps: m}, err
	case "filters":
		f, err := decodeFilters(data)
		return command{filters: f}, err
	case "settings":
		s, err := decodeSettings(data)
		return command{settings: s}, err
	case "select":
		c, ok := integer(data.Get("channel"))
		if !ok {
			return command{}, errors.New("viewer: select needs an integer channel")
		}
		return command{selected: &c}, nil
	case "export":
		id, ok := integer(data.Get("id"))
		if !ok {
			return command{}, errors.New("viewer: export needs an integer id")
		}
		return command{export: &id}, nil
	default:
		return command{}, fmt.Errorf("viewer: unknown message type %q", t)
	}
}

func str(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// integer reads a JavaScript number that must be a whole number in int32 range.
func integer(v js.Value) (int, bool) {
	if v.Type() != js.TypeNumber {
		return 0, false
	}
	f := v.Float()
	if f != float64(int32(f)) {
		return 0, false
	}
	return int(f), true
}

// shape reads an array of n whole numbers.
func shape(v js.Value, n int) ([]int, error) {
	if v.Type() != js.TypeObject || v.Get("length").Type() != js.TypeNumber || v.Length() != n {
		return nil, fmt.Errorf("shape must be an array of %d integers", n)
	}
	dims := make([]int, n)
	for i := range dims {
		d, ok := integer(v.Index(i))
		if !ok {
			return nil, fmt.Errorf("shape[%d] is not an integer", i)
		}
		dims[i] = d
	}
	return dims, nil
}

// floats reads an Array or Float32Array of n numbers.
func floats(v js.Value, n int, what string) ([]float32, error) {
	if v.Type() != js.TypeObject || v.Get("length").Type() != js.TypeNumber || v.Length() != n {
		return nil, fmt.Errorf("%s must have one number per map (%d)", what, n)
	}
	out := make([]float32, n)
	for i := range out {
		x := v.Index(i)
		if x.Type() != js.TypeNumber {
			return nil, fmt.Errorf("%s[%d] is not a number", what, i)
		}
		out[i] = float32(x.Float())
	}
	return out, nil
}

// bytes copies a Uint8Array, Uint8ClampedArray or ArrayBuffer of exactly n
// bytes; the length is checked before anything is allocated.
func bytes(v js.Value, n int, what string) ([]byte, error) {
	if v.Type() != js.TypeObject {
		return nil, fmt.Errorf("%s is missing", what)
	}
	if v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		v = js.Global().Get("Uint8Array").New(v)
	}
	if !v.InstanceOf(js.Global().Get("Uint8Array")) && !v.InstanceOf(js.Global().Get("Uint8ClampedArray")) {
		return nil, fmt.Errorf("%s must be a Uint8Array", what)
	}
	if got := v.Get("byteLength").Int(); got != n {
		return nil, fmt.Errorf("%s has %d bytes, want %d", what, got, n)
	}
	out := make([]byte, n)
	js.CopyBytesToGo(out, v)
	return out, nil
}

func decodeMaps(data js.Value) (*grid.Maps, error) {
	dims, err := shape(data.Get("shape"), 3)
	if err != nil {
		return nil, fmt.Errorf("maps: %w", err)
	}
	m := &grid.Maps{Layer: str(data.Get("layer")), C: dims[0], H: dims[1], W: dims[2]}
	if err := grid.CheckMapsShape(m.C, m.H, m.W); err != nil {
		return nil, err
	}
	if m.Min, err = floats(data.Get("min"), m.C, "maps: min"); err != nil {
		return nil, err
	}
	if m.Max, err = floats(data.Get("max"), m.C, "maps: max"); err != nil {
		return nil, err
	}
	if m.Data, err = bytes(data.Get("data"), m.C*m.H*m.W, "maps: data"); err != nil {
		return nil, err
	}
	if img := data.Get("image"); img.Type() == js.TypeObject {
		w, okW := integer(img.Get("w"))
		h, okH := integer(img.Get("h"))
		if !okW || !okH || w < 1 || h < 1 || w > grid.MaxImageSide || h > grid.MaxImageSide {
			return nil, fmt.Errorf("maps: image size must be integers in 1..%d", grid.MaxImageSide)
		}
		pix, err := bytes(img.Get("rgba"), w*h*4, "maps: image.rgba")
		if err != nil {
			return nil, err
		}
		m.Image = &grid.Image{W: w, H: h, Pix: pix}
	}
	return m, m.Validate()
}

func decodeFilters(data js.Value) (*grid.Filters, error) {
	var f *grid.Filters
	var err error
	if data.Get("shape").IsUndefined() {
		f, err = decodePatches(data)
	} else {
		f, err = decodeFilterPlanes(data)
	}
	if err != nil {
		return nil, err
	}
	if lo, hi := data.Get("min"), data.Get("max"); !lo.IsUndefined() || !hi.IsUndefined() {
		if f.Min, err = floats(lo, f.C, "filters: min"); err != nil {
			return nil, err
		}
		if f.Max, err = floats(hi, f.C, "filters: max"); err != nil {
			return nil, err
		}
	}
	return f, f.Validate()
}

// decodePatches reads the worker's Patches layout.
func decodePatches(data js.Value) (*grid.Filters, error) {
	c, okC := integer(data.Get("count"))
	w, okW := integer(data.Get("w"))
	h, okH := integer(data.Get("h"))
	if !okC || !okW || !okH {
		return nil, errors.New("filters: need shape [C,3,kH,kW], or count, w and h")
	}
	if err := grid.CheckShape("filters", c, h, w, grid.MaxChannels, grid.MaxKernelSide); err != nil {
		return nil, err
	}
	rgba, err := bytes(data.Get("rgba"), c*h*w*4, "filters: rgba")
	if err != nil {
		return nil, err
	}
	return grid.FiltersFromRGBA(str(data.Get("layer")), c, h, w, rgba)
}

func decodeFilterPlanes(data js.Value) (*grid.Filters, error) {
	dims, err := shape(data.Get("shape"), 4)
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	if dims[1] != 3 {
		return nil, fmt.Errorf("filters: shape[1] is %d, want 3 (RGB)", dims[1])
	}
	f := &grid.Filters{Layer: str(data.Get("layer")), C: dims[0], KH: dims[2], KW: dims[3]}
	if err := grid.CheckShape("filters", f.C, f.KH, f.KW, grid.MaxChannels, grid.MaxKernelSide); err != nil {
		return nil, err
	}
	if f.Data, err = bytes(data.Get("data"), f.C*3*f.KH*f.KW, "filters: data"); err != nil {
		return nil, err
	}
	return f, nil
}

func decodeSettings(data js.Value) (*grid.Settings, error) {
	var s grid.Settings
	if v := data.Get("colormap"); !v.IsUndefined() {
		if v.Type() != js.TypeString {
			return nil, errors.New("settings: colormap must be a string")
		}
		name := v.String()
		s.Colormap = &name
	}
	if v := data.Get("norm"); !v.IsUndefined() {
		if v.Type() != js.TypeString {
			return nil, errors.New("settings: norm must be a string")
		}
		norm := v.String()
		s.Norm = &norm
	}
	if v := data.Get("overlay"); !v.IsUndefined() {
		if v.Type() != js.TypeNumber {
			return nil, errors.New("settings: overlay must be a number")
		}
		o := v.Float()
		s.Overlay = &o
	}
	return &s, nil
}
