package protocol

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// variedPreviews are the Previews of variedResults (nil, empty and full
// top lists, awkward labels, numbers of every magnitude, Workers 0 to 2),
// with Layers from 0 up.
func variedPreviews(rng *rand.Rand) []*Preview {
	var out []*Preview
	for i, r := range variedResults(rng) {
		p := PreviewOf(r)
		if i%3 == 0 {
			p.Layers = rng.IntN(200)
		}
		out = append(out, &p)
	}
	return out
}

// TestPreviewJSON: Encode writes a Preview by hand, json.Marshal's bytes,
// and fails as json.Marshal does on a value JSON has no number for.
func TestPreviewJSON(t *testing.T) {
	for i, p := range variedPreviews(rand.New(rand.NewPCG(7, 15))) {
		want := marshalTyped(t, "preview", p)
		for _, m := range []Message{*p, p} {
			got, buf, err := Encode(m)
			if err != nil {
				t.Fatalf("preview %d: %v", i, err)
			}
			if string(got) != want {
				t.Fatalf("preview %d:\n got %s\nwant %s", i, got, want)
			}
			if len(buf) != len(p.View.RGBA) {
				t.Errorf("preview %d: %d bulk bytes, want %d", i, len(buf), len(p.View.RGBA))
			}
		}
		if _, fast := previewJSON(p); !fast {
			t.Errorf("preview %d: not hand-written", i)
		}
	}
	for _, bad := range []func(*Preview){
		func(p *Preview) { p.Ms = math.NaN() },
		func(p *Preview) { p.RunMs = math.Inf(1) },
		func(p *Preview) { p.Top[0].Prob = math.Inf(-1) },
	} {
		p := &Preview{ID: 1, Top: []Prediction{{Prob: 0.5}}}
		bad(p)
		if _, err := json.Marshal(p); err == nil {
			t.Fatalf("%+v: json.Marshal takes it", p)
		}
		// (validate rejects a probability out of [0, 1] first.)
		if text, _, err := Encode(p); err == nil || !strings.Contains(err.Error(), "encode preview") && !strings.Contains(err.Error(), "probability") {
			t.Errorf("%+v: encoded as %s (%v)", p, text, err)
		}
		if _, fast := previewJSON(p); fast {
			t.Errorf("%+v: hand-written", p)
		}
	}
}

// TestDecodePreview: Decode reads the Previews Encode writes as
// json.Unmarshal reads them, by hand; and the hand-written reader accepts
// no text that json.Unmarshal would read otherwise or reject (the texts
// with bytes deleted, repeated, replaced, or spaces put in).
func TestDecodePreview(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 15))
	previews := variedPreviews(rng)
	fast, mutants := 0, 0
	for i, p := range previews {
		text, buf, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		var want Preview
		if err := json.Unmarshal(text, &want); err != nil {
			t.Fatal(err)
		}
		want.View.RGBA = buf
		m, err := Decode(text, buf)
		if err != nil {
			t.Fatalf("preview %d: %v", i, err)
		}
		if got := m.(*Preview); !reflect.DeepEqual(got, &want) {
			t.Fatalf("preview %d: decoded\n%+v\nwant\n%+v", i, got, &want)
		}
		plain := plainJSON(p.Model)
		for _, c := range p.Top {
			plain = plain && plainJSON(c.Label)
		}
		if _, ok := decodePreview(text); ok {
			fast++
		} else if plain {
			t.Errorf("preview %d: not read by hand: %s", i, text)
		}
		mutants += checkMutants(t, rng, text, decodePreview)
	}
	if fast < len(previews)/3 {
		t.Errorf("only %d of %d previews read by hand", fast, len(previews))
	}
	// "workers":0 is valid JSON that previewJSON never writes (omitempty):
	// json.Unmarshal reads it.
	text := []byte(`{"type":"preview","id":1,"model":"m","top":null,"ms":1,"run_ms":1,"view":{"w":0,"h":0},"layers":0,"workers":0}`)
	if _, ok := decodePreview(text); ok {
		t.Errorf("read by hand: %s", text)
	}
	if m, err := Decode(text, nil); err != nil || m.(*Preview).ID != 1 {
		t.Errorf("Decode(%s) = %+v, %v", text, m, err)
	}
	t.Logf("%d of %d previews read by hand; %d altered texts too", fast, len(previews), mutants)
}

// TestPreviewJSONEveryField: a Preview with every field set, down to the
// nested structs' (by reflection, so a field added to Preview,
// Prediction or Image later is set here too), encodes by hand to
// json.Marshal's bytes and decodes back to itself.
func TestPreviewJSONEveryField(t *testing.T) {
	checkEveryField(t, "preview", previewJSON, decodePreview)
}

// cifarPreview is a CIFAR-10 pick's Preview: five classes, a 32x32 view.
func cifarPreview() *Preview {
	p := &Preview{ID: 9, Model: "googlenet_cifar", Ms: 12.345678, RunMs: 10.987654, View: Image{W: 32, H: 32, RGBA: make([]byte, 32*32*4)}, Layers: 63, Workers: 1}
	for i, l := range []string{"automobile", "truck", "ship", "airplane", "cat"} {
		p.Top = append(p.Top, Prediction{Index: i, Label: l, Prob: 0.1234567 / float64(i+1)})
	}
	return p
}

// BenchmarkEncodePreview: Encode of a CIFAR-10 pick's Preview, by hand
// and as json.Marshal did it.
func BenchmarkEncodePreview(b *testing.B) {
	benchEncode(b, "preview", cifarPreview())
}

// BenchmarkDecodePreview: Decode of a CIFAR-10 pick's Preview, as the page
// decodes it, by hand and as json.Unmarshal did it (the type, then the
// message).
func BenchmarkDecodePreview(b *testing.B) {
	benchDecode[Preview](b, cifarPreview())
}

// variedClassifies are Classify requests with every combination of the
// omitempty fields, IDs and tops of every size.
func variedClassifies(rng *rand.Rand) []*Classify {
	var out []*Classify
	for i := range 200 {
		c := &Classify{ID: 1 + rng.IntN(1<<uint(1+i%40)), Top: rng.IntN(1 << uint(i%12)), Again: i&1 != 0, Preview: i&2 != 0}
		switch i & 12 {
		case 4:
			c.QuietMs = rng.IntN(1000)
		case 8:
			c.QuietMs = 1 << 30
		}
		if !c.Again {
			c.Image = []byte{byte(i)}
		}
		out = append(out, c)
	}
	return out
}

// TestClassifyJSON: Encode writes a Classify by hand, json.Marshal's
// bytes; Decode reads it back as json.Unmarshal does, by hand; the
// hand-written reader accepts no text that json.Unmarshal would read
// otherwise or reject; FromJS's check of a file's message reads the same.
func TestClassifyJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 15))
	mutants := 0
	for i, c := range variedClassifies(rng) {
		want := marshalTyped(t, "classify", c)
		for _, m := range []Message{*c, c} {
			got, buf, err := Encode(m)
			if err != nil {
				t.Fatalf("classify %d: %v", i, err)
			}
			if string(got) != want {
				t.Fatalf("classify %d:\n got %s\nwant %s", i, got, want)
			}
			if string(buf) != string(c.Image) {
				t.Errorf("classify %d: bulk bytes %v, want %v", i, buf, c.Image)
			}
		}
		text := []byte(want)
		var w Classify
		if err := json.Unmarshal(text, &w); err != nil {
			t.Fatal(err)
		}
		w.Image = c.Image
		got, ok := decodeClassify(text)
		if !ok {
			t.Fatalf("classify %d: not read by hand: %s", i, text)
		}
		got.Image = c.Image
		if !reflect.DeepEqual(got, &w) {
			t.Fatalf("classify %d: read by hand as\n%+v\nwant\n%+v", i, got, &w)
		}
		m, err := Decode(text, c.Image)
		if err != nil {
			t.Fatalf("classify %d: %v", i, err)
		}
		if !reflect.DeepEqual(m, &w) {
			t.Fatalf("classify %d: decoded\n%+v\nwant\n%+v", i, m, &w)
		}
		mutants += checkMutants(t, rng, text, decodeClassify)
	}
	// Valid JSON classifyJSON never writes: json.Unmarshal reads it.
	for _, text := range []string{
		`{"type":"classify","id":1,"top":5,"again":false}`,
		`{"type":"classify","id":1,"top":5,"quiet_ms":0}`,
		`{"type":"classify","top":5,"id":1}`,
		`{"type":"classify", "id":1,"top":5}`,
	} {
		if _, ok := decodeClassify([]byte(text)); ok {
			t.Errorf("read by hand: %s", text)
		}
		if m, err := Decode([]byte(text), []byte{1}); err != nil || m.(*Classify).ID != 1 || m.(*Classify).Top != 5 {
			t.Errorf("Decode(%s) = %+v, %v", text, m, err)
		}
	}
	t.Logf("%d altered texts read by hand", mutants)
}

// TestClassifyJSONEveryField: a Classify with every field set (by
// reflection, so a field added later is set here too) encodes by hand to
// json.Marshal's bytes and decodes back to itself.
func TestClassifyJSONEveryField(t *testing.T) {
	checkEveryField(t, "classify", classifyJSON, decodeClassify)
}

// BenchmarkClassifyJSON: Encode and Decode of the page's Classify of a
// picked file, by hand and as json.Marshal and json.Unmarshal did them.
func BenchmarkClassifyJSON(b *testing.B) {
	c := Classify{ID: 7, Top: 5, Preview: true, QuietMs: 100, Image: []byte{0}}
	b.Run("encode", func(b *testing.B) { benchEncode(b, "classify", c) })
	b.Run("decode", func(b *testing.B) { benchDecode[Classify](b, c) })
}
