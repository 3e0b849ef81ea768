package protocol

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// every has one valid message of each type.
var every = []Message{
	Load{ID: 1, Model: ModelRef{Name: "resnet20_cifar", URL: "models/resnet20_cifar.0123456789abcdef.csm", SHA256: hash, Bytes: 300000}},
	Classify{ID: 2, Top: 5, Image: []byte("\x89PNG....")},
	Classify{ID: 3, Again: true},
	Classify{ID: 6, Top: 5, Image: []byte("\xff\xd8"), Preview: true},
	Classify{ID: 7, Top: 5, Image: []byte("\xff\xd8"), Preview: true, QuietMs: 100},
	Activations{ID: 4, Layer: "layer1.0.conv1"},
	Filters{ID: 5},
	Cancel{ID: 2},
	Ready{Version: "go1.27.3"},
	Progress{ID: 1, Loaded: 1000, Total: 300000},
	Loaded{ID: 1, Name: "resnet20_cifar", Arch: "resnet20_cifar", Dataset: "cifar10", SHA256: hash,
		Labels: []string{"airplane", "automobile"}, Crop: 32, Params: 270000, MACs: 40000000,
		Layers: []LayerInfo{{Name: "conv1", Kind: "conv", Shape: []int{1, 16, 32, 32}, Params: 432, MACs: 442368, Maps: true},
			{Name: "fc", Kind: "fc", Shape: []int{1, 10}, Params: 650, MACs: 640, Block: "", Maps: true}},
		Blocks: []BlockInfo{{Name: "layer1.0", Kind: "basic_block", Params: 4640, MACs: 4718592}}, FromCache: true, Ms: 12.5},
	LayerDone{ID: 2, Index: 0, Total: 20, Name: "conv1", Op: "Conv", Layer: 0, Ms: 0.25},
	Result{ID: 2, Model: "resnet20_cifar", Top: []Prediction{{Index: 3, Label: "cat", Prob: 0.875}, {Index: 5, Label: "dog", Prob: 0.125}},
		Ms: 4, RunMs: 3.5, View: Image{W: 2, H: 1, RGBA: []byte{1, 2, 3, 255, 4, 5, 6, 255}},
		Timings: []Timing{{Name: "conv1", Op: "Conv", Ms: 0.25}}},
	Preview{ID: 2, Model: "resnet20_cifar", Top: []Prediction{{Index: 3, Label: "cat", Prob: 0.875}, {Index: 5, Label: "dog", Prob: 0.125}},
		Ms: 4, RunMs: 3.5, View: Image{W: 2, H: 1, RGBA: []byte{1, 2, 3, 255, 4, 5, 6, 255}}, Layers: 1, Workers: 2},
	Maps{ID: 4, Layer: "layer1.0.conv1", Shape: [3]int{2, 1, 3}, Min: []float32{-1, 0}, Max: []float32{1, 0}, Data: []byte{0, 128, 255, 0, 0, 0}},
	Patches{ID: 5, Layer: "conv1", Count: 1, W: 1, H: 2, Min: []float32{-0.5}, Max: []float32{0.5}, RGBA: []byte{0, 1, 2, 255, 3, 4, 5, 255}},
	Error{ID: 2, Code: CodeCancelled, Message: "cancelled"},
}

// ptr returns a pointer to a copy of the message m holds, which is what
// Decode returns.
func ptr(m Message) Message {
	v := reflect.New(reflect.TypeOf(m))
	v.Elem().Set(reflect.ValueOf(m))
	return v.Interface().(Message)
}

func TestRoundTrip(t *testing.T) {
	seen := map[Type]bool{}
	for _, m := range every {
		seen[m.Type()] = true
		for _, in := range []Message{m, ptr(m)} {
			text, buf, err := Encode(in)
			if err != nil {
				t.Fatalf("%T: encode: %v", in, err)
			}
			var head map[string]any
			if err := json.Unmarshal(text, &head); err != nil {
				t.Fatalf("%s: JSON %s: %v", m.Type(), text, err)
			}
			if head["type"] != string(m.Type()) {
				t.Errorf("%s: JSON %s has type %v", m.Type(), text, head["type"])
			}
			if b, has := bulk(m); has && !bytes.Equal(b, buf) {
				t.Errorf("%s: buf %v, want %v", m.Type(), buf, b)
			} else if !has && buf != nil {
				t.Errorf("%s: buf %v for a message without bulk bytes", m.Type(), buf)
			}
			if bytes.Contains(text, []byte(`"Image"`)) || bytes.Contains(text, []byte(`"RGBA"`)) || bytes.Contains(text, []byte(`"Data"`)) {
				t.Errorf("%s: bulk bytes in the JSON: %s", m.Type(), text)
			}
			got, err := Decode(text, buf)
			if err != nil {
				t.Fatalf("%s: decode %s: %v", m.Type(), text, err)
			}
			if want := ptr(m); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: round trip\n got %#v\nwant %#v", m.Type(), got, want)
			}
			if got.RequestID() != m.RequestID() {
				t.Errorf("%s: id %d, want %d", m.Type(), got.RequestID(), m.RequestID())
			}
		}
	}
	for _, ty := range []Type{TypeLoad, TypeClassify, TypeActivations, TypeFilters, TypeCancel, TypeReady, TypeProgress,
		TypeLoaded, TypeLayerDone, TypeResult, TypeMaps, TypePatches, TypeError} {
		if !seen[ty] {
			t.Errorf("no round trip of %s", ty)
		}
	}
}

// TestWireFormat pins the JSON a hand-written JS sender produces: the page's
// tests and the viewer engineer write these by hand.
func TestWireFormat(t *testing.T) {
	m, err := Decode([]byte(`{"type":"classify","id":7,"top":3}`), []byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := m.(*Classify); !ok || c.ID != 7 || c.Top != 3 || !bytes.Equal(c.Image, []byte{1, 2, 3}) {
		t.Errorf("got %#v", m)
	}
	text, _, err := Encode(Error{ID: 7, Code: CodeImage, Message: "not an image"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"error","id":7,"code":"image","message":"not an image"}`; string(text) != want {
		t.Errorf("error JSON %s, want %s", text, want)
	}
	text, _, err = Encode(Ready{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"ready","version":""}`; string(text) != want {
		t.Errorf("ready JSON %s, want %s", text, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, json string
		buf        []byte
		want       string
	}{
		{"not JSON", `{"type":`, nil, "bad message JSON"},
		{"no type", `{"id":1}`, nil, "no type"},
		{"unknown type", `{"type":"explode","id":1}`, nil, "unknown message type"},
		{"wrong field type", `{"type":"classify","id":"one"}`, []byte{1}, "bad classify message"},
		{"request without id", `{"type":"activations","layer":"conv1"}`, nil, "id > 0"},
		{"negative id", `{"type":"error","id":-1,"message":"x"}`, nil, "negative id"},
		{"classify without image", `{"type":"classify","id":1}`, nil, "no image bytes"},
		{"classify again with image", `{"type":"classify","id":1,"again":true}`, []byte{1}, "again with an image"},
		{"negative top", `{"type":"classify","id":1,"top":-2}`, []byte{1}, "top -2"},
		{"negative quiet", `{"type":"classify","id":1,"quiet_ms":-1}`, []byte{1}, "quiet_ms -1"},
		{"buf where none belongs", `{"type":"filters","id":1}`, []byte{1}, "takes none"},
		{"load without url", `{"type":"load","id":1,"model":{"sha256":"` + hash + `"}}`, nil, "no model URL"},
		{"load bad hash", `{"type":"load","id":1,"model":{"url":"m.csm","sha256":"ABC"}}`, nil, "64 lowercase hex"},
		{"maps size mismatch", `{"type":"maps","id":1,"layer":"x","shape":[2,2,2],"min":[0,0],"max":[1,1]}`, make([]byte, 7), "want 8"},
		{"maps min count", `{"type":"maps","id":1,"layer":"x","shape":[2,1,1],"min":[0],"max":[1,1]}`, make([]byte, 2), "1 minima"},
		{"maps zero shape", `{"type":"maps","id":1,"layer":"x","shape":[0,1,1],"min":[],"max":[]}`, nil, "shape"},
		{"maps huge shape", `{"type":"maps","id":1,"layer":"x","shape":[100000,100000,100000],"min":[],"max":[]}`, nil, "shape"},
		{"result view mismatch", `{"type":"result","id":1,"view":{"w":2,"h":2}}`, make([]byte, 15), "want 16"},
		{"result bad prob", `{"type":"result","id":1,"top":[{"prob":1.5}],"view":{"w":0,"h":0}}`, nil, "probability"},
		{"patches mismatch", `{"type":"patches","id":1,"count":1,"w":3,"h":3,"min":[0],"max":[1]}`, make([]byte, 35), "want 36"},
		{"error without message", `{"type":"error","id":1}`, nil, "no message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Decode([]byte(c.json), c.buf)
			if err == nil {
				t.Fatalf("decoded %#v, want an error", m)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	big := make([]byte, MaxJSONBytes+1)
	if _, err := Decode(big, nil); err == nil {
		t.Error("JSON over MaxJSONBytes accepted")
	}
	if _, err := Decode([]byte(`{"type":"classify","id":1}`), make([]byte, MaxBufBytes+1)); err == nil {
		t.Error("buf over MaxBufBytes accepted")
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	for _, m := range []Message{
		nil,
		Maps{ID: 1, Layer: "x", Shape: [3]int{1, 1, 2}, Min: []float32{0}, Max: []float32{1}, Data: []byte{1}},
		Classify{ID: 0, Image: []byte{1}},
		Error{ID: 1},
	} {
		if _, _, err := Encode(m); err == nil {
			t.Errorf("Encode(%#v) succeeded, want an error", m)
		}
	}
	// NaN cannot be written as JSON: the worker must report such maps
	// another way, and Encode says so instead of sending garbage.
	var nan float32
	nan = nan / nan
	if _, _, err := Encode(Maps{ID: 1, Layer: "x", Shape: [3]int{1, 1, 1}, Min: []float32{nan}, Max: []float32{1}, Data: []byte{0}}); err == nil {
		t.Error("Maps with a NaN minimum encoded")
	}
}

func TestIsFinal(t *testing.T) {
	final := map[Type]bool{TypeLoaded: true, TypeResult: true, TypeMaps: true, TypePatches: true, TypeError: true}
	for _, m := range every {
		if IsFinal(m) != final[m.Type()] {
			t.Errorf("IsFinal(%s) = %v", m.Type(), IsFinal(m))
		}
		if IsRequest(m.Type()) == (m.Type() == TypeReady || m.Type() == TypeProgress || final[m.Type()] || m.Type() == TypeLayerDone || m.Type() == TypePreview) {
			t.Errorf("IsRequest(%s) = %v", m.Type(), IsRequest(m.Type()))
		}
	}
}

// TestLayerDoneJSON: Encode's hand-written LayerDone JSON is the bytes
// json.Marshal gives (spliced as Encode does), and the messages whose
// strings or time need more go through json.Marshal.
func TestLayerDoneJSON(t *testing.T) {
	for _, d := range []LayerDone{
		{ID: 3, Index: 12, Total: 52, Name: "layer1.2.conv1", Op: "Conv", Layer: 17, Ms: 0.123},
		{ID: 1, Index: 0, Total: 1, Name: "", Op: "", Layer: -1, Ms: 0},
		{ID: 1 << 40, Index: 7, Total: 9, Name: "features.0", Op: "Relu", Layer: 2, Ms: 12345.678},
		{ID: 2, Name: "inception3a/branch2.0", Op: "Conv", Ms: 1e-6},
		{ID: 2, Name: "x", Op: "Conv", Ms: 999999999999999999999},
		{ID: 2, Name: "tiny", Op: "Conv", Ms: 1e-7},
		{ID: 2, Name: "huge", Op: "Conv", Ms: 1e21},
		{ID: 2, Name: `a "quoted" name`, Op: "Conv", Ms: 0.5},
		{ID: 2, Name: `back\slash`, Op: "Conv", Ms: 0.5},
		{ID: 2, Name: "<script>&", Op: "Conv", Ms: 0.5},
		{ID: 2, Name: "tab\there", Op: "Conv", Ms: 0.5},
		{ID: 2, Name: "ünïcode", Op: "Conv", Ms: 0.5},
	} {
		for _, m := range []Message{d, &d} {
			got, buf, err := Encode(m)
			if err != nil || buf != nil {
				t.Fatalf("%+v: %v, %d bytes", d, err, len(buf))
			}
			body, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"type":"layer_done",` + string(body[1:]); string(got) != want {
				t.Errorf("%+v: %s, want %s", d, got, want)
			}
			if _, fast := layerDoneJSON(m); fast != (plainJSON(d.Name) && plainJSON(d.Op) && d.Ms < 1e21 && (d.Ms == 0 || d.Ms >= 1e-6)) {
				t.Errorf("%+v: hand-written %v", d, fast)
			}
		}
	}
}

// TestPreview: PreviewOf carries what the page shows of a Result, and a
// Preview that does not hold together is refused with a clear error.
func TestPreview(t *testing.T) {
	r := every[slicesIndexType(TypeResult)].(Result)
	r.Memory = &Memory{Workers: 2}
	p := PreviewOf(&r)
	if p.ID != r.ID || p.Model != r.Model || !reflect.DeepEqual(p.Top, r.Top) || p.Ms != r.Ms || p.RunMs != r.RunMs ||
		!reflect.DeepEqual(p.View, r.View) || p.Layers != len(r.Timings) || p.Workers != 2 {
		t.Errorf("PreviewOf(%+v) = %+v", r, p)
	}
	r.Memory = nil
	if p := PreviewOf(&r); p.Workers != 0 {
		t.Errorf("a Result without Memory: Preview of %d workers", p.Workers)
	}
	good := PreviewOf(&r)
	for name, c := range map[string]struct {
		edit func(*Preview)
		want string
	}{
		"view bytes":  {func(p *Preview) { p.View.RGBA = p.View.RGBA[:4] }, "view: 4 bytes for 2x1"},
		"probability": {func(p *Preview) { p.Top = []Prediction{{Index: 1, Label: "x", Prob: 1.5}} }, "probability 1.5"},
		"layers":      {func(p *Preview) { p.Layers = -1 }, "-1 layers"},
		"id":          {func(p *Preview) { p.ID = -2 }, "negative id"},
	} {
		p := good
		c.edit(&p)
		if _, _, err := Encode(p); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "preview") {
			t.Errorf("%s: Encode error %v, want one naming the preview and %q", name, err, c.want)
		}
	}
	// Decoding checks the same: a view whose bytes do not fit.
	text, buf, err := Encode(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(text, buf[:len(buf)-1]); err == nil || !strings.Contains(err.Error(), "view") {
		t.Errorf("Decode of a preview with a short view: %v", err)
	}
}

func slicesIndexType(ty Type) int {
	for i, m := range every {
		if m.Type() == ty {
			return i
		}
	}
	return -1
}
