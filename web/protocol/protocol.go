// Package protocol is the message protocol between the page (the Vugu app,
// wasm/app) and the engine worker (wasm/worker, a dedicated Web Worker
// started from static/worker.js).
//
// A message travels through postMessage as a plain JS object
//
//	{json: "<JSON text>", buf: ArrayBuffer?}
//
// The JSON text is one object with a "type" field naming the message and the
// message's own fields beside it, e.g. {"type":"classify","id":3,"top":5}.
// Bulk bytes (the image file, the model's view of it, feature maps, filter
// patches) never go into the JSON: they travel in buf, a transferable
// ArrayBuffer, so a 12 MP photo or a layer's 64 maps are moved, not copied
// or base64-encoded. Which field buf fills is fixed per message type.
//
// Every request carries an ID chosen by the page (> 0, unique among the
// requests in flight); every response names the ID of the request it
// answers. The worker handles requests one at a time, in order; Cancel is
// the exception and takes effect at once. A request ends with exactly one
// final response: Loaded, Result, Maps, Patches or Error; Progress and
// LayerDone come before it.
//
// Encode and Decode are plain Go (they build natively and are tested
// there); js.go converts to and from js.Value in the browser.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Type names a message on the wire (the "type" field of the JSON).
type Type string

// Requests, page -> worker.
const (
	TypeLoad        Type = "load"
	TypeClassify    Type = "classify"
	TypeActivations Type = "activations"
	TypeFilters     Type = "filters"
	TypeExplain     Type = "explain"
	TypeSlide       Type = "slide"
	TypeCancel      Type = "cancel"
)

// Responses, worker -> page.
const (
	TypeReady     Type = "ready"
	TypeProgress  Type = "progress"
	TypeLoaded    Type = "loaded"
	TypeLayerDone Type = "layer_done"
	TypePreview   Type = "preview"
	TypeResult    Type = "result"
	TypeMaps      Type = "maps"
	TypePatches   Type = "patches"
	TypeHeatmap   Type = "heatmap"
	TypeSlides    Type = "slides"
	TypeError     Type = "error"
)

// Limits Decode enforces, so a malformed or hostile message is an error
// before anything large is allocated.
const (
	MaxJSONBytes = 16 << 20  // the JSON text of one message
	MaxBufBytes  = 256 << 20 // the bulk bytes of one message
	MaxSide      = 1 << 15   // width, height or channel count of an image or map set
)

// Message is any message of the protocol.
type Message interface {
	Type() Type
	// RequestID is the ID of the request the message is or answers
	// (0 for Ready, which answers nothing).
	RequestID() int
}

// ModelRef says which model file to load and how to check it.
type ModelRef struct {
	Name string `json:"name"`
	// URL of the file, relative to the site root (where worker.js is),
	// content-addressed: a URL always names the same bytes, which is what
	// lets the worker keep the file in the Cache API under it.
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`          // hex SHA-256 of the whole file, 64 lowercase digits
	Bytes  int64  `json:"bytes,omitempty"` // expected size (progress when the server sends no length); 0 = unknown
}

// Load asks the worker to make a model current: from the Cache API if it
// holds the URL with the right hash, otherwise downloaded (Progress as it
// goes), verified and then cached. Answer: Loaded or Error.
type Load struct {
	ID    int      `json:"id"`
	Model ModelRef `json:"model"`
	// Workers is how many Web Workers run the model, the engine worker
	// and its helpers each holding a share of every conv and fc layer: 0
	// (what the page sends) means one per core the browser reports, up to
	// a cap; a page that is not cross-origin isolated (no
	// SharedArrayBuffer) runs one whatever is asked. Tests and `bench
	// -browser -app` set it.
	Workers int `json:"workers,omitempty"`
}

// Classify runs the current model on an image file (JPEG, PNG, GIF, WebP
// or BMP bytes, in buf). With Again, Image is empty and the worker re-runs
// its last decoded image (after a model switch). Answers: LayerDone now
// and then while the run lasts (see LayerDone), then Result or Error. The
// run's feature maps stay in the worker for Activations until the next
// Classify.
type Classify struct {
	ID    int    `json:"id"`
	Top   int    `json:"top"` // how many classes; 0 means 5
	Again bool   `json:"again,omitempty"`
	Image []byte `json:"-"` // buf
	// Preview asks for a Preview of the Result right before it (the
	// app's page sets it: it shows the top-5 from the Preview).
	Preview bool `json:"preview,omitempty"`
	// QuietMs, when positive, is how long the run posts no LayerDone
	// from its start: the app's page shows no progress before then
	// (web.BusyDelay), and each LayerDone cost its main thread 0.8-1.4
	// ms, often right before the answer (1-4 per googlenet_cifar pick
	// under load, session 18's trace). The run yields as often as
	// without it, so that a Cancel still gets through.
	QuietMs int `json:"quiet_ms,omitempty"`
}

// Activations asks for the feature maps of one layer (a LayerInfo.Name) of
// the last Result. Answer: Maps or Error.
type Activations struct {
	ID    int    `json:"id"`
	Layer string `json:"layer"`
}

// Filters asks for the weights of a conv layer that reads the image (three
// input channels) as RGB patches; Layer "" means the first such conv.
// Answer: Patches or Error.
type Filters struct {
	ID    int    `json:"id"`
	Layer string `json:"layer,omitempty"`
}

// Cancel stops the request ID (a Load, Classify, Explain or Slide) as soon
// as possible; that request then ends with Error{Code: CodeCancelled}.
// Cancel itself gets no answer, and cancelling a request that already ended
// does nothing.
type Cancel struct {
	ID int `json:"id"`
}

// Ready is the worker's first message: it is running and takes requests
// (requests posted earlier are queued, not lost).
type Ready struct {
	Version string `json:"version"` // Go version that built the worker
}

// Progress reports how far a long request got: for a Load, the model
// download (bytes); for an Explain that computes occlusion, the patch
// positions run so far of all of them.
type Progress struct {
	ID     int   `json:"id"`
	Loaded int64 `json:"loaded"` // bytes (Load) or positions (Explain) so far
	Total  int64 `json:"total"`  // expected bytes (0 = unknown) or positions
}

// LayerInfo is one row of the model's per-layer table.
type LayerInfo struct {
	Name   string `json:"name"`            // module path, e.g. "layer1.0.conv1"
	Kind   string `json:"kind"`            // conv, batchnorm, relu, maxpool, avgpool, fc, ...
	Shape  []int  `json:"shape"`           // output shape (N, C, H, W) or (N, F)
	Params int64  `json:"params"`          // learnable parameters
	MACs   int64  `json:"macs"`            // multiply-accumulates per image
	Block  string `json:"block,omitempty"` // enclosing BlockInfo.Name
	// Maps is true when Activations can show this layer's output.
	Maps bool `json:"maps"`

	// Geometry, for the lessons that compute from the real graph
	// (receptive fields, bottleneck costs, conv vs fully connected).
	// Kernel, Stride, Pads and Dilation are set for conv and pooling
	// layers: Kernel (kh, kw), Stride (sh, sw), Pads (top, left, bottom,
	// right), Dilation (dh, dw); global pooling has Kernel = the input's
	// (H, W). Group is the conv's group count (1 for ordinary convs).
	Kernel   []int `json:"kernel,omitempty"`
	Stride   []int `json:"stride,omitempty"`
	Pads     []int `json:"pads,omitempty"`
	Dilation []int `json:"dilation,omitempty"`
	Group    int   `json:"group,omitempty"`
	// InShape is the shape of the layer's (first) input, (N, C, H, W) or
	// (N, F).
	InShape []int `json:"in_shape,omitempty"`
	// Inputs names the layers whose outputs this layer reads, in order
	// ("input" for the image): the edges of the layer graph, with
	// batch norm folded and pass-through nodes skipped.
	Inputs []string `json:"inputs,omitempty"`
}

// BlockInfo groups layers: a residual block or an inception module.
type BlockInfo struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"` // basic_block, bottleneck, inception
	Params int64  `json:"params"`
	MACs   int64  `json:"macs"`
}

// Loaded answers Load: the model is current.
type Loaded struct {
	ID        int         `json:"id"`
	Name      string      `json:"name"`
	Arch      string      `json:"arch"`
	Dataset   string      `json:"dataset"` // "imagenet" | "cifar10"
	SHA256    string      `json:"sha256"`
	Labels    []string    `json:"labels"`
	Crop      int         `json:"crop"` // the model sees Crop x Crop RGB images
	Params    int64       `json:"params"`
	MACs      int64       `json:"macs"`
	Layers    []LayerInfo `json:"layers"`
	Blocks    []BlockInfo `json:"blocks,omitempty"`
	FromCache bool        `json:"from_cache"` // the file came from the Cache API, not the network
	Ms        float64     `json:"ms"`         // fetch or cache read, verification and compilation
	Memory    *Memory     `json:"memory,omitempty"`
}

// Memory is the worker's memory when it answered (nil from a worker that
// cannot tell, such as a test outside the browser).
type Memory struct {
	// Wasm is the size of the worker's WebAssembly memory in bytes. It
	// only ever grows, so it is the worker's peak so far.
	Wasm int64 `json:"wasm"`
	// GoSys is what the Go runtime obtained from that memory
	// (runtime.MemStats.Sys): a cross-check, a little below Wasm.
	GoSys int64 `json:"go_sys"`
	// Workers is how many Web Workers run the model (the engine worker
	// and its helpers; 0 from a worker that predates them).
	Workers int `json:"workers,omitempty"`
	// Helpers is the sum of the helpers' WebAssembly memories at their
	// last run, peaks as Wasm is: Wasm + Helpers is the model's memory
	// over every worker.
	Helpers int64 `json:"helpers,omitempty"`
}

// LayerDone reports how far a Classify run got: the node it finished last.
// The worker posts one each time the run gives the event loop a turn
// (every 8 ms of run, when it also reads a Cancel), not one per node: a
// run shorter than that (the CIFAR-10 models) posts none, and the page
// cannot count on seeing any node, the last included. A progress message
// per node cost the worker 17-170 us of postMessage each, milliseconds of
// a 10 ms run.
type LayerDone struct {
	ID    int     `json:"id"`
	Index int     `json:"index"` // 0-based position among the executed nodes
	Total int     `json:"total"` // number of nodes the run executes
	Name  string  `json:"name"`  // node name (a LayerInfo.Name for models built from a definition)
	Op    string  `json:"op"`    // engine operator, e.g. "Conv"
	Layer int     `json:"layer"` // index in Loaded.Layers, -1 when no row has this name
	Ms    float64 `json:"ms"`
}

// Prediction is one class of a result.
type Prediction struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
}

// Timing is one executed node's time.
type Timing struct {
	Name string  `json:"name"`
	Op   string  `json:"op"`
	Ms   float64 `json:"ms"`
}

// Image is an RGBA image (4 bytes per pixel, row after row, alpha 255).
type Image struct {
	W    int    `json:"w"`
	H    int    `json:"h"`
	RGBA []byte `json:"-"` // buf
}

// Preview is what the page shows of a Result first (its top-5, timing
// line and view), posted right before the Result when the Classify asked
// for it: a small message the worker encodes and the page decodes in a
// fraction of the Result's time (a GoogLeNet's Result carries stats and
// timings of some 60 layers: 0.3-3.4 ms to encode and post in the worker,
// 0.3-0.7 ms to decode in the page, session 17's trace of CIFAR-10 picks
// at load 7-9), so the top-5 is on the page before the Result arrives.
// Its fields are the Result's: Layers is len(Result.Timings), Workers
// Result.Memory.Workers (0 when the Result has no Memory).
type Preview struct {
	ID      int          `json:"id"`
	Model   string       `json:"model"`
	Top     []Prediction `json:"top"`
	Ms      float64      `json:"ms"`
	RunMs   float64      `json:"run_ms"`
	View    Image        `json:"view"`
	Layers  int          `json:"layers"`
	Workers int          `json:"workers,omitempty"`
}

// PreviewOf is the Preview of r.
func PreviewOf(r *Result) Preview {
	p := Preview{ID: r.ID, Model: r.Model, Top: r.Top, Ms: r.Ms, RunMs: r.RunMs, View: r.View, Layers: len(r.Timings)}
	if r.Memory != nil {
		p.Workers = r.Memory.Workers
	}
	return p
}

// Result answers Classify.
type Result struct {
	ID    int          `json:"id"`
	Model string       `json:"model"`
	Top   []Prediction `json:"top"`
	// Ms is preprocessing plus inference (not decoding), as the command
	// line's classify reports it; RunMs is the inference alone.
	Ms      float64  `json:"ms"`
	RunMs   float64  `json:"run_ms"`
	View    Image    `json:"view"` // the image as the model sees it (after resize and crop)
	Timings []Timing `json:"timings"`
	// Stats summarises every layer's output on this image, in
	// Loaded.Layers order (layers without a kept output are left out).
	Stats  []LayerStat `json:"stats,omitempty"`
	Memory *Memory     `json:"memory,omitempty"`
}

// LayerStat summarises one layer's output for one image.
type LayerStat struct {
	Name  string  `json:"name"`
	Zeros float64 `json:"zeros"` // fraction of outputs exactly 0 (after a ReLU: the dead units)
	Min   float32 `json:"min"`
	Max   float32 `json:"max"`
	Mean  float32 `json:"mean"`
	Bytes int64   `json:"bytes"` // activation memory of the output, float32
}

// Explain asks where the network looks for class Class on the last
// classified image. Answers: for occlusion, Progress after each patch
// position; then Heatmap or Error (CodeNoResult before any Result).
type Explain struct {
	ID    int `json:"id"`
	Class int `json:"class"` // index into Loaded.Labels
}

// Heatmap answers Explain: a W x H grid of values over the model's input
// (Crop x Crop) image, row after row, higher = more evidence for the class.
// Method "cam" is the exact class activation map of a network that ends in
// global average pooling and one fully connected layer (Layer is the last
// conv layer whose maps are weighted); "occlusion" is the drop of the
// class's probability when a Patch x Patch grey square (stride Stride
// input pixels) hides each part of the image.
type Heatmap struct {
	ID     int       `json:"id"`
	Class  int       `json:"class"`
	Method string    `json:"method"` // "cam" | "occlusion"
	Layer  string    `json:"layer,omitempty"`
	Patch  int       `json:"patch,omitempty"`
	Stride int       `json:"stride,omitempty"`
	W      int       `json:"w"`
	H      int       `json:"h"`
	Values []float32 `json:"values"` // W*H
	Ms     float64   `json:"ms"`
}

// Slide asks for what one conv kernel does on the last classified image:
// input channel In of conv layer Layer, the kernel that maps it to output
// channel Out, and output channel Out itself. Answer: Slides or Error. The
// worker keeps only 8-bit maps of a run, so the first Slide of a layer
// replays the run up to that layer (at most one run's time); the other
// kernels of the same layer then answer at once.
type Slide struct {
	ID    int    `json:"id"`
	Layer string `json:"layer"`
	Out   int    `json:"out"`
	In    int    `json:"in"`
}

// Grid is a dense 2-D array of float32, row after row.
type Grid struct {
	W      int       `json:"w"`
	H      int       `json:"h"`
	Values []float32 `json:"values"` // W*H
}

// Slides answers Slide. Input is the layer's input channel In (unpadded),
// Kernel the weights W[Out][In] (kh x kw, as the engine runs them), Partial
// the contribution of input channel In alone (the kernel slid over Input
// with the layer's stride, pads and dilation, no bias): what one kernel
// sliding over one input map produces. Output is the layer's kept output
// channel Out (the sum of every input channel's partial plus the bias,
// after the ReLU when one is fused into the conv).
type Slides struct {
	ID      int    `json:"id"`
	Layer   string `json:"layer"`
	Out     int    `json:"out"`
	In      int    `json:"in"`
	InCh    int    `json:"in_ch"`  // input channels of the layer (per group)
	OutCh   int    `json:"out_ch"` // output channels
	Stride  []int  `json:"stride"`
	Pads    []int  `json:"pads"`
	Input   Grid   `json:"input"`
	Kernel  Grid   `json:"kernel"`
	Partial Grid   `json:"partial"`
	Output  Grid   `json:"output"`
}

// Maps answers Activations: Shape[0] maps of Shape[1] x Shape[2] values,
// each quantized to 8 bits on its own range: value = Min[c] + q/255 *
// (Max[c] - Min[c]) (a constant map is all zeros). A fully connected layer's
// output (N, F) comes as one 1 x F map: Shape [1, 1, F].
type Maps struct {
	ID    int       `json:"id"`
	Layer string    `json:"layer"`
	Shape [3]int    `json:"shape"` // (C, H, W)
	Min   []float32 `json:"min"`   // per map
	Max   []float32 `json:"max"`
	Data  []byte    `json:"-"` // buf: C*H*W bytes, map after map, row after row
}

// Patches answers Filters: Count filters of the layer, each a W x H RGBA
// patch (the filter's three input-channel weights as R, G, B), scaled on
// that filter's own range like Maps.
type Patches struct {
	ID    int       `json:"id"`
	Layer string    `json:"layer"`
	Count int       `json:"count"`
	W     int       `json:"w"`
	H     int       `json:"h"`
	Min   []float32 `json:"min"` // per filter, over its three channels
	Max   []float32 `json:"max"`
	RGBA  []byte    `json:"-"` // buf: Count*H*W*4 bytes, patch after patch
}

// Error ends a request that failed. Code is one of the Code constants so the
// page can react (e.g. say nothing on CodeCancelled); Message is a sentence
// for the user.
type Error struct {
	ID      int    `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes.
const (
	CodeCancelled = "cancelled" // the request was cancelled
	CodeRequest   = "request"   // the request itself is malformed
	CodeDownload  = "download"  // the model file could not be fetched (HTTP error, network, truncated)
	CodeHash      = "hash"      // the model file does not have the expected SHA-256
	CodeModel     = "model"     // the model file is not a usable model
	CodeNoModel   = "no_model"  // Classify before any Load succeeded
	CodeImage     = "image"     // the image could not be decoded (corrupt, truncated, too large, not an image)
	CodeNoResult  = "no_result" // Activations before any Result, or Again without an earlier image
	CodeLayer     = "layer"     // no such layer, or the layer has no maps / is not an image conv
	CodeInternal  = "internal"  // a bug: the engine failed
)

func (Load) Type() Type        { return TypeLoad }
func (Classify) Type() Type    { return TypeClassify }
func (Activations) Type() Type { return TypeActivations }
func (Filters) Type() Type     { return TypeFilters }
func (Explain) Type() Type     { return TypeExplain }
func (Slide) Type() Type       { return TypeSlide }
func (Heatmap) Type() Type     { return TypeHeatmap }
func (Slides) Type() Type      { return TypeSlides }
func (Cancel) Type() Type      { return TypeCancel }
func (Ready) Type() Type       { return TypeReady }
func (Progress) Type() Type    { return TypeProgress }
func (Loaded) Type() Type      { return TypeLoaded }
func (LayerDone) Type() Type   { return TypeLayerDone }
func (Result) Type() Type      { return TypeResult }
func (Preview) Type() Type     { return TypePreview }
func (Maps) Type() Type        { return TypeMaps }
func (Patches) Type() Type     { return TypePatches }
func (Error) Type() Type       { return TypeError }

func (m Load) RequestID() int        { return m.ID }
func (m Classify) RequestID() int    { return m.ID }
func (m Activations) RequestID() int { return m.ID }
func (m Filters) RequestID() int     { return m.ID }
func (m Explain) RequestID() int     { return m.ID }
func (m Slide) RequestID() int       { return m.ID }
func (m Heatmap) RequestID() int     { return m.ID }
func (m Slides) RequestID() int      { return m.ID }
func (m Cancel) RequestID() int      { return m.ID }
func (Ready) RequestID() int         { return 0 }
func (m Progress) RequestID() int    { return m.ID }
func (m Loaded) RequestID() int      { return m.ID }
func (m LayerDone) RequestID() int   { return m.ID }
func (m Result) RequestID() int      { return m.ID }
func (m Preview) RequestID() int     { return m.ID }
func (m Maps) RequestID() int        { return m.ID }
func (m Patches) RequestID() int     { return m.ID }
func (m Error) RequestID() int       { return m.ID }

// IsRequest reports whether t is sent by the page (and handled by the worker).
func IsRequest(t Type) bool {
	switch t {
	case TypeLoad, TypeClassify, TypeActivations, TypeFilters, TypeExplain, TypeSlide, TypeCancel, TypeInt8Cost:
		return true
	}
	return false
}

// IsFinal reports whether m ends its request (every response but Ready,
// Progress, LayerDone and Preview).
func IsFinal(m Message) bool {
	switch m.Type() {
	case TypeLoaded, TypeResult, TypeMaps, TypePatches, TypeHeatmap, TypeSlides, TypeError, TypeInt8Report:
		return true
	}
	return false
}

// newMessage returns a pointer to a zero message of type t.
func newMessage(t Type) (Message, error) {
	switch t {
	case TypeLoad:
		return &Load{}, nil
	case TypeClassify:
		return &Classify{}, nil
	case TypeActivations:
		return &Activations{}, nil
	case TypeFilters:
		return &Filters{}, nil
	case TypeExplain:
		return &Explain{}, nil
	case TypeSlide:
		return &Slide{}, nil
	case TypeHeatmap:
		return &Heatmap{}, nil
	case TypeSlides:
		return &Slides{}, nil
	case TypeCancel:
		return &Cancel{}, nil
	case TypeReady:
		return &Ready{}, nil
	case TypeProgress:
		return &Progress{}, nil
	case TypeLoaded:
		return &Loaded{}, nil
	case TypeLayerDone:
		return &LayerDone{}, nil
	case TypeResult:
		return &Result{}, nil
	case TypePreview:
		return &Preview{}, nil
	case TypeMaps:
		return &Maps{}, nil
	case TypePatches:
		return &Patches{}, nil
	case TypeError:
		return &Error{}, nil
	case TypeInt8Cost:
		return &Int8Cost{}, nil
	case TypeInt8Report:
		return &Int8Report{}, nil
	}
	return nil, fmt.Errorf("protocol: unknown message type %q", t)
}

// bulk returns the field of m that travels in buf (nil when m has none).
func bulk(m Message) (b []byte, has bool) {
	switch m := m.(type) {
	case Classify:
		return m.Image, true
	case *Classify:
		return m.Image, true
	case Result:
		return m.View.RGBA, true
	case *Result:
		return m.View.RGBA, true
	case Preview:
		return m.View.RGBA, true
	case *Preview:
		return m.View.RGBA, true
	case Maps:
		return m.Data, true
	case *Maps:
		return m.Data, true
	case Patches:
		return m.RGBA, true
	case *Patches:
		return m.RGBA, true
	}
	return nil, false
}

func setBulk(m Message, b []byte) {
	switch m := m.(type) {
	case *Classify:
		m.Image = b
	case *Result:
		m.View.RGBA = b
	case *Preview:
		m.View.RGBA = b
	case *Maps:
		m.Data = b
	case *Patches:
		m.RGBA = b
	}
}

// Encode returns the JSON text and the bulk bytes (nil if the message has
// none) of m, which may be a message or a pointer to one. The message is
// validated first, so an inconsistent one (say, Maps whose Data does not
// have C*H*W bytes) is never sent.
func Encode(m Message) (jsonText, buf []byte, err error) {
	if m == nil {
		return nil, nil, errors.New("protocol: nil message")
	}
	if err := validate(m); err != nil {
		return nil, nil, err
	}
	if text, ok := layerDoneJSON(m); ok {
		return text, nil, nil
	}
	text, ok := resultJSON(m)
	if !ok {
		text, ok = previewJSON(m)
	}
	if !ok {
		text, ok = classifyJSON(m)
	}
	if !ok {
		body, err := json.Marshal(m)
		if err != nil {
			return nil, nil, fmt.Errorf("protocol: encode %s: %w", m.Type(), err)
		}
		// Splice the type in front of the message's own fields.
		var out bytes.Buffer
		out.Grow(len(body) + 24)
		out.WriteString(`{"type":`)
		tj, _ := json.Marshal(string(m.Type()))
		out.Write(tj)
		if len(body) > 2 { // body is "{...}"; "{}" has no fields
			out.WriteByte(',')
		}
		out.Write(body[1:])
		text = out.Bytes()
	}
	if len(text) > MaxJSONBytes {
		return nil, nil, fmt.Errorf("protocol: %s message is %d bytes of JSON, more than %d", m.Type(), len(text), MaxJSONBytes)
	}
	buf, _ = bulk(m)
	if len(buf) > MaxBufBytes {
		return nil, nil, fmt.Errorf("protocol: %s message carries %d bytes, more than %d", m.Type(), len(buf), MaxBufBytes)
	}
	return text, buf, nil
}

// decodeByHand reads the messages whose JSON is written by hand (the
// Result, the Preview and the Classify: result_json.go, hand_json.go),
// with buf as their bulk bytes; nil for any other text, which Decode
// then unmarshals.
func decodeByHand(text, buf []byte) Message {
	// The prefix first: the readers allocate their message before they
	// look, and most messages (LayerDone, Loaded, ...) are none of these.
	switch {
	case bytes.HasPrefix(text, []byte(resultPrefix)):
		if r, ok := decodeResult(text); ok {
			r.View.RGBA = buf
			return r
		}
	case bytes.HasPrefix(text, []byte(classifyPrefix)):
		if c, ok := decodeClassify(text); ok {
			c.Image = buf
			return c
		}
	case bytes.HasPrefix(text, []byte(previewPrefix)):
		if p, ok := decodePreview(text); ok {
			p.View.RGBA = buf
			return p
		}
	}
	return nil
}

// Decode parses a message from its JSON text and bulk bytes (nil when the
// sender sent no buf). It returns a pointer to the message (*Classify,
// *Result, ...). buf is kept, not copied. Every malformed message is an
// error: unknown type, bad JSON, bulk bytes where none belong or of the
// wrong size, negative IDs or sizes.
func Decode(jsonText, buf []byte) (Message, error) {
	if len(jsonText) > MaxJSONBytes {
		return nil, fmt.Errorf("protocol: message of %d bytes of JSON, more than %d", len(jsonText), MaxJSONBytes)
	}
	if len(buf) > MaxBufBytes {
		return nil, fmt.Errorf("protocol: message carries %d bytes, more than %d", len(buf), MaxBufBytes)
	}
	if m := decodeByHand(jsonText, buf); m != nil {
		if err := validate(m); err != nil {
			return nil, err
		}
		return m, nil
	}
	var head struct {
		Type *Type `json:"type"`
	}
	if err := json.Unmarshal(jsonText, &head); err != nil {
		return nil, fmt.Errorf("protocol: bad message JSON: %w", err)
	}
	if head.Type == nil {
		return nil, errors.New("protocol: message has no type")
	}
	m, err := newMessage(*head.Type)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(jsonText, m); err != nil {
		return nil, fmt.Errorf("protocol: bad %s message: %w", *head.Type, err)
	}
	if _, has := bulk(m); has {
		setBulk(m, buf)
	} else if len(buf) > 0 {
		return nil, fmt.Errorf("protocol: %s message carries %d bytes but takes none", *head.Type, len(buf))
	}
	if err := validate(m); err != nil {
		return nil, err
	}
	return m, nil
}

// validate checks what the receiver relies on: sizes that agree with the
// bulk bytes, non-negative IDs and counts.
func validate(m Message) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("protocol: %s message: %s", m.Type(), fmt.Sprintf(format, args...))
	}
	if m.RequestID() < 0 {
		return bad("negative id %d", m.RequestID())
	}
	if IsRequest(m.Type()) && m.RequestID() == 0 {
		return bad("a request needs an id > 0")
	}
	switch m := deref(m).(type) {
	case Load:
		if m.Model.URL == "" {
			return bad("no model URL")
		}
		if !isSHA256(m.Model.SHA256) {
			return bad("sha256 %q is not 64 lowercase hex digits", m.Model.SHA256)
		}
		if m.Model.Bytes < 0 {
			return bad("negative size %d", m.Model.Bytes)
		}
	case Classify:
		if m.Top < 0 {
			return bad("top %d", m.Top)
		}
		if m.QuietMs < 0 {
			return bad("quiet_ms %d", m.QuietMs)
		}
		if m.Again && len(m.Image) > 0 {
			return bad("again with an image")
		}
		if !m.Again && len(m.Image) == 0 {
			return bad("no image bytes (an empty file?)")
		}
	case Activations:
		if m.Layer == "" {
			return bad("no layer")
		}
	case Progress:
		if m.Loaded < 0 || m.Total < 0 {
			return bad("negative size")
		}
	case Result:
		if err := checkShown(m.View, m.Top); err != nil {
			return bad("%v", err)
		}
	case Preview:
		if err := checkShown(m.View, m.Top); err != nil {
			return bad("%v", err)
		}
		if m.Layers < 0 || m.Workers < 0 {
			return bad("%d layers, %d workers", m.Layers, m.Workers)
		}
	case Maps:
		c, h, w := m.Shape[0], m.Shape[1], m.Shape[2]
		if c < 1 || h < 1 || w < 1 || c > MaxSide || h > MaxSide || w > MaxSide {
			return bad("shape %v", m.Shape)
		}
		if len(m.Min) != c || len(m.Max) != c {
			return bad("%d maps but %d minima and %d maxima", c, len(m.Min), len(m.Max))
		}
		if n := int64(c) * int64(h) * int64(w); int64(len(m.Data)) != n {
			return bad("%d bytes for shape %v (want %d)", len(m.Data), m.Shape, n)
		}
	case Patches:
		if m.Count < 1 || m.W < 1 || m.H < 1 || m.Count > MaxSide || m.W > MaxSide || m.H > MaxSide {
			return bad("%d patches of %dx%d", m.Count, m.W, m.H)
		}
		if len(m.Min) != m.Count || len(m.Max) != m.Count {
			return bad("%d patches but %d minima and %d maxima", m.Count, len(m.Min), len(m.Max))
		}
		if n := int64(m.Count) * int64(m.W) * int64(m.H) * 4; int64(len(m.RGBA)) != n {
			return bad("%d bytes for %d patches of %dx%d (want %d)", len(m.RGBA), m.Count, m.W, m.H, n)
		}
	case Explain:
		if m.Class < 0 {
			return bad("class %d", m.Class)
		}
	case Slide:
		if m.Layer == "" || m.Out < 0 || m.In < 0 {
			return bad("layer %q, out %d, in %d", m.Layer, m.Out, m.In)
		}
	case Heatmap:
		if err := checkGrid(Grid{W: m.W, H: m.H, Values: m.Values}); err != nil {
			return bad("%v", err)
		}
	case Slides:
		for _, g := range []Grid{m.Input, m.Kernel, m.Partial, m.Output} {
			if err := checkGrid(g); err != nil {
				return bad("%v", err)
			}
		}
	case Error:
		if m.Message == "" {
			return bad("no message")
		}
	case Int8Cost, Int8Report:
		return validateInt8(m)
	}
	return nil
}

// checkGrid checks that a grid's values fill its size and are finite
// (JSON has no NaN or infinity).
func checkGrid(g Grid) error {
	if g.W < 1 || g.H < 1 || g.W > MaxSide || g.H > MaxSide {
		return fmt.Errorf("grid size %dx%d", g.W, g.H)
	}
	if int64(len(g.Values)) != int64(g.W)*int64(g.H) {
		return fmt.Errorf("%d values for a %dx%d grid", len(g.Values), g.W, g.H)
	}
	for _, v := range g.Values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("grid value %v", v)
		}
	}
	return nil
}

// deref turns a pointer to a message into the message, so validate has one
// case per type.
func deref(m Message) Message {
	switch p := m.(type) {
	case *Load:
		return *p
	case *Classify:
		return *p
	case *Activations:
		return *p
	case *Filters:
		return *p
	case *Explain:
		return *p
	case *Slide:
		return *p
	case *Heatmap:
		return *p
	case *Slides:
		return *p
	case *Cancel:
		return *p
	case *Ready:
		return *p
	case *Progress:
		return *p
	case *Loaded:
		return *p
	case *LayerDone:
		return *p
	case *Result:
		return *p
	case *Preview:
		return *p
	case *Maps:
		return *p
	case *Patches:
		return *p
	case *Error:
		return *p
	case *Int8Cost:
		return *p
	case *Int8Report:
		return *p
	}
	return m
}

func checkImage(im Image) error {
	if im.W < 0 || im.H < 0 || im.W > MaxSide || im.H > MaxSide {
		return fmt.Errorf("size %dx%d", im.W, im.H)
	}
	if n := int64(im.W) * int64(im.H) * 4; int64(len(im.RGBA)) != n {
		return fmt.Errorf("%d bytes for %dx%d RGBA (want %d)", len(im.RGBA), im.W, im.H, n)
	}
	return nil
}

// checkShown checks what a Result and its Preview show: the view and the
// top classes' probabilities.
func checkShown(view Image, top []Prediction) error {
	if err := checkImage(view); err != nil {
		return fmt.Errorf("view: %v", err)
	}
	for _, p := range top {
		if math.IsNaN(p.Prob) || p.Prob < 0 || p.Prob > 1 {
			return fmt.Errorf("probability %v", p.Prob)
		}
	}
	return nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// layerDoneJSON writes a LayerDone's JSON by hand, the bytes Encode's
// json.Marshal writes, when its strings need no escaping and its time
// prints in plain decimals (ok false otherwise: Encode marshals it).
// json.Marshal took 9-14 us of cpu time each in Node, when a worker sent
// one per executed node of a run (a millisecond of a small model's run);
// the warm-up still encodes one every millisecond.
func layerDoneJSON(m Message) (text []byte, ok bool) {
	var d LayerDone
	switch v := m.(type) {
	case LayerDone:
		d = v
	case *LayerDone:
		d = *v
	default:
		return nil, false
	}
	// encoding/json writes a float64 in 'f' format between 1e-6 and 1e21.
	if a := math.Abs(d.Ms); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(d.Ms) || !plainJSON(d.Name) || !plainJSON(d.Op) {
		return nil, false
	}
	b := make([]byte, 0, 96+len(d.Name)+len(d.Op))
	b = append(b, `{"type":"layer_done","id":`...)
	b = strconv.AppendInt(b, int64(d.ID), 10)
	b = append(b, `,"index":`...)
	b = strconv.AppendInt(b, int64(d.Index), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(d.Total), 10)
	b = append(b, `,"name":"`...)
	b = append(b, d.Name...)
	b = append(b, `","op":"`...)
	b = append(b, d.Op...)
	b = append(b, `","layer":`...)
	b = strconv.AppendInt(b, int64(d.Layer), 10)
	b = append(b, `,"ms":`...)
	b = strconv.AppendFloat(b, d.Ms, 'f', -1, 64)
	return append(b, '}'), true
}

// plainJSON reports whether s is written as is between JSON quotes by
// encoding/json: printable ASCII other than the quote, the backslash and
// the characters it escapes for HTML (<, >, &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
