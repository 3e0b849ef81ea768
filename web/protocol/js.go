//go:build js

package protocol

import (
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

// FromJS decodes the data of a message event: {json: string, buf?:
// ArrayBuffer or Uint8Array}.
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
