package protocol

import (
	"encoding/json"
	"math"
	"strconv"
)

// resultJSON writes a Result's JSON by hand, the bytes Encode's
// json.Marshal writes (TestResultJSON checks it on varied Results); ok is
// false for a message that is not a Result, and for one with a value JSON
// has no number for (NaN or an infinity): Encode then marshals it and
// reports json.Marshal's error. The worker encodes one Result per classify,
// with a row per executed node and per kept layer (63 and 97 for
// googlenet_cifar): json.Marshal's reflection took 0.3-0.6 ms of a 10 ms
// classify in the browser.
func resultJSON(m Message) (text []byte, ok bool) {
	var r *Result
	switch v := m.(type) {
	case Result:
		r = &v
	case *Result:
		r = v
	default:
		return nil, false
	}
	for _, p := range r.Top {
		if !finite(p.Prob) {
			return nil, false
		}
	}
	if !finite(r.Ms) || !finite(r.RunMs) {
		return nil, false
	}
	n := 160 + len(r.Model)
	for _, p := range r.Top {
		n += 48 + len(p.Label)
	}
	for _, t := range r.Timings {
		if !finite(t.Ms) {
			return nil, false
		}
		n += 40 + len(t.Name) + len(t.Op)
	}
	for _, s := range r.Stats {
		if !finite(s.Zeros) || !finite(float64(s.Min)) || !finite(float64(s.Max)) || !finite(float64(s.Mean)) {
			return nil, false
		}
		n += 96 + len(s.Name)
	}
	b := make([]byte, 0, n)
	b = append(b, `{"type":"result","id":`...)
	b = strconv.AppendInt(b, int64(r.ID), 10)
	b = append(b, `,"model":`...)
	b = appendString(b, r.Model)
	b = append(b, `,"top":`...)
	b = appendTop(b, r.Top)
	b = append(b, `,"ms":`...)
	b = appendFloat(b, r.Ms, 64)
	b = append(b, `,"run_ms":`...)
	b = appendFloat(b, r.RunMs, 64)
	b = append(b, `,"view":{"w":`...)
	b = strconv.AppendInt(b, int64(r.View.W), 10)
	b = append(b, `,"h":`...)
	b = strconv.AppendInt(b, int64(r.View.H), 10)
	b = append(b, `},"timings":`...)
	if r.Timings == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range r.Timings {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, t.Name)
			b = append(b, `,"op":`...)
			b = appendString(b, t.Op)
			b = append(b, `,"ms":`...)
			b = appendFloat(b, t.Ms, 64)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(r.Stats) > 0 { // omitempty
		b = append(b, `,"stats":[`...)
		for i, s := range r.Stats {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, s.Name)
			b = append(b, `,"zeros":`...)
			b = appendFloat(b, s.Zeros, 64)
			b = append(b, `,"min":`...)
			b = appendFloat(b, float64(s.Min), 32)
			b = append(b, `,"max":`...)
			b = appendFloat(b, float64(s.Max), 32)
			b = append(b, `,"mean":`...)
			b = appendFloat(b, float64(s.Mean), 32)
			b = append(b, `,"bytes":`...)
			b = strconv.AppendInt(b, s.Bytes, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if mem := r.Memory; mem != nil { // omitempty
		b = append(b, `,"memory":{"wasm":`...)
		b = strconv.AppendInt(b, mem.Wasm, 10)
		b = append(b, `,"go_sys":`...)
		b = strconv.AppendInt(b, mem.GoSys, 10)
		if mem.Workers != 0 {
			b = append(b, `,"workers":`...)
			b = strconv.AppendInt(b, int64(mem.Workers), 10)
		}
		if mem.Helpers != 0 {
			b = append(b, `,"helpers":`...)
			b = strconv.AppendInt(b, mem.Helpers, 10)
		}
		b = append(b, '}')
	}
	return append(b, '}'), true
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendFloat writes a finite float64 (bits 64) or float32 (bits 32) as
// encoding/json does: 'f' format between 1e-6 and 1e21, else 'e' format
// with a two-digit negative exponent shortened (1e-07 -> 1e-7).
func appendFloat(b []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString writes s as a JSON string: as is between quotes when
// encoding/json would (plainJSON), else through json.Marshal itself (a
// label with an accent, a quote or an ampersand: rare, and then exactly
// encoding/json's escaping).
func appendString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// resultPrefix starts the JSON text of every Result resultJSON writes.
const resultPrefix = `{"type":"result",`

// decodeResult reads a Result from the JSON text resultJSON writes, the
// same Result json.Unmarshal gives (TestDecodeResult checks it); ok is
// false for any other text (spaces, fields in another order or missing,
// escapes or non-ASCII bytes in a string, a number out of range): Decode
// then unmarshals it. The page decodes one Result per classify, and
// json.Unmarshal (twice: the type, then the message) took 1.0-1.4 ms of
// googlenet_cifar's in Node, more than the run's statistics.
func decodeResult(text []byte) (r *Result, ok bool) {
	d := resultReader{s: text}
	r = &Result{}
	if !d.lit(resultPrefix) || !d.lit(`"id":`) {
		return nil, false
	}
	r.ID = d.int()
	if !d.lit(`,"model":`) {
		return nil, false
	}
	r.Model = d.str()
	if !d.lit(`,"top":`) {
		return nil, false
	}
	r.Top = d.top()
	d.need(`,"ms":`)
	r.Ms = d.float(64)
	d.need(`,"run_ms":`)
	r.RunMs = d.float(64)
	d.need(`,"view":{"w":`)
	r.View.W = d.int()
	d.need(`,"h":`)
	r.View.H = d.int()
	d.need(`},"timings":`)
	if !d.lit("null") {
		r.Timings = make([]Timing, 0, 64)
		for d.item(`{"name":`, len(r.Timings)) {
			var t Timing
			t.Name = d.str()
			d.need(`,"op":`)
			t.Op = d.str()
			d.need(`,"ms":`)
			t.Ms = d.float(64)
			d.need("}")
			r.Timings = append(r.Timings, t)
		}
	}
	if d.lit(`,"stats":`) {
		r.Stats = make([]LayerStat, 0, 128)
		for d.item(`{"name":`, len(r.Stats)) {
			var s LayerStat
			s.Name = d.str()
			d.need(`,"zeros":`)
			s.Zeros = d.float(64)
			d.need(`,"min":`)
			s.Min = float32(d.float(32))
			d.need(`,"max":`)
			s.Max = float32(d.float(32))
			d.need(`,"mean":`)
			s.Mean = float32(d.float(32))
			d.need(`,"bytes":`)
			s.Bytes = d.int64()
			d.need("}")
			r.Stats = append(r.Stats, s)
		}
		if len(r.Stats) == 0 {
			return nil, false // resultJSON omits empty stats
		}
	}
	if d.lit(`,"memory":{"wasm":`) {
		m := &Memory{}
		m.Wasm = d.int64()
		d.need(`,"go_sys":`)
		m.GoSys = d.int64()
		if d.lit(`,"workers":`) {
			m.Workers = d.int()
		}
		if d.lit(`,"helpers":`) {
			m.Helpers = d.int64()
		}
		d.need("}")
		r.Memory = m
	}
	d.need("}")
	if d.bad || len(d.s) != 0 {
		return nil, false
	}
	return r, true
}

// resultReader reads the JSON text resultJSON writes, token by token;
// bad is set at the first thing it does not expect, and every later read
// returns zero values.
type resultReader struct {
	s   []byte
	bad bool
}

// lit consumes s when the text goes on with it.
func (d *resultReader) lit(s string) bool {
	if d.bad || len(d.s) < len(s) || string(d.s[:len(s)]) != s {
		return false
	}
	d.s = d.s[len(s):]
	return true
}

// need consumes s, which the text must go on with.
func (d *resultReader) need(s string) { d.must(d.lit(s)) }

// must marks the text bad unless ok.
func (d *resultReader) must(ok bool) {
	if !ok {
		d.bad = true
	}
}

// item starts the list's next object, whose text begins with open: '['
// and open for the first (n == 0), ',' and open for the others. It ends
// the list at ']'.
func (d *resultReader) item(open string, n int) bool {
	if d.bad {
		return false
	}
	if n == 0 {
		d.must(d.lit("["))
		if d.lit("]") {
			return false
		}
	} else {
		if d.lit("]") {
			return false
		}
		d.must(d.lit(","))
	}
	d.must(d.lit(open))
	return !d.bad
}

// str reads a string of printable ASCII without escapes (plainJSON's
// strings); anything else is for json.Unmarshal.
func (d *resultReader) str() string {
	if d.bad || len(d.s) == 0 || d.s[0] != '"' {
		d.bad = true
		return ""
	}
	for i := 1; i < len(d.s); i++ {
		switch c := d.s[i]; {
		case c == '"':
			v := string(d.s[1:i])
			d.s = d.s[i+1:]
			return v
		case c < 0x20 || c >= 0x7f || c == '\\':
			d.bad = true
			return ""
		}
	}
	d.bad = true
	return ""
}

// number returns the JSON number the text starts with (-?digits, a
// fraction, an exponent), and consumes it.
func (d *resultReader) number() []byte {
	s, i := d.s, 0
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if !digits() {
		d.bad = true
		return nil
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			d.bad = true
			return nil
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			d.bad = true
			return nil
		}
	}
	d.s = s[i:]
	return s[:i]
}

// float reads a number as encoding/json does into a float64 (bits 64) or
// a float32 (bits 32): strconv.ParseFloat, an error out of range.
func (d *resultReader) float(bits int) float64 {
	if d.bad {
		return 0
	}
	n := d.number()
	if d.bad {
		return 0
	}
	f, err := strconv.ParseFloat(string(n), bits)
	d.must(err == nil)
	return f
}

// int64 reads an integer as encoding/json does: strconv.ParseInt, an
// error for a fraction, an exponent or out of range.
func (d *resultReader) int64() int64 {
	if d.bad {
		return 0
	}
	n := d.number()
	if d.bad {
		return 0
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	d.must(err == nil)
	return v
}

// int reads an int (64 bits here and in wasm).
func (d *resultReader) int() int { return int(d.int64()) }
