package onnx

import (
	"os"
	"path/filepath"
	"testing"

	"convscope/engine"
)

// maxSeedBytes keeps large conformance files (a 4 MB input image) out of
// the seed corpus: the mutator is fastest on small inputs and the large
// files add no structure the small ones lack.
const maxSeedBytes = 256 << 10

// addSeeds adds every file matching pattern under the conformance data, if
// installed, to the fuzz corpus. Committed seeds in testdata/fuzz/ cover
// machines without it.
func addSeeds(f *testing.F, pattern string) {
	for _, kind := range conformanceKinds {
		files, _ := filepath.Glob(filepath.Join(conformanceRoot, kind, "*", pattern))
		for _, file := range files {
			if fi, err := os.Stat(file); err != nil || fi.Size() > maxSeedBytes {
				continue
			}
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
}

// FuzzReadModel: reading, converting and compiling any bytes must return a
// model or an error, never panic or allocate without bound.
func FuzzReadModel(f *testing.F) {
	addSeeds(f, "model.onnx")
	f.Add(convModel())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadModel(data)
		if err != nil {
			return
		}
		g, err := m.ToGraph()
		if err != nil {
			return
		}
		for _, noFuse := range []bool{true, false} {
			if _, err := engine.Compile(g, engine.Options{NoFuse: noFuse, Workers: 1}); err != nil {
				return
			}
		}
	})
}

// FuzzReadTensor: decoding any bytes as a TensorProto must return a tensor
// whose values match its dims, or an error.
func FuzzReadTensor(f *testing.F) {
	addSeeds(f, filepath.Join("test_data_set_*", "*.pb"))
	f.Add([]byte(floatTensor("x", []int64{2, 2}, 1, 2, 3, 4)))
	f.Fuzz(func(t *testing.T, data []byte) {
		tp, err := ReadTensorProto(data)
		if err != nil {
			return
		}
		n := 1
		for _, d := range tp.Dims {
			n *= d
		}
		if tp.Len() != n {
			t.Fatalf("dims %v but %d values", tp.Dims, tp.Len())
		}
		if et, name, err := ReadTensor(data); err == nil {
			if err := et.Check(); err != nil || name != tp.Name {
				t.Fatalf("engine tensor %q: %v", name, err)
			}
		}
	})
}
