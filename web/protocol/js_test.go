//go:build js

package protocol

import (
	"errors"
	"reflect"
	"strings"
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

// fileReaderSync installs a FileReaderSync global (Node has none: only a
// worker does) whose readAsArrayBuffer returns data, or throws when data
// is nil, and returns a function that removes it.
func fileReaderSync(t *testing.T, data []byte) func() {
	t.Helper()
	if data == nil {
		js.Global().Set("FileReaderSync", js.Global().Get("Function").New(
			`this.readAsArrayBuffer = () => { throw new Error("NotReadableError") }`))
		return func() { js.Global().Delete("FileReaderSync") }
	}
	read := js.FuncOf(func(js.Value, []js.Value) any {
		u8 := js.Global().Get("Uint8Array").New(len(data))
		js.CopyBytesToJS(u8, data)
		return u8.Get("buffer")
	})
	ctor := js.FuncOf(func(this js.Value, _ []js.Value) any {
		this.Set("readAsArrayBuffer", read)
		return nil
	})
	js.Global().Set("FileReaderSync", ctor)
	return func() {
		js.Global().Delete("FileReaderSync")
		ctor.Release()
		read.Release()
	}
}

// TestPostFile: a Classify posted with a File carries the file itself
// (no bytes), and the worker's FromJS reads it into the Classify's Image;
// every malformed variant is a clear error.
func TestPostFile(t *testing.T) {
	img := []byte("\x89PNG not really")
	parts := js.Global().Get("Array").New(1)
	u8 := js.Global().Get("Uint8Array").New(len(img))
	js.CopyBytesToJS(u8, img)
	parts.SetIndex(0, u8)
	blob := js.Global().Get("Blob").New(parts)

	var posted []js.Value
	post := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 1 {
			t.Errorf("postMessage with %d arguments, want 1 (nothing to transfer)", len(args))
		}
		posted = append(posted, args[0])
		return nil
	})
	defer post.Release()
	target := js.Global().Get("Object").New()
	target.Set("postMessage", post)

	if err := PostFile(target, Classify{ID: 7, Top: 5}, blob); err != nil {
		t.Fatal(err)
	}
	if len(posted) != 1 || !posted[0].Get("file").Equal(blob) || !posted[0].Get("buf").IsUndefined() {
		t.Fatalf("posted %v, want one message with the blob as file and no buf", posted)
	}
	obj := posted[0]

	if _, err := FromJS(obj); err == nil || !strings.Contains(err.Error(), "worker") {
		t.Errorf("FromJS of a file without FileReaderSync: %v, want an error saying only a worker reads it", err)
	}

	done := fileReaderSync(t, img)
	m, err := FromJS(obj)
	if err != nil {
		t.Fatal(err)
	}
	if want := (&Classify{ID: 7, Top: 5, Image: img}); !reflect.DeepEqual(m, want) {
		t.Errorf("FromJS: got %#v, want %#v", m, want)
	}

	bad := func(name string, json string, file, buf js.Value, want string) {
		t.Helper()
		o := js.Global().Get("Object").New()
		o.Set("json", json)
		o.Set("file", file)
		if !buf.IsUndefined() {
			o.Set("buf", buf)
		}
		if _, err := FromJS(o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: FromJS error %v, want one containing %q", name, err, want)
		}
	}
	ab := js.Global().Get("ArrayBuffer").New(3)
	bad("buf and file", `{"type":"classify","id":1}`, blob, ab, "both")
	bad("file on activations", `{"type":"activations","id":1,"layer":"x"}`, blob, js.Undefined(), "only a classify")
	bad("file on a classify again", `{"type":"classify","id":1,"again":true}`, blob, js.Undefined(), "again with an image")
	bad("not a blob", `{"type":"classify","id":1}`, js.ValueOf("a.png"), js.Undefined(), "not a File or Blob")
	huge := js.Global().Get("Object").Call("create", js.Global().Get("Blob").Get("prototype"))
	js.Global().Get("Object").Call("defineProperty", huge, "size", map[string]any{"value": MaxBufBytes + 1})
	bad("too big", `{"type":"classify","id":1}`, huge, js.Undefined(), "more than")
	done()

	done = fileReaderSync(t, nil) // the read throws
	if _, err := FromJS(obj); !errors.Is(err, ErrFileRead) || !strings.Contains(err.Error(), "NotReadableError") {
		t.Errorf("unreadable file: %v, want ErrFileRead with the browser's reason", err)
	}
	done()

	for _, c := range []Classify{{ID: 1, Again: true}, {ID: 1, Image: img}} {
		if err := PostFile(target, c, blob); err == nil {
			t.Errorf("PostFile(%+v) succeeded", c)
		}
	}
	if err := PostFile(target, Classify{ID: 1}, js.ValueOf("a.png")); err == nil {
		t.Error("PostFile of a string succeeded")
	}
	if len(posted) != 1 {
		t.Errorf("%d messages posted, want only the first", len(posted))
	}
}
