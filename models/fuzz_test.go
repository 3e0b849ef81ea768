package models

import (
	"crypto/sha256"
	"slices"
	"testing"

	"convscope/engine"
	"convscope/models/modelfile"
)

// FuzzLoadBytes feeds mutated model files through LoadBytes (decode,
// graph checks, engine.Compile) and runs what loads: whatever the file
// says, the result is a model or an error, never a panic. The checksum is
// recomputed so that mutations reach the graph.
func FuzzLoadBytes(f *testing.F) {
	d, err := Arch("tinynet")
	if err != nil {
		f.Fatal(err)
	}
	mf, err := Convert(d, d.RandomStateDict(1), testMeta(d))
	if err != nil {
		f.Fatal(err)
	}
	b, err := modelfile.Encode(mf)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < modelfile.HeaderSize {
			return
		}
		data = slices.Clone(data)
		h := sha256.New()
		h.Write(data[:32])
		h.Write(data[modelfile.HeaderSize:])
		copy(data[32:modelfile.HeaderSize], h.Sum(nil))
		m, err := LoadBytes(data)
		if err != nil {
			return
		}
		in := m.Meta.Inputs[0].Shape
		if n, err := engine.NumElements(in); err != nil || n > 3*64*64 {
			return // valid but too slow to run here
		}
		x, err := engine.NewTensor(in...)
		if err != nil {
			return
		}
		// A graph that passed LoadBytes's checks may still fail to compile
		// (an error, never a panic); if it compiles, it must run or fail
		// cleanly.
		p, err := m.defaultProgram()
		if err != nil {
			return
		}
		_, _ = p.Run(map[string]*engine.Tensor{m.Meta.Inputs[0].Name: x})
	})
}
