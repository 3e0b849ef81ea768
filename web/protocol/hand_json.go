package protocol

import "strconv"

// previewJSON writes a Preview's JSON by hand, the bytes Encode's
// json.Marshal writes (TestPreviewJSON checks it); ok is false for a
// message that is not a Preview, and for one with a value JSON has no
// number for (Encode then marshals it and reports json.Marshal's error).
// The worker posts one Preview per pick, right when the top classes are
// known: it is on the path from the pick to the top-5 shown, and
// json.Marshal's reflection was most of its encoding.
func previewJSON(m Message) (text []byte, ok bool) {
	var p *Preview
	switch v := m.(type) {
	case Preview:
		p = &v
	case *Preview:
		p = v
	default:
		return nil, false
	}
	if !finite(p.Ms) || !finite(p.RunMs) {
		return nil, false
	}
	n := 160 + len(p.Model)
	for _, t := range p.Top {
		if !finite(t.Prob) {
			return nil, false
		}
		n += 48 + len(t.Label)
	}
	b := make([]byte, 0, n)
	b = append(b, previewPrefix...)
	b = append(b, `"id":`...)
	b = strconv.AppendInt(b, int64(p.ID), 10)
	b = append(b, `,"model":`...)
	b = appendString(b, p.Model)
	b = append(b, `,"top":`...)
	b = appendTop(b, p.Top)
	b = append(b, `,"ms":`...)
	b = appendFloat(b, p.Ms, 64)
	b = append(b, `,"run_ms":`...)
	b = appendFloat(b, p.RunMs, 64)
	b = append(b, `,"view":{"w":`...)
	b = strconv.AppendInt(b, int64(p.View.W), 10)
	b = append(b, `,"h":`...)
	b = strconv.AppendInt(b, int64(p.View.H), 10)
	b = append(b, `},"layers":`...)
	b = strconv.AppendInt(b, int64(p.Layers), 10)
	if p.Workers != 0 { // omitempty
		b = append(b, `,"workers":`...)
		b = strconv.AppendInt(b, int64(p.Workers), 10)
	}
	return append(b, '}'), true
}

// appendTop writes a Result's or Preview's top classes as encoding/json
// does (null for a nil list).
func appendTop(b []byte, top []Prediction) []byte {
	if top == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, p := range top {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(p.Index), 10)
		b = append(b, `,"label":`...)
		b = appendString(b, p.Label)
		b = append(b, `,"prob":`...)
		b = appendFloat(b, p.Prob, 64)
		b = append(b, '}')
	}
	return append(b, ']')
}

// previewPrefix starts the JSON text of every Preview previewJSON writes.
const previewPrefix = `{"type":"preview",`

// decodePreview reads a Preview from the JSON text previewJSON writes,
// the same Preview json.Unmarshal gives (TestDecodePreview checks it); ok
// is false for any other text, which Decode then unmarshals. The page
// decodes the Preview before it shows the top-5: json.Unmarshal (twice:
// the type, then the message) was most of the 0.4-0.56 ms of the page's
// thread between the Preview's arrival and its decoded message (session
// 19's trace of CIFAR-10 picks, load 6).
func decodePreview(text []byte) (p *Preview, ok bool) {
	d := resultReader{s: text}
	p = &Preview{}
	if !d.lit(previewPrefix) || !d.lit(`"id":`) {
		return nil, false
	}
	p.ID = d.int()
	d.need(`,"model":`)
	p.Model = d.str()
	d.need(`,"top":`)
	p.Top = d.top()
	d.need(`,"ms":`)
	p.Ms = d.float(64)
	d.need(`,"run_ms":`)
	p.RunMs = d.float(64)
	d.need(`,"view":{"w":`)
	p.View.W = d.int()
	d.need(`,"h":`)
	p.View.H = d.int()
	d.need(`},"layers":`)
	p.Layers = d.int()
	if d.lit(`,"workers":`) {
		p.Workers = d.int()
		d.must(p.Workers != 0) // previewJSON omits it
	}
	d.need("}")
	if d.bad || len(d.s) != 0 {
		return nil, false
	}
	return p, true
}

// top reads the top classes appendTop writes.
func (d *resultReader) top() []Prediction {
	if d.lit("null") {
		return nil
	}
	top := []Prediction{}
	for d.item(`{"index":`, len(top)) {
		var p Prediction
		p.Index = d.int()
		d.need(`,"label":`)
		p.Label = d.str()
		d.need(`,"prob":`)
		p.Prob = d.float(64)
		d.need("}")
		top = append(top, p)
	}
	return top
}

// classifyJSON writes a Classify's JSON by hand, the bytes Encode's
// json.Marshal writes (TestClassifyJSON checks it); ok is false for any
// other message. The page encodes one Classify per pick and the worker
// decodes it before it reads the picked file: both on the path from the
// pick to the top-5, where json.Marshal took 12-54 us and Decode's two
// json.Unmarshal 44-56 us in WebAssembly (Node, warm).
func classifyJSON(m Message) (text []byte, ok bool) {
	var c *Classify
	switch v := m.(type) {
	case Classify:
		c = &v
	case *Classify:
		c = v
	default:
		return nil, false
	}
	b := make([]byte, 0, 96)
	b = append(b, classifyPrefix...)
	b = append(b, `"id":`...)
	b = strconv.AppendInt(b, int64(c.ID), 10)
	b = append(b, `,"top":`...)
	b = strconv.AppendInt(b, int64(c.Top), 10)
	if c.Again { // omitempty
		b = append(b, `,"again":true`...)
	}
	if c.Preview {
		b = append(b, `,"preview":true`...)
	}
	if c.QuietMs != 0 {
		b = append(b, `,"quiet_ms":`...)
		b = strconv.AppendInt(b, int64(c.QuietMs), 10)
	}
	return append(b, '}'), true
}

// classifyPrefix starts the JSON text of every Classify classifyJSON
// writes.
const classifyPrefix = `{"type":"classify",`

// decodeClassify reads a Classify from the JSON text classifyJSON writes,
// the same Classify json.Unmarshal gives (TestDecodeClassify checks it);
// ok is false for any other text, which Decode then unmarshals.
func decodeClassify(text []byte) (c *Classify, ok bool) {
	d := resultReader{s: text}
	c = &Classify{}
	if !d.lit(classifyPrefix) || !d.lit(`"id":`) {
		return nil, false
	}
	c.ID = d.int()
	d.need(`,"top":`)
	c.Top = d.int()
	c.Again = d.lit(`,"again":true`)
	c.Preview = d.lit(`,"preview":true`)
	if d.lit(`,"quiet_ms":`) {
		c.QuietMs = d.int()
		d.must(c.QuietMs != 0) // classifyJSON omits it
	}
	d.need("}")
	if d.bad || len(d.s) != 0 {
		return nil, false
	}
	return c, true
}
