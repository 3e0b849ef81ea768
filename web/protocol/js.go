//go:build js

package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"syscall/js"
)

// ToJS encodes m as the JS object {json, buf?} and returns it with its
// transfer list (the ArrayBuffer, if any) for postMessage.
func ToJS(m Message) (obj, transfer js.Value, err error) {
	obj, ab, err := toJS(m)
	if err != nil {
		return js.Undefined(), js.Undefined(), err
	}
	transfer = arrayCtor.New()
	if !ab.IsUndefined() {
		transfer.Call("push", ab)
	}
	return obj, transfer, nil
}

// The constructors ToJS and Post use, looked up once: every js.Value of
// an object costs a finalizer to release it. In Node, protocol.Post of a
// LayerDone took 42-62 us of cpu time, 11-14 of them the JSON, and
// runtime.addspecial (the finalizers) was the largest item of its profile
// (when a worker posted one per executed node of a run).
var (
	objectCtor     = js.Global().Get("Object")
	arrayCtor      = js.Global().Get("Array")
	uint8ArrayCtor = js.Global().Get("Uint8Array")
)

// toJS is ToJS with the message's ArrayBuffer instead of a transfer list
// (undefined when it has no bulk bytes).
func toJS(m Message) (obj, ab js.Value, err error) {
	text, buf, err := Encode(m)
	if err != nil {
		return js.Undefined(), js.Undefined(), err
	}
	obj = objectCtor.New()
	obj.Set("json", string(text))
	ab = js.Undefined()
	if buf != nil {
		u8 := uint8ArrayCtor.New(len(buf))
		js.CopyBytesToJS(u8, buf)
		ab = u8.Get("buffer")
		obj.Set("buf", ab)
	}
	return obj, ab, nil
}

// Post encodes m and posts it to target (a Worker, or the worker's global
// scope self), transferring its bytes.
func Post(target js.Value, m Message) error {
	obj, ab, err := toJS(m)
	if err != nil {
		return err
	}
	if ab.IsUndefined() {
		target.Call("postMessage", obj) // nothing to transfer
		return nil
	}
	target.Call("postMessage", obj, []any{ab})
	return nil
}

// PostFile posts a Classify whose image is file, a File or Blob the page
// was given, to target (the engine worker) with no bytes of it read: the
// structured clone of a File is a handle, and the worker reads it
// (FromJS). The page's own read (blob.arrayBuffer(), 1.3-8 ms, its promise
// waiting for the frame a pick triggers), copy into Go and copy back out
// to post (0.8-2.8 ms) are then no part of a pick (session 17's trace of
// CIFAR-10 picks, load 7-9).
func PostFile(target js.Value, m Classify, file js.Value) error {
	if m.Again || len(m.Image) > 0 {
		return errors.New("protocol: PostFile takes a Classify without image bytes")
	}
	if !file.InstanceOf(blobCtor) {
		return errors.New("protocol: PostFile takes a File or Blob")
	}
	// Encode checks a Classify has its image: the file stands for the
	// bytes (Image is not in the JSON, so the text is the same).
	m.Image = placeholder
	text, _, err := Encode(m)
	if err != nil {
		return err
	}
	obj := objectCtor.New()
	obj.Set("json", string(text))
	obj.Set("file", file)
	target.Call("postMessage", obj)
	return nil
}

var (
	blobCtor    = js.Global().Get("Blob")
	placeholder = []byte{0}
)

// ErrFileRead is the error of FromJS when the browser could not read a
// message's file (removed or changed since it was picked): the user's
// file, not the protocol, is at fault.
var ErrFileRead = errors.New("the file could not be read")

// FromJS decodes the data of a message event: {json: string, buf?:
// ArrayBuffer or Uint8Array} or, for a Classify only, {json, file: Blob}
// (PostFile), read here with FileReaderSync, which only a worker has.
func FromJS(v js.Value) (Message, error) {
	if v.Type() != js.TypeObject {
		return nil, fmt.Errorf("protocol: message data is a %s, not an object", v.Type())
	}
	j := v.Get("json")
	if j.Type() != js.TypeString {
		return nil, errors.New("protocol: message data has no json string")
	}
	text := j.String()
	var buf []byte
	b := v.Get("buf")
	if f := v.Get("file"); !f.IsUndefined() && !f.IsNull() {
		if !b.IsUndefined() && !b.IsNull() {
			return nil, errors.New("protocol: message carries both a buf and a file")
		}
		// The type first: no file is read for a message that takes none
		// (by hand for the Classify the page writes, see decodeClassify).
		if _, ok := decodeClassify([]byte(text)); !ok {
			var head struct {
				Type Type `json:"type"`
			}
			if err := json.Unmarshal([]byte(text), &head); err != nil {
				return nil, fmt.Errorf("protocol: bad message JSON: %w", err)
			}
			if head.Type != TypeClassify {
				return nil, fmt.Errorf("protocol: a %q message carries a file; only a classify takes one", head.Type)
			}
		}
		var err error
		if buf, err = readFile(f); err != nil {
			return nil, err
		}
		return Decode([]byte(text), buf)
	}
	if !b.IsUndefined() && !b.IsNull() {
		var u8 js.Value
		switch {
		case b.InstanceOf(js.Global().Get("ArrayBuffer")):
			u8 = js.Global().Get("Uint8Array").New(b)
		case b.InstanceOf(js.Global().Get("Uint8Array")):
			u8 = b
		default:
			return nil, errors.New("protocol: message buf is neither an ArrayBuffer nor a Uint8Array")
		}
		n := u8.Get("byteLength").Int()
		if n > MaxBufBytes {
			return nil, fmt.Errorf("protocol: message carries %d bytes, more than %d", n, MaxBufBytes)
		}
		buf = make([]byte, n)
		js.CopyBytesToGo(buf, u8)
	}
	return Decode([]byte(text), buf)
}

// readFile reads a File or Blob of at most MaxBufBytes synchronously
// (FileReaderSync: a worker's, and the size checked first).
func readFile(f js.Value) ([]byte, error) {
	if !f.InstanceOf(blobCtor) {
		return nil, errors.New("protocol: message file is not a File or Blob")
	}
	if n := f.Get("size").Float(); n > MaxBufBytes {
		return nil, fmt.Errorf("protocol: message file has %.0f bytes, more than %d", n, MaxBufBytes)
	}
	rd := js.Global().Get("FileReaderSync")
	if rd.Type() != js.TypeFunction {
		return nil, errors.New("protocol: a message file can only be read in a worker (no FileReaderSync here)")
	}
	var ab js.Value
	var readErr error
	func() {
		defer func() {
			if r := recover(); r != nil {
				readErr = fmt.Errorf("%w: %v", ErrFileRead, r)
			}
		}()
		ab = rd.New().Call("readAsArrayBuffer", f)
	}()
	if readErr != nil {
		return nil, readErr
	}
	u8 := uint8ArrayCtor.New(ab)
	n := u8.Get("byteLength").Int()
	if n > MaxBufBytes {
		return nil, fmt.Errorf("protocol: message file has %d bytes, more than %d", n, MaxBufBytes)
	}
	buf := make([]byte, n)
	js.CopyBytesToGo(buf, u8)
	return buf, nil
}
