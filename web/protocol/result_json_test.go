package protocol

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// marshalTyped is what Encode writes through encoding/json (and wrote for
// every message before the hand-written JSON): json.Marshal's bytes of v
// with "type":typ spliced in front.
func marshalTyped(t testing.TB, typ string, v any) string {
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return `{"type":"` + typ + `",` + string(body[1:])
}

// awkward are strings encoding/json escapes, or writes as they are.
var awkward = []string{"", "cat", "jack-o'-lantern", `a "quoted" label`, `back\slash`, "<b>&amp;", "tab\there",
	"new\nline", "\x00\x01\x1f\x7f", "\b\f\r", "crème brûlée", "\u2028\u2029", "bad \xff utf-8", "日本", "inception3a/branch2.0"}

// floats64 and floats32 cover each side of encoding/json's switch between
// 'f' and 'e' formats, both signs, and the exponent it shortens.
var (
	floats64 = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e-100, 1e20, 1e21, 1.5e21, 1e300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, -1e-7, -1e21, 0.123456789012345678, 12345.678, 1.0 / 3}
	floats32 = []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1e-30, 1e20, 1e21, 3e38,
		math.MaxFloat32, math.SmallestNonzeroFloat32, -2.5e-8, 1.0 / 3, 255.5}
)

// TestResultJSON: Encode's hand-written Result JSON is the bytes
// json.Marshal gives, spliced as Encode splices them, for Results with
// nil, empty and full lists, with and without Memory and its omitempty
// fields, awkward labels and names, and numbers of every magnitude; and a
// Result with a NaN or an infinity fails to encode as it did.
func TestResultJSON(t *testing.T) {
	results := variedResults(rand.New(rand.NewPCG(7, 14)))
	for i, r := range results {
		want := marshalTyped(t, "result", r)
		for _, m := range []Message{*r, r} {
			got, buf, err := Encode(m)
			if err != nil {
				t.Fatalf("result %d: %v", i, err)
			}
			if string(got) != want {
				t.Fatalf("result %d:\n got %s\nwant %s", i, got, want)
			}
			if len(buf) != len(r.View.RGBA) {
				t.Errorf("result %d: %d bulk bytes, want %d", i, len(buf), len(r.View.RGBA))
			}
		}
		if _, fast := resultJSON(r); !fast {
			t.Errorf("result %d: not hand-written", i)
		}
	}

	// No JSON number for these: Encode fails as json.Marshal does.
	for _, bad := range []func(*Result){
		func(r *Result) { r.Ms = math.NaN() },
		func(r *Result) { r.RunMs = math.Inf(1) },
		func(r *Result) { r.Timings[0].Ms = math.Inf(-1) },
		func(r *Result) { r.Stats[0].Zeros = math.NaN() },
		func(r *Result) { r.Stats[0].Min = float32(math.Inf(-1)) },
		func(r *Result) { r.Stats[0].Max = float32(math.NaN()) },
		func(r *Result) { r.Stats[0].Mean = float32(math.Inf(1)) },
	} {
		r := &Result{ID: 1, Top: []Prediction{{Prob: 0.5}}, Timings: []Timing{{Name: "a"}}, Stats: []LayerStat{{Name: "a"}}}
		bad(r)
		if _, err := json.Marshal(r); err == nil {
			t.Fatalf("%+v: json.Marshal takes it", r)
		}
		if text, _, err := Encode(r); err == nil || !strings.Contains(err.Error(), "encode result") {
			t.Errorf("%+v: encoded as %s (%v)", r, text, err)
		}
		if _, fast := resultJSON(r); fast {
			t.Errorf("%+v: hand-written", r)
		}
	}
}

// variedResults returns Results with nil, empty and full lists, with and
// without Memory and its omitempty fields, awkward labels and names, and
// numbers of every magnitude.
func variedResults(rng *rand.Rand) []*Result {
	f64 := func() float64 {
		if rng.IntN(2) == 0 {
			return floats64[rng.IntN(len(floats64))]
		}
		return math.Float64frombits(rng.Uint64()&^(0x7ff<<52) | uint64(rng.IntN(0x7ff))<<52) // finite, any exponent
	}
	f32 := func() float32 {
		if rng.IntN(2) == 0 {
			return floats32[rng.IntN(len(floats32))]
		}
		return math.Float32frombits(rng.Uint32()&^(0xff<<23) | uint32(rng.IntN(0xff))<<23)
	}
	var results []*Result
	results = append(results,
		&Result{},
		&Result{Top: []Prediction{}, Timings: []Timing{}, Stats: []LayerStat{}, Memory: &Memory{}},
		&Result{ID: 1, Model: "m", View: Image{W: 1, H: 1, RGBA: make([]byte, 4)}, Memory: &Memory{Wasm: 1 << 30, GoSys: 5, Workers: 2, Helpers: 7}},
		&Result{ID: 2, Memory: &Memory{Wasm: 3, Helpers: 1}},
	)
	plain := []string{"", "cat", "jack-o'-lantern", "layer1.0.conv1", "inception3a/branch2.0", "Conv"}
	for i := 0; i < 300; i++ {
		names := awkward
		if i%2 == 0 { // strings written as they are, every one
			names = plain
		}
		pick := func([]string) string { return names[rng.IntN(len(names))] }
		r := &Result{ID: rng.IntN(1 << 20), Model: pick(awkward), Ms: math.Abs(f64()), RunMs: f64()}
		if rng.IntN(5) > 0 {
			r.Top = make([]Prediction, rng.IntN(6))
			for j := range r.Top {
				r.Top[j] = Prediction{Index: rng.IntN(1000), Label: pick(awkward), Prob: []float64{0, 1, rng.Float64(), 1e-9, 1e-300}[rng.IntN(5)]}
			}
		}
		if rng.IntN(5) > 0 {
			r.Timings = make([]Timing, rng.IntN(70))
			for j := range r.Timings {
				r.Timings[j] = Timing{Name: pick(awkward), Op: pick([]string{"Conv", "Relu", "MaxPool", ""}), Ms: f64()}
			}
		}
		if rng.IntN(3) > 0 {
			r.Stats = make([]LayerStat, rng.IntN(100))
			for j := range r.Stats {
				r.Stats[j] = LayerStat{Name: pick(awkward), Zeros: f64(), Min: f32(), Max: f32(), Mean: f32(), Bytes: rng.Int64N(1 << 40)}
			}
		}
		if rng.IntN(2) > 0 {
			r.Memory = &Memory{Wasm: rng.Int64N(1 << 33), GoSys: rng.Int64N(1 << 33), Workers: rng.IntN(3), Helpers: rng.Int64N(2) * rng.Int64N(1<<33)}
		}
		w, h := rng.IntN(4), rng.IntN(4)
		r.View = Image{W: w, H: h, RGBA: make([]byte, 4*w*h)}
		results = append(results, r)
	}
	return results
}

// bigResult is a Result the size of googlenet_cifar's: 63 timings, 97
// layer statistics, a 32x32 view.
func bigResult() *Result {
	r := &Result{ID: 9, Model: "googlenet_cifar", Ms: 12.345678, RunMs: 10.987654, View: Image{W: 32, H: 32, RGBA: make([]byte, 32*32*4)},
		Memory: &Memory{Wasm: 40 << 20, GoSys: 38 << 20, Workers: 1}}
	for i := range 5 {
		r.Top = append(r.Top, Prediction{Index: i, Label: "automobile", Prob: 0.1234567 / float64(i+1)})
	}
	for i := range 63 {
		r.Timings = append(r.Timings, Timing{Name: fmt.Sprintf("inception4a.branch%d.%d", i%4, i), Op: "Conv", Ms: 0.0123 * float64(i)})
	}
	for i := range 97 {
		r.Stats = append(r.Stats, LayerStat{Name: fmt.Sprintf("inception4a.branch%d.%d", i%4, i), Zeros: 0.3456 * float64(i%3),
			Min: -1.2345 * float32(i), Max: 3.4567 * float32(i), Mean: 0.01234, Bytes: 4 * 64 * 8 * 8})
	}
	return r
}

// BenchmarkEncodeResult: Encode of a googlenet_cifar-size Result, by hand
// and as json.Marshal did it.
func BenchmarkEncodeResult(b *testing.B) {
	benchEncode(b, "result", bigResult())
}

// benchEncode times Encode of m, by hand and as json.Marshal did it.
func benchEncode(b *testing.B, typ string, m Message) {
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			marshalTyped(b, typ, m)
		}
	})
}

// BenchmarkDecodeResult: Decode of a googlenet_cifar-size Result, as the
// page decodes it, by hand and as json.Unmarshal did it (the type, then
// the message).
func BenchmarkDecodeResult(b *testing.B) {
	benchDecode[Result](b, bigResult())
}

// benchDecode times Decode of m's text, by hand and as json.Unmarshal did
// it (the type, then the message, a T).
func benchDecode[T any](b *testing.B, m Message) {
	text, buf, err := Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(text, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		for b.Loop() {
			var head struct {
				Type *Type `json:"type"`
			}
			var v T
			if json.Unmarshal(text, &head) != nil || json.Unmarshal(text, &v) != nil {
				b.Fatal("bad JSON")
			}
		}
	})
}

// TestDecodeResult: Decode reads the Results Encode writes as
// json.Unmarshal reads them, by hand; and the hand-written reader accepts
// no text that json.Unmarshal would read otherwise or reject (the texts of
// varied Results with bytes deleted, repeated, replaced, or spaces put in).
func TestDecodeResult(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 14))
	results := variedResults(rng)
	fast, mutants := 0, 0
	for i, r := range results {
		text, buf, err := Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		var want Result
		if err := json.Unmarshal(text, &want); err != nil {
			t.Fatal(err)
		}
		want.View.RGBA = buf
		m, err := Decode(text, buf)
		if err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
		if got := m.(*Result); !reflect.DeepEqual(got, &want) {
			t.Fatalf("result %d: decoded\n%+v\nwant\n%+v", i, got, &want)
		}
		if _, ok := decodeResult(text); ok {
			fast++
		} else if plainResult(r) {
			t.Errorf("result %d: not read by hand: %s", i, text)
		}
		mutants += checkMutants(t, rng, text, decodeResult)
	}
	if fast < len(results)/3 {
		t.Errorf("only %d of %d results read by hand", fast, len(results))
	}
	t.Logf("%d of %d results read by hand; %d altered texts too", fast, len(results), mutants)
}

// plainResult reports whether every string of r is one resultJSON writes
// as it is.
func plainResult(r *Result) bool {
	ok := plainJSON(r.Model)
	for _, p := range r.Top {
		ok = ok && plainJSON(p.Label)
	}
	for _, t := range r.Timings {
		ok = ok && plainJSON(t.Name) && plainJSON(t.Op)
	}
	for _, s := range r.Stats {
		ok = ok && plainJSON(s.Name)
	}
	return ok && (r.Stats == nil || len(r.Stats) > 0)
}

// mutate returns a copy of text with one byte deleted, repeated or
// replaced, or a space put in, and half the time cut short after it.
func mutate(rng *rand.Rand, text []byte) []byte {
	i := rng.IntN(len(text))
	out := append([]byte(nil), text[:i]...)
	switch rng.IntN(4) {
	case 0: // deleted
	case 1:
		out = append(out, text[i], text[i])
	case 2:
		out = append(out, "0123456789.-+eE\",:{}[] null"[rng.IntN(27)])
	case 3:
		out = append(out, ' ', text[i])
	}
	if rng.IntN(2) == 0 {
		return out
	}
	return append(out, text[i+1:]...)
}

// checkMutants reads by hand 20 altered copies of text (mutate): each one
// the hand-written reader takes must be read as json.Unmarshal reads it.
// It returns how many it took.
func checkMutants[T any](t *testing.T, rng *rand.Rand, text []byte, hand func([]byte) (*T, bool)) int {
	t.Helper()
	n := 0
	for range 20 {
		bad := mutate(rng, text)
		got, ok := hand(bad)
		if !ok {
			continue
		}
		n++
		var want T
		if err := json.Unmarshal(bad, &want); err != nil {
			t.Fatalf("read by hand, json.Unmarshal says %v: %s", err, bad)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Fatalf("%s: read by hand as\n%+v\njson.Unmarshal:\n%+v", bad, got, &want)
		}
	}
	return n
}

// fillEvery sets every field of the struct v points to, down to the
// nested structs' (by reflection, so that a field added later is set
// too): numbers and strings each to a value of its own, bools true,
// pointers to a new filled value, slices to two filled elements, byte
// slices (the bulk bytes, not JSON) nil.
func fillEvery(t *testing.T, v any) {
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		n++
		switch v.Kind() {
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(n))
		case reflect.Float64, reflect.Float32:
			v.SetFloat(float64(n) + 0.25)
		case reflect.String:
			v.SetString(fmt.Sprintf("s%d", n))
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem())
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				v.SetBytes(nil)
				return
			}
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range 2 {
				fill(v.Index(i))
			}
		default:
			t.Fatalf("fill: a %s field: teach this test (and the hand-written JSON) its kind", v.Type())
		}
	}
	fill(reflect.ValueOf(v).Elem())
}

// checkEveryField fills every field of m (fillEvery), then checks that
// the hand-written writer gives json.Marshal's bytes and the hand-written
// reader reads them back to m. The hand-written JSON names each field: one
// it does not know would be dropped silently, and the varied messages of
// the other tests set only the fields of today.
func checkEveryField[T any](t *testing.T, typ string, write func(Message) ([]byte, bool), read func([]byte) (*T, bool)) {
	var m T
	fillEvery(t, &m)
	text, ok := write(any(&m).(Message))
	if !ok {
		t.Fatal("not hand-written")
	}
	if want := marshalTyped(t, typ, &m); string(text) != want {
		t.Fatalf("hand-written\n%s\njson.Marshal\n%s", text, want)
	}
	got, ok := read(text)
	if !ok {
		t.Fatalf("not read by hand: %s", text)
	}
	if !reflect.DeepEqual(got, &m) {
		t.Fatalf("read by hand as\n%+v\nwant\n%+v", got, &m)
	}
}

// TestResultJSONEveryField: a Result with every field set, down to the
// nested structs' (by reflection, so a field added to Result, Prediction,
// Timing, LayerStat, Image or Memory later is set here too), encodes by
// hand to json.Marshal's bytes and decodes back to itself. resultJSON and
// decodeResult name each field: one they do not know would be dropped
// silently, and the varied Results above set only the fields of today.
func TestResultJSONEveryField(t *testing.T) {
	checkEveryField(t, "result", resultJSON, decodeResult)
}
