package archbench

import (
	"fmt"
	"testing"

	"convscope/engine"
	"convscope/internal/cputime"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

var archs = []string{"alexnet", "vgg16", "googlenet", "resnet18", "resnet50"}

// load builds name with random weights and returns it as the app holds it:
// a model file (int8 weights) decoded from bytes.
func load(b testing.TB, name string) *models.Model {
	b.Helper()
	def, err := models.Arch(name)
	if err != nil {
		b.Fatal(err)
	}
	ds, err := models.ArchDataset(name)
	if err != nil {
		b.Fatal(err)
	}
	lb, err := labels.For(ds)
	if err != nil {
		b.Fatal(err)
	}
	spec := preprocess.ImageNet()
	if ds == "cifar10" {
		spec = preprocess.CIFAR10()
	}
	f, err := models.Convert(def, def.RandomStateDict(1), models.Meta{Name: name, Dataset: ds, Labels: lb, Preprocess: spec, Source: "archbench"})
	if err != nil {
		b.Fatal(err)
	}
	data, err := modelfile.Encode(f)
	if err != nil {
		b.Fatal(err)
	}
	m, err := models.LoadBytes(data)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkArch runs one forward pass per iteration with 1 and 2 workers.
// Besides the wall time it reports cpu-ms/op, the process's CPU time per
// pass (all threads; Linux only): on a machine busy with other work, where
// wall times mean little, that of one worker is what a pass costs.
func BenchmarkArch(b *testing.B) {
	for _, name := range archs {
		b.Run(name, func(b *testing.B) {
			var m *models.Model
			for _, w := range []int{1, 2} {
				b.Run(fmt.Sprintf("w%d", w), func(b *testing.B) {
					if m == nil {
						m = load(b, name)
					}
					p, in := warmProgram(b, m, w)
					b.ResetTimer()
					cpu0 := cputime.Seconds()
					for b.Loop() {
						if _, err := p.Run(in); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric((cputime.Seconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
				})
			}
		})
	}
}

// warmProgram compiles m for workers, builds the input every benchmark here
// uses (x[i] = ((i*7919) % 1000) / 500 - 1, as bench does) and runs one
// untimed pass.
func warmProgram(tb testing.TB, m *models.Model, workers int) (*engine.Program, map[string]*engine.Tensor) {
	tb.Helper()
	p, err := m.Program(engine.Options{Workers: workers})
	if err != nil {
		tb.Fatal(err)
	}
	g := m.Graph()
	x, err := engine.NewTensor(g.Inputs[0].Shape...)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range x.Data {
		x.Data[i] = float32((i*7919)%1000)/500 - 1
	}
	in := map[string]*engine.Tensor{g.Inputs[0].Name: x}
	if _, err := p.Run(in); err != nil { // warm-up
		tb.Fatal(err)
	}
	return p, in
}
