package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/web/protocol"
)

// What int8 costs: the current model against its float32 twin on the last
// image. Both graphs are compiled and run here, each keeping the outputs of
// its conv and fc layers, so this does not depend on what the session keeps
// of a Classify run (its maps may be stored in 8 bits); only the decoded
// image is shared.

// LoadTwin checks that data hashes to wantSHA256 and is the float32 twin
// of the current model (models.CheckTwin: the same graph, weights that
// quantize to the model's int8 bytes exactly), and returns it loaded.
func (s *Session) LoadTwin(data []byte, wantSHA256 string) (*models.Model, error) {
	if s.model == nil {
		return nil, fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != wantSHA256 {
		return nil, fail(protocol.CodeHash, "the float32 twin of %s does not have the expected SHA-256 (got %.16s..., want %.16s...): it was damaged or tampered with, so it is not used", s.model.Meta.Name, got, wantSHA256)
	}
	twin, err := models.LoadBytes(data)
	if err != nil {
		return nil, fail(protocol.CodeModel, "the float32 twin of %s cannot be used: %v", s.model.Meta.Name, err)
	}
	if err := s.CheckTwin(twin); err != nil {
		return nil, err
	}
	return twin, nil
}

// CheckTwin reports whether twin (loaded earlier) is the current model's.
func (s *Session) CheckTwin(twin *models.Model) error {
	if s.model == nil {
		return fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	if err := models.CheckTwin(s.model, twin); err != nil {
		return fail(protocol.CodeModel, "%v", err)
	}
	return nil
}

// weightLayer is a conv or fc row of the layer table: its output value
// and its weight constant.
type weightLayer struct {
	name, kind, value, weight string
}

// weightLayers lists the table's conv and fc layers in table order, one
// per output value, with the node of the same name that holds the weight.
func weightLayers(m *models.Model) []weightLayer {
	g := m.Graph()
	weightOf := map[string]string{}
	for _, n := range g.Nodes {
		if (n.Op == engine.OpConv || n.Op == engine.OpGemm || n.Op == engine.OpMatMul) && len(n.Inputs) > 1 {
			if _, ok := g.Consts[n.Inputs[1]]; ok {
				weightOf[n.Name] = n.Inputs[1]
			}
		}
	}
	var out []weightLayer
	seen := map[string]bool{}
	for _, l := range m.Meta.Layers {
		k := string(l.Kind)
		if (k != "conv" && k != "fc") || seen[l.Value] || weightOf[l.Name] == "" {
			continue
		}
		seen[l.Value] = true
		out = append(out, weightLayer{name: l.Name, kind: k, value: l.Value, weight: weightOf[l.Name]})
	}
	return out
}

// Int8Cost runs the current model and its float32 twin (checked with
// CheckTwin) on the last decoded image and compares them: both top-k
// (k = DefaultTop), and for each conv and fc layer the output's error and
// the weights' own. step is called after each executed node (to yield);
// ctx cancels.
func (s *Session) Int8Cost(ctx context.Context, twin *models.Model, step func()) (*protocol.Int8Report, error) {
	if s.model == nil {
		return nil, fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	if s.lastImg == nil {
		return nil, fail(protocol.CodeNoResult, "classify an image first: the comparison runs both models on it")
	}
	if twin == nil {
		return nil, fail(protocol.CodeRequest, "model %s has no float32 twin", s.model.Meta.Name)
	}
	if err := s.CheckTwin(twin); err != nil {
		return nil, err
	}
	start := time.Now()
	m := s.model
	rows := weightLayers(m)
	keep := make([]string, len(rows))
	for i, r := range rows {
		keep[i] = r.value
	}
	x, err := m.Input(s.lastImg)
	if err != nil {
		return nil, fail(protocol.CodeImage, "%v", err)
	}
	ro := engine.RunOptions{Context: ctx}
	if step != nil {
		ro.Progress = func(int, int, engine.NodeTiming) { step() }
	}
	run := func(mm *models.Model) (*engine.Result, error) {
		p, err := mm.Program(engine.Options{Keep: keep})
		if err != nil {
			return nil, fail(protocol.CodeInternal, "%v", err)
		}
		res, err := p.RunWith(map[string]*engine.Tensor{mm.Graph().Inputs[0].Name: x}, ro)
		if err != nil {
			if ctx != nil && ctx.Err() != nil {
				return nil, &Error{Code: protocol.CodeCancelled, Err: errors.New("cancelled")}
			}
			return nil, fail(protocol.CodeInternal, "model %s: %v", mm.Meta.Name, err)
		}
		return res, nil
	}
	r8, err := run(m)
	if err != nil {
		return nil, err
	}
	r32, err := run(twin)
	if err != nil {
		return nil, err
	}
	out := &protocol.Int8Report{Model: m.Meta.Name}
	labels := m.Meta.Labels
	k := min(DefaultTop, len(labels))
	for _, p := range topOf(r8, m, k) {
		out.Int8Top = append(out.Int8Top, protocol.Prediction{Index: p.Index, Label: p.Label, Prob: p.Prob})
	}
	for _, p := range topOf(r32, twin, k) {
		out.Float32Top = append(out.Float32Top, protocol.Prediction{Index: p.Index, Label: p.Label, Prob: p.Prob})
	}
	if len(out.Int8Top) != k || len(out.Float32Top) != k {
		return nil, fail(protocol.CodeInternal, "model %s: output does not have one value per label", m.Meta.Name)
	}
	g, tg := m.Graph(), twin.Graph()
	for _, r := range rows {
		a8, a32 := r8.Kept[r.value], r32.Kept[r.value]
		if a8 == nil || a32 == nil || len(a8.Data) != len(a32.Data) {
			return nil, fail(protocol.CodeInternal, "the runs kept no comparable output for layer %q", r.name)
		}
		le := protocol.LayerError{Name: r.name, Kind: r.kind}
		le.RelErr, le.MaxAbs, le.Cosine, le.Scale = ActivationError(a8.Data, a32.Data)
		w8, w32 := g.Consts[r.weight], tg.Consts[r.weight]
		le.WeightErr, _, _, _ = ActivationError(w8.Float32(), w32.Data)
		out.Layers = append(out.Layers, le)
	}
	for name, c := range g.Consts {
		n := int64(len(tg.Consts[name].Data))
		out.Float32Bytes += 4 * n
		if c.Int8 != nil {
			out.Int8Bytes += n + 4*int64(len(c.Int8.Scales))
		} else {
			out.Int8Bytes += 4 * n
		}
	}
	out.Ms = ms(time.Since(start))
	return out, nil
}

// topOf is the top k of a run's logits, as Classify computes it.
func topOf(res *engine.Result, m *models.Model, k int) []models.Prediction {
	logits := res.Outputs[m.Graph().Outputs[0]]
	if logits == nil || len(logits.Data) != len(m.Meta.Labels) {
		return nil
	}
	for _, v := range logits.Data {
		if math.IsNaN(float64(v)) {
			return nil
		}
	}
	return models.TopK(models.Softmax(logits.Data), m.Meta.Labels, k)
}
