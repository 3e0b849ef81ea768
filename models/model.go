package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"math"
	"os"
	"sort"
	"sync"

	"convscope/engine"
	"convscope/models/modelfile"
)

// Model is a loaded model file: its metadata and its graph, compiled once
// for Classify. Conv and fc weights stay int8 (views of the file's bytes
// when loaded with LoadBytes; the engine dequantizes them panel by panel),
// so a model takes about the size of its file in memory.
type Model struct {
	Meta   modelfile.Meta
	SHA256 string // hex SHA-256 of the file's bytes
	graph  *engine.Graph

	// prog is the program of Classify, compiled on its first use: a caller
	// that compiles its own (the browser worker keeps feature maps, the
	// bench picks the worker count) would otherwise hold a second copy of
	// the int8 conv weights the engine lays out per program (ResNet-50: 23
	// MB). Engine programs are safe for concurrent use.
	progOnce sync.Once
	prog     *engine.Program
	progErr  error
}

// GCPercent is the garbage collector setting (debug.SetGCPercent) for a
// process that holds a large model, such as the browser's worker. A loaded
// model is long-lived (VGG16: 138 MB of int8 weights) and Go's default
// (100) lets the heap grow to twice the live heap before collecting, so a
// WebAssembly memory, which never shrinks, would grow by the model's size
// again: measured natively with VGG16 and the worker's kept feature maps,
// the heap reached 504 MB after three runs with 100 and stayed at 356 MB
// with 25. Weights and feature maps hold no pointers, so the collector's
// extra cycles cost little.
const GCPercent = 25

// Prediction is one class of a classification.
type Prediction struct {
	Index int     `json:"index"`
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
}

// Load reads, verifies and compiles the model file at path.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := LoadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// LoadBytes decodes, verifies and compiles a model file held in memory
// (the browser's path: the bytes come from the Cache API). The model's
// int8 weights are b itself, not a copy: b must not be modified afterwards.
func LoadBytes(b []byte) (*Model, error) {
	meta, g, err := modelfile.DecodeGraph(b)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return newModel(meta, g, hex.EncodeToString(sum[:]))
}

func newModel(meta *modelfile.Meta, g *engine.Graph, sum string) (*Model, error) {
	if err := meta.Preprocess.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: %w", meta.Name, err)
	}
	c := meta.Preprocess.Crop
	if in := meta.Inputs[0].Shape; len(in) != 4 || in[1] != 3 || in[2] != c || in[3] != c {
		return nil, fmt.Errorf("model %s: input shape %v does not take the %dx%d RGB images its preprocessing makes", meta.Name, in, c, c)
	}
	m := &Model{Meta: *meta, SHA256: sum, graph: g}
	shapes, err := engine.InferShapes(g)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", meta.Name, err)
	}
	out := shapes[g.Outputs[0]]
	if len(out) != 2 || out[1] != len(meta.Labels) {
		return nil, fmt.Errorf("model %s: output %q has shape %v for %d labels", meta.Name, g.Outputs[0], out, len(meta.Labels))
	}
	return m, nil
}

// Graph returns the model's graph. It is shared: do not modify it. Conv
// and fc weights are int8 constants (engine.Tensor.Int8; Values and
// Float32 give their float32 values), the rest float32.
func (m *Model) Graph() *engine.Graph { return m.graph }

// Program compiles the model's graph with opt, e.g. with Keep set to see
// feature maps, or NoFuse to see every layer of the table.
func (m *Model) Program(opt engine.Options) (*engine.Program, error) {
	p, err := engine.Compile(m.graph, opt)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", m.Meta.Name, err)
	}
	return p, nil
}

// Input preprocesses img as the model's metadata says: (1, 3, Crop, Crop).
func (m *Model) Input(img image.Image) (*engine.Tensor, error) {
	return m.Meta.Preprocess.Apply(img)
}

// Classify returns the k most probable classes of img, most probable first.
// k must be between 1 and the number of classes.
func (m *Model) Classify(img image.Image, k int) ([]Prediction, error) {
	p, err := m.defaultProgram()
	if err != nil {
		return nil, err
	}
	return m.ClassifyWith(p, img, k)
}

// defaultProgram returns Classify's program, compiling it on first use.
func (m *Model) defaultProgram() (*engine.Program, error) {
	m.progOnce.Do(func() { m.prog, m.progErr = m.Program(engine.Options{}) })
	return m.prog, m.progErr
}

// ClassifyWith is Classify on a program the caller compiled with
// m.Program (to choose the worker count, or keep feature maps).
func (m *Model) ClassifyWith(p *engine.Program, img image.Image, k int) ([]Prediction, error) {
	if k < 1 || k > len(m.Meta.Labels) {
		return nil, fmt.Errorf("top %d: want 1 to %d (the number of classes)", k, len(m.Meta.Labels))
	}
	x, err := m.Input(img)
	if err != nil {
		return nil, err
	}
	res, err := p.Run(map[string]*engine.Tensor{m.graph.Inputs[0].Name: x})
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", m.Meta.Name, err)
	}
	logits := res.Outputs[m.graph.Outputs[0]]
	if logits == nil || len(logits.Data) != len(m.Meta.Labels) {
		return nil, fmt.Errorf("model %s: output does not have one value per label", m.Meta.Name)
	}
	return TopK(Softmax(logits.Data), m.Meta.Labels, k), nil
}

// Softmax returns exp(x_i - max) / sum, in float64.
func Softmax(logits []float32) []float64 {
	if len(logits) == 0 {
		return nil
	}
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	p := make([]float64, len(logits))
	var sum float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v) - mx)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// TopK returns the k largest probabilities with their labels, largest
// first; ties keep the lower index first.
func TopK(probs []float64, labels []string, k int) []Prediction {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return probs[idx[a]] > probs[idx[b]] })
	k = min(k, len(idx))
	out := make([]Prediction, k)
	for i, j := range idx[:k] {
		out[i] = Prediction{Index: j, Prob: probs[j]}
		if j < len(labels) {
			out[i].Label = labels[j]
		}
	}
	return out
}
