//go:build js && wasm

package main

import (
	stdbytes "bytes" // messages.go has a func bytes
	"image"
	"image/png"
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"
)

// postPNG answers export requests with the frame just drawn, as PNG file
// bytes. The page cannot read the WebGL canvas itself: its drawing buffer
// is cleared once shown. Ebiten's screen is opaque, so its premultiplied
// pixels are plain RGBA.
func postPNG(screen *ebiten.Image, ids []int) {
	b := screen.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	screen.ReadPixels(img.Pix)
	var buf stdbytes.Buffer
	err := png.Encode(&buf, img)
	for _, id := range ids {
		msg := js.ValueOf(map[string]any{"type": "png", "id": id, "w": b.Dx(), "h": b.Dy()})
		if err != nil {
			msg.Set("error", "the viewer could not encode the PNG: "+err.Error())
		} else {
			u := js.Global().Get("Uint8Array").New(buf.Len())
			js.CopyBytesToJS(u, buf.Bytes())
			msg.Set("data", u)
		}
		postValue(msg)
	}
}

// postValue sends a message built in JavaScript (one holding a typed array)
// to the embedding page.
func postValue(msg js.Value) {
	w := js.Global()
	parent := w.Get("parent")
	if parent.IsUndefined() || parent.Equal(w) {
		return
	}
	parent.Call("postMessage", msg, w.Get("location").Get("origin"))
}
