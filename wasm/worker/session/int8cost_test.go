package session

import (
	"bytes"
	"context"
	"testing"

	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
	"convscope/web/protocol"
)

// twinOf returns the float32 twin's bytes of a random model of arch made
// with the given seed (randomModel uses seed 7).
func twinOf(t *testing.T, arch string, seed uint64) []byte {
	t.Helper()
	def, err := models.Arch(arch)
	if err != nil {
		t.Fatal(err)
	}
	f, err := models.ConvertFloat32(def, def.RandomStateDict(seed), models.Meta{
		Name: "random_" + arch, Dataset: "cifar10", Labels: labels.CIFAR10(), Preprocess: preprocess.CIFAR10(),
		Source: "random weights (test)",
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInt8Cost: on a random ResNet-20 and its twin, the int8 top-5 is the
// Classify result's, every conv and fc layer has a row whose error is
// small but not zero, and the weight storage is about a quarter.
func TestInt8Cost(t *testing.T) {
	b, _ := randomModel(t, "resnet20_cifar")
	tb := twinOf(t, "resnet20_cifar", 7)
	var s Session
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	twin, err := s.LoadTwin(tb, hexSHA(tb))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Int8Cost(context.Background(), twin, nil); code(err) != protocol.CodeNoResult {
		t.Errorf("before any image: %v", err)
	}
	res, err := s.Classify(context.Background(), testImage(t), false, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	rep, err := s.Int8Cost(context.Background(), twin, func() { steps++ })
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range rep.Int8Top {
		if p != res.Top[i] {
			t.Errorf("int8 top %d: %+v, Classify gave %+v", i, p, res.Top[i])
		}
	}
	if len(rep.Float32Top) != 5 {
		t.Errorf("float32 top: %v", rep.Float32Top)
	}
	weights := 0
	for _, l := range s.model.Meta.Layers {
		if l.Kind == "conv" || l.Kind == "fc" {
			weights++
		}
	}
	if len(rep.Layers) != weights {
		t.Errorf("%d rows, the table has %d conv and fc layers", len(rep.Layers), weights)
	}
	for _, l := range rep.Layers {
		if !(l.RelErr > 0 && l.RelErr < 0.5) || !(l.Cosine > 0.8 && l.Cosine <= 1+1e-12) || !(l.WeightErr > 0 && l.WeightErr < 0.05) || l.MaxAbs <= 0 || l.Scale <= 0 {
			t.Errorf("%s: %+v", l.Name, l)
		}
	}
	if steps == 0 {
		t.Error("step never called")
	}
	if r := float64(rep.Int8Bytes) / float64(rep.Float32Bytes); r < 0.25 || r > 0.35 {
		t.Errorf("int8 %d bytes, float32 %d: ratio %.3f", rep.Int8Bytes, rep.Float32Bytes, r)
	}
	if _, _, err := protocol.Encode(rep); err != nil {
		t.Error(err)
	}
	t.Logf("first layer %s: %.4f, last %s: %.4f; %v ms", rep.Layers[0].Name, rep.Layers[0].RelErr, rep.Layers[len(rep.Layers)-1].Name, rep.Layers[len(rep.Layers)-1].RelErr, rep.Ms)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Int8Cost(ctx, twin, nil); code(err) != protocol.CodeCancelled {
		t.Errorf("cancelled: %v", err)
	}
}

// TestLoadTwinRefuses: a damaged twin, the twin of other weights and a
// model instead of a twin are clear errors, and the session still works.
func TestLoadTwinRefuses(t *testing.T) {
	b, _ := randomModel(t, "resnet20_cifar")
	var s Session
	tb := twinOf(t, "resnet20_cifar", 7)
	if _, err := s.LoadTwin(tb, hexSHA(tb)); code(err) != protocol.CodeNoModel {
		t.Errorf("no model: %v", err)
	}
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(tb)
	tampered[len(tampered)-10] ^= 1
	if _, err := s.LoadTwin(tampered, hexSHA(tb)); code(err) != protocol.CodeHash {
		t.Errorf("tampered twin: %v", err)
	}
	// Tampered and re-hashed (a file whose own checksum no longer holds).
	if _, err := s.LoadTwin(tampered, hexSHA(tampered)); code(err) != protocol.CodeModel {
		t.Errorf("tampered twin with its own hash: %v", err)
	}
	other := twinOf(t, "resnet20_cifar", 8)
	if _, err := s.LoadTwin(other, hexSHA(other)); code(err) != protocol.CodeModel {
		t.Errorf("twin of other weights: %v", err)
	} else {
		t.Logf("other weights: %v", err)
	}
	if _, err := s.LoadTwin(b, hexSHA(b)); code(err) != protocol.CodeModel {
		t.Errorf("the model as its own twin: %v", err)
	}
	if _, err := s.Classify(context.Background(), testImage(t), false, 5, nil); err != nil {
		t.Errorf("after the refused twins: %v", err)
	}
}
