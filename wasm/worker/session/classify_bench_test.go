package session

import (
	"context"
	"runtime/debug"
	"testing"

	"convscope/engine"
	"convscope/internal/cputime"
	"convscope/models"
)

// BenchmarkClassify puts the session's Classify (again on the same image:
// the engine's pass with every layer kept, and each kept value scanned for
// the table and its maps' ranges, and quantized for the maps unless the
// model keeps its float32 values until they are viewed (Session.lazy), as
// it is handed back) beside the
// engine's bare pass of the same model (nothing kept), per model: the
// difference is what the app adds to a classify. The CIFAR-10 built-ins
// run with their own weights, the ImageNet architectures with random ones.
// The garbage collector runs at the app worker's setting (models.GCPercent).
// cpu-ms/op is what a classify costs on a machine shared with other jobs,
// where ns/op is not.
// In Node: GOOS=js GOARCH=wasm GOEXPERIMENT=simd go test -bench Classify.
func BenchmarkClassify(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(models.GCPercent))
	type model struct {
		name    string
		builtin bool
	}
	list := []model{
		{"alexnet_cifar", true}, {"googlenet_cifar", true}, {"plain20_cifar", true},
		{"resnet20_cifar", true}, {"vgg_cifar", true},
		{"resnet50", false}, {"googlenet", false}, {"alexnet", false},
	}
	for _, mod := range list {
		if testing.Short() && mod.name != "alexnet" && !mod.builtin {
			continue
		}
		// Loaded under the model's own name, so that -bench picks the
		// models before any is loaded.
		b.Run(mod.name, func(b *testing.B) { benchClassify(b, mod.name, mod.builtin) })
	}
}

func benchClassify(b *testing.B, name string, builtin bool) {
	var data []byte
	var m *models.Model
	if builtin {
		data, m = builtinModel(b, name)
	} else {
		data, m = randomModel(b, name)
	}
	var s Session
	if _, err := s.Load(data, hexSHA(data)); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Classify(context.Background(), testImage(b), false, 5, nil); err != nil {
		b.Fatal(err)
	}
	bare, err := m.Program(engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	spec := m.Meta.Preprocess
	view, err := spec.Prepare(s.lastImg)
	if err != nil {
		b.Fatal(err)
	}
	x, err := spec.Normalize(view)
	if err != nil {
		b.Fatal(err)
	}
	in := map[string]*engine.Tensor{s.input: x}
	b.Run("engine", func(b *testing.B) {
		cpu0 := cputime.Seconds()
		for b.Loop() {
			if _, err := bare.Run(in); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
	})
	b.Run("classify", func(b *testing.B) {
		cpu0 := cputime.Seconds()
		for b.Loop() {
			if _, err := s.Classify(context.Background(), nil, true, 5, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
	})
}
