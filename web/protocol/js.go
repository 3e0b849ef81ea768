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
	text, buf, err := Encode(m)
	if err != nil {
		return js.Undefined(), js.Undefined(), err
	}
	o := js.Global().Get("Object").New()
	o.Set("json", string(text))
	list := js.Global().Get("Array").New()
	if buf != nil {
		u8 := js.Global().Get("Uint8Array").New(len(buf))
		js.CopyBytesToJS(u8, buf)
		ab := u8.Get("buffer")
		o.Set("buf", ab)
		list.Call("push", ab)
	}
	return o, list, nil
}

// Post encodes m and posts it to target (a Worker, or the worker's global
// scope self), transferring its bytes.
func Post(target js.Value, m Message) error {
	obj, transfer, err := ToJS(m)
	if err != nil {
		return err
	}
	target.Call("postMessage", obj, transfer)
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
