package session

import (
	"context"
	"testing"

	"convscope/engine"
)

// BenchmarkClassify puts the session's Classify (again on the same image:
// the engine's pass with every layer kept, and each kept value scanned and
// quantized for the maps and the table as it is handed back) beside the
// engine's bare pass of the same model (nothing kept), per architecture
// with random weights: the difference is what the app adds to a classify.
// In Node: GOOS=js GOARCH=wasm GOEXPERIMENT=simd go test -bench Classify.
func BenchmarkClassify(b *testing.B) {
	for _, arch := range []string{"resnet50", "googlenet", "alexnet"} {
		if testing.Short() && arch != "alexnet" {
			continue
		}
		data, m := randomModel(b, arch)
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
		b.Run(arch+"/engine", func(b *testing.B) {
			for b.Loop() {
				if _, err := bare.Run(in); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(arch+"/classify", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Classify(context.Background(), nil, true, 5, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
