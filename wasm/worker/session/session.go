// Package session is the engine side of the browser worker without the
// browser: it holds the current model, runs Classify exactly as the command
// line does, keeps the last run's feature maps and turns them (and the first
// conv's filters) into the 8-bit messages of package protocol.
//
// It is plain Go so that it builds and is tested natively; wasm/worker adds
// what needs the browser (messages, fetch, the Cache API, yielding to the
// event loop).
package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"runtime"
	"strings"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
	"convscope/web/protocol"
)

// MaxPixels is the decoded-image limit: preprocess's default (50 MP), which
// a phone photo stays under and a decompression bomb does not; it is
// checked from the header before any pixel memory is allocated.
const MaxPixels = preprocess.DefaultMaxPixels

// DefaultTop is how many classes a Classify with Top 0 returns.
const DefaultTop = 5

// Error is a failure with the protocol's error code.
type Error struct {
	Code string // protocol.Code*
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(code string, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Code returns the protocol error code of err: its *Error code,
// CodeCancelled for a cancelled context, CodeInternal otherwise.
func Code(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return protocol.CodeCancelled
	}
	return protocol.CodeInternal
}

// Session is one worker's state. It is not safe for concurrent use: the
// worker handles one request at a time.
type Session struct {
	model   *models.Model
	prog    *engine.Program // keeps every value the layer table names
	input   string          // graph input name
	layers  []protocol.LayerInfo
	values  map[string]string // layer name -> graph value holding its output
	byName  map[string]int    // layer name -> index in layers
	lastImg image.Image       // last decoded image, for Classify Again
	x       *engine.Tensor    // the last run's input, preprocessed (for Slide and occlusion)
	prep    prepared          // lastImg prepared for a model's preprocessing, for Classify Again

	// What the last run leaves (all nil before a Classify). Each layer's
	// output becomes 8-bit maps as soon as the engine is done with it and
	// its float32 buffer goes back to the engine's pool (VGG16: 45 MB of
	// maps instead of 180 MB of float32 values), unless the model is
	// small enough to keep them as float32 (lazy, below); kept holds
	// the maps a class activation map weighs (an empty map without one).
	// Slide replays the run for the float32 maps it needs (see slide.go).
	kept     map[string]*engine.Tensor
	maps     map[string]*protocol.Maps // graph value -> its maps (Layer unset; Data nil until viewed when lazy)
	slide    *slideCache               // the last Slide's layer input and output
	showMaps map[string]bool           // graph values of the layers with Maps

	// lazy: the model's shown values fit lazyMapsBytes as float32, so the
	// run copies each into floats (graph value -> its maps' values, the
	// same buffers run after run) and finds only its ranges and statistics;
	// Activations quantizes a layer's maps when it is viewed. A CIFAR-10
	// built-in holds 1-3 MB of them; quantizing every layer as the run
	// went took 60% of the scan's time (Node, a 16x32x32 layer: 21 and 35
	// us), for maps that are mostly never viewed, and allocated their
	// bytes anew each run (garbage the collector then went through, run
	// after run, at models.GCPercent).
	lazy   bool
	floats map[string][]float32
	// reluOf: for a lazy session, the shown values a Relu node makes from
	// another shown value of the same shape (relu value -> its input).
	// Their float32 values are not kept (floats has none): Activations
	// clamps the input's when one is viewed (the ReLU's own bits), and the
	// run only scans the ReLU's output for its ranges and statistics.
	// Half a CIFAR-10 network's shown values are such ReLUs: a copy less
	// of each, and half the floats held between runs.
	reluOf map[string]string
	// ranges and slots: the lazy maps' Min and Max and their records,
	// what is left of rangesBuf and slotsBuf as absorb carves them
	// (carve), instead of three allocations for each shown value;
	// rangesLen is what ranges takes a run. The buffers are the last
	// run's, as floats are (its maps were dropped; Activations hands out
	// copies of the records, whose ranges a message copies at once):
	// allocated anew each run they were 55 KB of the 145 KB of garbage a
	// googlenet_cifar Classify left (Node).
	ranges, rangesBuf []float32
	slots, slotsBuf   []protocol.Maps
	rangesLen         int
	// stats and maps: the run's maps from graph value to its statistics
	// and to its maps, cleared and filled again each run (the maps one
	// becomes Session.maps).
	stats   map[string]protocol.LayerStat
	mapsBuf map[string]*protocol.Maps

	convIn map[string]string // conv layer name -> graph value it reads (for Slide)
	cam    *camHead          // nil unless the network has an exact CAM
	// camShape: for a lazy session whose CAM weighs a shown value, its
	// shape (1, C, H, W). The run then hands that value back to the
	// engine too, and the CAM reads the float32 values absorb copied
	// (or, for a ReLU of a shown value, camBuf, that value's clamped):
	// the engine kept it in a buffer of its own instead, a copy of the
	// pooled one allocated each run (googlenet_cifar's inception4b, 96
	// KB a run, a fifth of what a Classify added to the bare pass in
	// Node; garbage the collector then went through).
	camShape []int
	camBuf   []float32

	keep  []string // the values the program keeps (Options.Keep)
	peers Peers    // the other shards of a split program (see peers.go)
	note  string   // why the session dropped its peers
}

// Model returns the current model (nil before a Load).
func (s *Session) Model() *models.Model { return s.model }

// Load makes the model file data current after checking that its SHA-256
// is wantSHA256 (hex). On error the previous model stays current.
func (s *Session) Load(data []byte, wantSHA256 string) (*protocol.Loaded, error) {
	m, err := Decode(data, wantSHA256)
	if err != nil {
		return nil, err
	}
	return s.Use(m, data)
}

// Decode checks that the SHA-256 of the model file data is wantSHA256
// (hex) and decodes it: Load's first half, for a caller that looks at the
// model (its worker count) before Use makes it current.
func Decode(data []byte, wantSHA256 string) (*models.Model, error) {
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != wantSHA256 {
		return nil, fail(protocol.CodeHash, "the model file does not have the expected SHA-256 (got %.16s..., want %.16s...): it was damaged or tampered with, so it is not used", got, wantSHA256)
	}
	m, err := models.LoadBytes(data)
	if err != nil {
		return nil, fail(protocol.CodeModel, "the model file cannot be used: %v", err)
	}
	return m, nil
}

// Use makes m, decoded from the file data (Decode), current: Load's second
// half. On error the previous model stays current.
func (s *Session) Use(m *models.Model, data []byte) (*protocol.Loaded, error) {
	g := m.Graph()
	if len(g.Inputs) != 1 || len(g.Outputs) < 1 {
		return nil, fail(protocol.CodeModel, "model %s has %d inputs and %d outputs, want 1 and at least 1", m.Meta.Name, len(g.Inputs), len(g.Outputs))
	}
	produced := map[string]bool{}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			produced[o] = true
		}
	}
	// Keep the output of every layer of the table (after batch norm
	// folding, a conv and its batch norm name the same value), the input
	// of every conv (for Slide; nearly always another layer's output) and
	// the maps a class activation map weighs (the same).
	var keep []string
	seen := map[string]bool{}
	keepValue := func(v string) {
		if produced[v] && !seen[v] {
			seen[v] = true
			keep = append(keep, v)
		}
	}
	for _, l := range m.Meta.Layers {
		keepValue(l.Value)
	}
	ix := newGraphIndex(g, m.Meta.Layers)
	convIn := map[string]string{}
	for _, l := range m.Meta.Layers {
		if n := ix.node(l); n != nil && n.Op == engine.OpConv && len(n.Inputs) > 0 {
			convIn[l.Name] = n.Inputs[0]
			keepValue(n.Inputs[0])
		}
	}
	cam := findCAM(ix, m.Meta.Layers)
	if cam != nil {
		keepValue(cam.value)
	}
	prog, err := s.compile(m, data, keep)
	if err != nil {
		return nil, fail(protocol.CodeModel, "%v", err)
	}
	shapes := prog.Shapes()
	if cam != nil && !cam.fits(shapes) {
		cam = nil
	}
	layers := make([]protocol.LayerInfo, len(m.Meta.Layers))
	values := map[string]string{}
	byName := map[string]int{}
	for i, l := range m.Meta.Layers {
		sh := shapes[l.Value]
		layers[i] = protocol.LayerInfo{
			Name: l.Name, Kind: string(l.Kind), Shape: append([]int(nil), l.Shape...),
			Params: l.Params, MACs: l.MACs, Block: l.Block,
			Maps: seen[l.Value] && (len(sh) == 4 || len(sh) == 2),
		}
		values[l.Name] = l.Value
		if _, dup := byName[l.Name]; !dup {
			byName[l.Name] = i
		}
	}
	fillGeometry(layers, m.Meta.Layers, ix, shapes)
	blocks := make([]protocol.BlockInfo, len(m.Meta.Blocks))
	for i, b := range m.Meta.Blocks {
		blocks[i] = protocol.BlockInfo{Name: b.Name, Kind: string(b.Kind), Params: b.Params, MACs: b.MACs}
	}
	showMaps := map[string]bool{}
	for _, l := range layers {
		if l.Maps {
			showMaps[values[l.Name]] = true
		}
	}
	*s = Session{
		model: m, prog: prog, input: g.Inputs[0].Name, layers: layers, values: values, byName: byName, lastImg: s.lastImg, prep: s.prep,
		convIn: convIn, cam: cam, showMaps: showMaps,
		keep: keep, peers: s.peers, note: s.note,
		lazy: lazyMaps(shownValues(m.Meta.Layers, shapes)),
	}
	if s.lazy {
		s.floats = map[string][]float32{}
		s.reluOf = reluInputs(prog.Nodes(), showMaps, shapes)
		for v := range showMaps {
			if sh := shapes[v]; len(sh) == 4 {
				s.rangesLen += 2 * sh[1]
			} else {
				s.rangesLen += 2
			}
		}
		if cam != nil && showMaps[cam.value] {
			s.camShape = shapes[cam.value] // (1, C, H, W): cam.fits
		}
	}
	return &protocol.Loaded{
		Name: m.Meta.Name, Arch: m.Meta.Arch, Dataset: m.Meta.Dataset, SHA256: m.SHA256,
		Labels: append([]string(nil), m.Meta.Labels...), Crop: m.Meta.Preprocess.Crop,
		Params: m.Meta.Params, MACs: m.Meta.MACs, Layers: layers, Blocks: blocks,
	}, nil
}

// Classify decodes image (or reuses the last image when again), runs the
// current model and returns the top classes, computed as models.Classify
// does for the command line: the same preprocessing, engine and float64
// softmax. progress, if not nil, is called after each executed node; ctx
// cancels the run between nodes.
func (s *Session) Classify(ctx context.Context, img []byte, again bool, top int, progress func(protocol.LayerDone)) (*protocol.Result, error) {
	return s.ClassifyPreview(ctx, img, again, top, progress, nil)
}

// ClassifyPreview is Classify that calls preview, when not nil, with the
// Result's Preview (protocol.PreviewOf, Workers left 0: the caller's) as
// soon as the top classes are known: before the Result's per-node timings
// and layer statistics are built, so that the page may show the top-5
// while they are (0.2-0.5 ms for googlenet_cifar in Chromium, and the
// caller's runtime.ReadMemStats for the Result's Memory, 0.15-3.3 ms
// under load: session 18's trace of 10 picks, load 7).
func (s *Session) ClassifyPreview(ctx context.Context, img []byte, again bool, top int, progress func(protocol.LayerDone), preview func(protocol.Preview)) (*protocol.Result, error) {
	if s.model == nil {
		return nil, fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	labels := s.model.Meta.Labels
	if top == 0 {
		top = min(DefaultTop, len(labels))
	}
	if top < 1 || top > len(labels) {
		return nil, fail(protocol.CodeRequest, "top %d: model %s has %d classes", top, s.model.Meta.Name, len(labels))
	}
	var im image.Image
	if again {
		if s.lastImg == nil {
			return nil, fail(protocol.CodeNoResult, "there is no earlier image to classify again")
		}
		im = s.lastImg
	} else {
		var err error
		if im, err = preprocess.Decode(bytes.NewReader(img), MaxPixels); err != nil {
			return nil, fail(protocol.CodeImage, "this file cannot be used as an image: %s", strings.TrimPrefix(err.Error(), "preprocess: "))
		}
		s.lastImg, s.prep = im, prepared{}
	}
	// The old maps are dropped before the run, so a VGG16's maps are never
	// held twice.
	s.kept, s.x, s.maps, s.slide = nil, nil, nil, nil
	// And collected now: a WebAssembly memory never shrinks, so garbage
	// still there when the run allocates would raise the peak for good.
	// Not for a lazy session, whose old maps are their ranges (the
	// float32 buffers are the next run's) and whose run allocates little:
	// there the collection was the largest cost a classify added to the
	// engine's pass.
	if !s.lazy {
		runtime.GC()
	}

	start := time.Now()
	view, x, err := s.prepare(im)
	if err != nil {
		return nil, err
	}
	ro := engine.RunOptions{Context: ctx}
	if progress != nil {
		ro.Progress = func(done, total int, t engine.NodeTiming) {
			li, ok := s.byName[t.Node]
			if !ok {
				li = -1
			}
			progress(protocol.LayerDone{Index: done - 1, Total: total, Name: t.Node, Op: t.Op.String(), Layer: li, Ms: ms(t.Duration)})
		}
	}
	// Each kept value is summarised and quantized when the engine is done
	// with it, and handed back unless the CAM needs its float32 values.
	if s.stats == nil {
		s.stats = make(map[string]protocol.LayerStat, len(s.keep))
		s.mapsBuf = make(map[string]*protocol.Maps, len(s.showMaps))
	}
	stats, maps := s.stats, s.mapsBuf
	clear(stats)
	clear(maps)
	if s.lazy {
		if s.rangesBuf == nil {
			s.rangesBuf, s.slotsBuf = make([]float32, s.rangesLen), make([]protocol.Maps, len(s.showMaps))
		}
		s.ranges, s.slots = s.rangesBuf, s.slotsBuf
	}
	ro.Consume = func(name string, t *engine.Tensor) bool {
		s.absorb(name, t, stats, maps)
		return s.cam == nil || name != s.cam.value || s.camShape != nil
	}
	runStart := time.Now()
	res, err := s.run(x, ro)
	if err != nil {
		if ctx != nil && ctx.Err() != nil {
			return nil, &Error{Code: protocol.CodeCancelled, Err: errors.New("cancelled")}
		}
		return nil, fail(protocol.CodeInternal, "model %s: %v", s.model.Meta.Name, err)
	}
	runMs := ms(time.Since(runStart))
	logits := res.Outputs[s.model.Graph().Outputs[0]]
	if logits == nil || len(logits.Data) != len(labels) {
		return nil, fail(protocol.CodeInternal, "model %s: output does not have one value per label", s.model.Meta.Name)
	}
	preds := models.TopK(models.Softmax(logits.Data), labels, top)
	// What the engine did not offer (a layer that is a graph output) or
	// the CAM kept.
	for name, t := range res.Kept {
		s.absorb(name, t, stats, maps)
	}
	kept := map[string]*engine.Tensor{}
	if s.cam != nil {
		if a := res.Kept[s.cam.value]; a != nil {
			kept[s.cam.value] = a
		} else if a := s.camMaps(); a != nil {
			kept[s.cam.value] = a
		}
	}
	total := ms(time.Since(start))
	s.kept, s.x, s.maps = kept, x, maps

	out := &protocol.Result{
		Model: s.model.Meta.Name, Ms: total, RunMs: runMs,
		View: protocol.Image{W: view.Rect.Dx(), H: view.Rect.Dy(), RGBA: rgbaBytes(view)},
	}
	out.Top = make([]protocol.Prediction, 0, len(preds))
	for _, p := range preds {
		out.Top = append(out.Top, protocol.Prediction{Index: p.Index, Label: p.Label, Prob: p.Prob})
	}
	if preview != nil {
		preview(protocol.Preview{Model: out.Model, Top: out.Top, Ms: out.Ms, RunMs: out.RunMs, View: out.View, Layers: len(res.Timings)})
	}
	if len(res.Timings) > 0 {
		out.Timings = make([]protocol.Timing, 0, len(res.Timings))
	}
	for _, t := range res.Timings {
		out.Timings = append(out.Timings, protocol.Timing{Name: t.Node, Op: t.Op.String(), Ms: ms(t.Duration)})
	}
	out.Stats = layerStats(s.layers, s.values, stats)
	return out, nil
}

// prepared is an image resized, cropped and normalised for one
// preprocessing spec (Classify's input).
type prepared struct {
	spec preprocess.Spec
	view *image.RGBA    // Prepare's result
	x    *engine.Tensor // Normalize's result; the engine never writes its inputs
}

// prepare returns im (which is s.lastImg) resized and cropped for the
// current model (view) and normalised (x), from s.prep when it holds them
// for the model's spec: "Classify again" (after a model switch, and every
// run of the app bench) used to resize the photo anew each time, ~20 ms
// for a 768x576 photo to 32x32 in Chromium, outside run_ms but inside
// what the user waits for. The models of one dataset share their spec.
func (s *Session) prepare(im image.Image) (*image.RGBA, *engine.Tensor, error) {
	spec := s.model.Meta.Preprocess
	if s.prep.x != nil && s.prep.spec == spec {
		return s.prep.view, s.prep.x, nil
	}
	view, err := spec.Prepare(im)
	if err != nil {
		return nil, nil, fail(protocol.CodeImage, "%v", err)
	}
	x, err := spec.Normalize(view)
	if err != nil {
		return nil, nil, fail(protocol.CodeImage, "%v", err)
	}
	s.prep = prepared{spec: spec, view: view, x: x}
	return view, x, nil
}

// absorb records what the session keeps of kept value name (the tensor t,
// float32, batch 1) before its buffer is reused: the layer's stats, and its
// 8-bit maps when a layer with maps has this output. Each value is read
// once however many layers name it.
func (s *Session) absorb(name string, t *engine.Tensor, stats map[string]protocol.LayerStat, maps map[string]*protocol.Maps) {
	if _, done := stats[name]; done {
		return
	}
	var c, h, w int
	switch len(t.Shape) {
	case 4:
		c, h, w = t.Shape[1], t.Shape[2], t.Shape[3]
	case 2:
		c, h, w = 1, 1, t.Shape[1]
	}
	if !s.showMaps[name] || c == 0 { // c == 0: Activations says it has no maps
		stats[name] = summarise(t.Data)
		return
	}
	// Batch 1: the first image's maps are the first c*h*w values, and
	// the stats are over all of them.
	var data []byte
	var lo, hi []float32
	if s.lazy {
		n := c * h * w
		var m *protocol.Maps
		lo, hi, m = s.carve(c)
		*m = protocol.Maps{Shape: [3]int{c, h, w}, Min: lo, Max: hi}
		maps[name] = m
		if _, derived := s.reluOf[name]; derived && len(t.Data) == n {
			// A ReLU of a shown value (see reluOf): scanned, not copied.
			delete(s.floats, name)
			stats[name] = CopyScanStats(nil, t.Data, lo, hi)
			return
		}
		// The first image's values, for Activations to quantize; the
		// buffer is the last run's (the old maps were dropped).
		buf := s.floats[name]
		if cap(buf) < n {
			buf = make([]float32, n)
		}
		buf = buf[:n]
		s.floats[name] = buf
		if len(t.Data) == n {
			stats[name] = CopyScanStats(buf, t.Data, lo, hi)
		} else {
			stats[name] = summarise(t.Data)
			CopyScanStats(buf, t.Data[:n], lo, hi)
		}
		return
	}
	if len(t.Data) == c*h*w {
		data, lo, hi, stats[name] = QuantizeStats(t.Data, c)
	} else {
		stats[name] = summarise(t.Data)
		data, lo, hi = Quantize(t.Data[:c*h*w], c)
	}
	maps[name] = &protocol.Maps{Shape: [3]int{c, h, w}, Min: lo, Max: hi, Data: data}
}

// camMaps returns the CAM's maps from what a lazy run's absorb kept (see
// Session.camShape), or nil. A ReLU of a shown value is its input's values
// clamped as Activations clamps them; where that leaves -0 for the
// engine's +0 the class activation map does not change (its sums start at
// +0, and adding either zero leaves them).
func (s *Session) camMaps() *engine.Tensor {
	if s.camShape == nil {
		return nil
	}
	v := s.cam.value
	vals := s.floats[v]
	if in, derived := s.reluOf[v]; derived && vals == nil {
		src := s.floats[in]
		if cap(s.camBuf) < len(src) {
			s.camBuf = make([]float32, len(src))
		}
		vals = reluInto(s.camBuf, src)
	}
	if len(vals) != elements(s.camShape) {
		return nil
	}
	return &engine.Tensor{Shape: s.camShape, Data: vals}
}

// carve returns the ranges and the record of a lazy map of c channels
// from the run's ranges and slots (new ones past their end).
func (s *Session) carve(c int) (lo, hi []float32, m *protocol.Maps) {
	if len(s.ranges) >= 2*c {
		lo, hi, s.ranges = s.ranges[:c:c], s.ranges[c:2*c:2*c], s.ranges[2*c:]
	} else {
		lo, hi = make([]float32, c), make([]float32, c)
	}
	if len(s.slots) > 0 {
		m, s.slots = &s.slots[0], s.slots[1:]
	} else {
		m = new(protocol.Maps)
	}
	return lo, hi, m
}

// lazyMapsBytes bounds the float32 values a lazy session holds between
// runs (see Session.lazy): 4 MB, the CIFAR-10 built-ins (1.0-2.9 MB). The
// ImageNet networks keep their 8-bit maps, a quarter of that: AlexNet's
// 4.4 MB of float32 values (with their bytes once viewed, and no
// collection before each run) took its app worker's peak from 101 to 110
// MB in Chromium (bench -browser -app), for a run of 100 ms or more where
// the maps and the collection cost little.
const lazyMapsBytes = 4 << 20

// lazyMaps reports whether a model with values shown values (batch 1)
// keeps them as float32 (see Session.lazy).
func lazyMaps(values int64) bool { return 4*values <= lazyMapsBytes }

// mapsBytes is what a session holds between runs for the maps of values
// shown values: float32 when lazy, else a byte each.
func mapsBytes(values int64) int64 {
	if lazyMaps(values) {
		return 4 * values
	}
	return values
}

// shownValues counts the values of the first image of the layers' outputs
// that have maps (by graph value, once however many layers name it).
func shownValues(layers []modelfile.Layer, shapes map[string][]int) int64 {
	var n int64
	seen := map[string]bool{}
	for _, l := range layers {
		sh := shapes[l.Value]
		if seen[l.Value] || (len(sh) != 4 && len(sh) != 2) {
			continue
		}
		seen[l.Value] = true
		n += int64(elements(sh) / sh[0])
	}
	return n
}

// WarmUp classifies a blank input with the current model, as Classify
// does, and throws the results away, for warmUpBudget of runs (at least
// one, at most warmUpMaxRuns). The browser compiles WebAssembly in two
// tiers: functions start in a baseline compiler and are recompiled
// optimised in the background once they have run enough, so the first
// inferences of a page are several times slower than the next ones. One
// run was not enough for the small models: in Chromium on a 2-core
// machine resnet20_cifar went from 103 ms to 11 ms over its first 24 runs
// (about 1 s). A warm-up while the user is still choosing a picture moves
// that cost out of their way.
//
// It goes through what a Classify runs around the engine too: the
// resizing and normalising of an image (of a made-up photo, whose input is
// not used), each layer's statistics and maps, and the Result, handed to
// done (the worker encodes it as it would post it), and progress after
// each node (the worker encodes the LayerDone and yields). A warm-up of the
// program alone left that code in the baseline tier: the first classify
// after a finished warm-up spent 6-28 ms on the statistics instead of
// 1-3 (Chromium, the CIFAR-10 built-ins, bench -browser -app).
//
// The input the network sees is all zeros (the split tests tell the
// warm-up's runs by that), and the session is left as Load left it but
// for the prepared image: no maps, and the same image to classify again.
// ctx cancels, and the worker cancels it as soon as a request arrives, so
// it only ever uses idle time; a cancelled warm-up returns the context's
// error (CodeCancelled).
func (s *Session) WarmUp(ctx context.Context, progress func(protocol.LayerDone), done func(*protocol.Result)) error {
	if s.model == nil {
		return fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	x, err := s.zeroInput()
	if err != nil {
		return err
	}
	spec := s.model.Meta.Preprocess
	photo := warmUpPhoto(spec)
	lastImg, prep := s.lastImg, s.prep
	defer func() {
		s.lastImg, s.prep = lastImg, prep
		s.kept, s.x, s.maps, s.slide = nil, nil, nil, nil
	}()
	start := time.Now()
	for runs := 0; runs == 0 || runs < warmUpMaxRuns && time.Since(start) < warmUpBudget; runs++ {
		view, err := spec.Prepare(photo)
		if err != nil {
			return fail(protocol.CodeInternal, "warm-up image: %v", err)
		}
		if _, err := spec.Normalize(view); err != nil {
			return fail(protocol.CodeInternal, "warm-up image: %v", err)
		}
		s.lastImg, s.prep = photo, prepared{spec: spec, view: view, x: x}
		res, err := s.Classify(ctx, nil, true, 0, progress)
		if err != nil {
			return err
		}
		if done != nil {
			done(res)
		}
	}
	return nil
}

// zeroInput is an all-zeros tensor of the program's input (the warm-ups'
// input: the split tests tell their runs by it).
func (s *Session) zeroInput() (*engine.Tensor, error) {
	var shape []int
	for _, in := range s.prog.Inputs() {
		if in.Name == s.input {
			shape = in.Shape
		}
	}
	x, err := engine.NewTensor(shape...)
	if err != nil {
		return nil, fail(protocol.CodeInternal, "warm-up input: %v", err)
	}
	return x, nil
}

// WarmUpEngine runs the current model's bare program (no statistics, maps
// nor Result) on an all-zeros input for warmUpBudget of runs (at least
// one, at most warmUpMaxRuns), every value handed back to the engine as
// soon as it is made: unlike WarmUp it leaves the session's last run (its
// maps, kept values and image) as it was, so the worker runs it when idle
// after any model's load, even once that model has classified.
// Chromium 156 recompiles a WebAssembly function optimised only after
// about 13 MB of its baseline code ran (V8's --wasm-tiering-budget;
// Node 20's is 1.8 MB), and throws optimised code away when a new
// model's nodes break what it inlined (wasm deopts): WarmUp ran for the
// page's first model only, and the page's own classify right after a
// model switch cancelled any warm-up, so a model chosen later ran its
// first picks partly in the baseline tier. The code around the engine
// (statistics, the Result) is the same for every model: the first
// model's WarmUp warms it. step, when not nil, is called after each node
// (the worker yields there); ctx cancels, returning CodeCancelled.
func (s *Session) WarmUpEngine(ctx context.Context, step func()) error {
	if s.model == nil {
		return fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	x, err := s.zeroInput()
	if err != nil {
		return err
	}
	ro := engine.RunOptions{Context: ctx, Consume: func(string, *engine.Tensor) bool { return true }}
	if step != nil {
		ro.Progress = func(int, int, engine.NodeTiming) { step() }
	}
	start := time.Now()
	for runs := 0; runs == 0 || runs < warmUpMaxRuns && time.Since(start) < warmUpBudget; runs++ {
		if _, err := s.run(x, ro); err != nil {
			if ctx != nil && ctx.Err() != nil {
				return &Error{Code: protocol.CodeCancelled, Err: errors.New("cancelled")}
			}
			return fail(protocol.CodeInternal, "model %s: %v", s.model.Meta.Name, err)
		}
	}
	return nil
}

// warmUpPhoto is a made-up photo for WarmUp to resize: YCbCr 4:2:0, as
// JPEG photos decode, somewhat larger than the model's input so that both
// of the resampler's passes run.
func warmUpPhoto(spec preprocess.Spec) image.Image {
	side := max(spec.ResizeShorter, spec.Crop)*3/2 + 1
	img := image.NewYCbCr(image.Rect(0, 0, side+side/3, side), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i * 7)
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(i*3), uint8(255-i)
	}
	return img
}

// warmUpBudget and warmUpMaxRuns bound WarmUp (see there): 1.5 s covers
// the tier-up measured on the built-in models with room for slower
// machines; VGG16 (over a second per run) gets two runs.
const (
	warmUpBudget  = 1500 * time.Millisecond
	warmUpMaxRuns = 100
)

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rgbaBytes returns the pixels of img as tightly packed RGBA rows.
func rgbaBytes(img *image.RGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]byte, 0, 4*w*h)
	for y := 0; y < h; y++ {
		i := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
		out = append(out, img.Pix[i:i+4*w]...)
	}
	return out
}

// Activations returns the feature maps of layer from the last Classify.
func (s *Session) Activations(layer string) (*protocol.Maps, error) {
	if s.model == nil {
		return nil, fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	i, ok := s.byName[layer]
	if !ok {
		return nil, fail(protocol.CodeLayer, "model %s has no layer %q", s.model.Meta.Name, layer)
	}
	if !s.layers[i].Maps {
		return nil, fail(protocol.CodeLayer, "layer %q has no feature maps to show", layer)
	}
	if s.maps == nil {
		return nil, fail(protocol.CodeNoResult, "classify an image first")
	}
	m := s.maps[s.values[layer]]
	if m == nil {
		return nil, fail(protocol.CodeInternal, "the run kept no output for layer %q", layer)
	}
	if m.Data == nil {
		// Lazy: quantized now, once, on the ranges the run found.
		v := s.values[layer]
		vals := s.floats[v]
		if in, derived := s.reluOf[v]; derived && vals == nil {
			vals = relu(s.floats[in])
		}
		if len(vals) != m.Shape[0]*m.Shape[1]*m.Shape[2] {
			return nil, fail(protocol.CodeInternal, "the run kept no values for layer %q", layer)
		}
		m.Data = QuantizeMaps(vals, m.Min, m.Max)
	}
	out := *m // the bytes are shared: messages copy them, nobody writes them
	out.Layer = layer
	return &out, nil
}

// Filters returns the weights of an image conv (three input channels) as
// RGB patches; layer "" picks the first conv of the table that reads three
// channels.
func (s *Session) Filters(layer string) (*protocol.Patches, error) {
	if s.model == nil {
		return nil, fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	g := s.model.Graph()
	var node *engine.Node
	for _, l := range s.model.Meta.Layers {
		if layer != "" && l.Name != layer {
			continue
		}
		if layer == "" && l.Kind != modelfile.LayerConv {
			continue
		}
		for _, n := range g.Nodes {
			if n.Name == l.Name && n.Op == engine.OpConv && len(n.Inputs) > 1 {
				if w := g.Consts[n.Inputs[1]]; w != nil && len(w.Shape) == 4 && w.Shape[1] == 3 {
					node = n
				}
				break
			}
		}
		if node != nil || layer != "" {
			break
		}
	}
	if node == nil {
		if layer == "" {
			return nil, fail(protocol.CodeLayer, "model %s has no conv layer that reads the image", s.model.Meta.Name)
		}
		return nil, fail(protocol.CodeLayer, "layer %q is not a conv that reads the three channels of the image", layer)
	}
	w := g.Consts[node.Inputs[1]] // (outC, 3, kH, kW)
	n, kh, kw := w.Shape[0], w.Shape[2], w.Shape[3]
	rgba, lo, hi := Patches(w.Float32(), n, kh, kw)
	return &protocol.Patches{Layer: node.Name, Count: n, W: kw, H: kh, Min: lo, Max: hi, RGBA: rgba}, nil
}
