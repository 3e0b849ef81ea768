//go:build js

package protocol

import (
	"reflect"
	"syscall/js"
	"testing"
)

// TestJSRoundTrip runs under Node (GOOS=js GOARCH=wasm go test, with
// go_js_wasm_exec on PATH): every message survives ToJS and FromJS, bulk
// bytes travel as an ArrayBuffer in the transfer list.
func TestJSRoundTrip(t *testing.T) {
	for _, m := range every {
		obj, transfer, err := ToJS(m)
		if err != nil {
			t.Fatalf("%s: %v", m.Type(), err)
		}
		if obj.Get("json").Type() != js.TypeString {
			t.Fatalf("%s: json is %s", m.Type(), obj.Get("json").Type())
		}
		b, has := bulk(m)
		if has && b != nil {
			if !obj.Get("buf").InstanceOf(js.Global().Get("ArrayBuffer")) || transfer.Length() != 1 {
				t.Errorf("%s: buf %v, transfer of %d", m.Type(), obj.Get("buf").Type(), transfer.Length())
			}
		} else if transfer.Length() != 0 || !obj.Get("buf").IsUndefined() {
			t.Errorf("%s: a buf for a message without bulk bytes", m.Type())
		}
		got, err := FromJS(obj)
		if err != nil {
			t.Fatalf("%s: %v", m.Type(), err)
		}
		if want := ptr(m); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: round trip\n got %#v\nwant %#v", m.Type(), got, want)
		}
	}
	// A Uint8Array is taken as well as an ArrayBuffer.
	o := js.Global().Get("Object").New()
	o.Set("json", `{"type":"classify","id":1}`)
	u8 := js.Global().Get("Uint8Array").New(3)
	js.CopyBytesToJS(u8, []byte{1, 2, 3})
	o.Set("buf", u8)
	if m, err := FromJS(o); err != nil || len(m.(*Classify).Image) != 3 {
		t.Errorf("Uint8Array buf: %v, %v", m, err)
	}
	for _, bad := range []js.Value{js.ValueOf("text"), js.Global().Get("Object").New(), js.Null()} {
		if _, err := FromJS(bad); err == nil {
			t.Errorf("FromJS(%v) succeeded", bad)
		}
	}
	o.Set("buf", js.ValueOf(42))
	if _, err := FromJS(o); err == nil {
		t.Error("a number as buf was accepted")
	}
}
