package models

import (
	"io/fs"
	"math"
	"testing"
	"time"

	"convscope/engine"
	"convscope/models/builtin"
	"convscope/models/modelfile"
)

// randomModelFile returns d with random weights (seed) as a float32 graph
// and as the bytes of its int8 model file (Convert, Encode).
func randomModelFile(t testing.TB, d *Def, seed uint64) (*engine.Graph, []byte) {
	t.Helper()
	sd := d.RandomStateDict(seed)
	g, err := d.Graph(sd)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Convert(d, sd, testMeta(d))
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return g, b
}

// randomGraphs returns arch with random weights as a float32 graph and as
// the graph of its int8 model file (decoded as the browser does).
func randomGraphs(t testing.TB, arch string, c Config) (float, int8 *engine.Graph) {
	t.Helper()
	g, b := randomModelFile(t, mustArch(t, arch, c), 3)
	_, gq, err := modelfile.DecodeGraph(b)
	if err != nil {
		t.Fatal(err)
	}
	return g, gq
}

// TestShardArchs: the real architectures split over 2 and 3 shards (as the
// browser's workers run them, engine.Shard) give every shard the bits of
// one unsharded program, from random weights as float32 graphs and as int8
// model files, and so do the built-in CIFAR models. Inputs are 64x64 so
// the ImageNet networks run in seconds; the layer kinds and conv
// algorithms are the ones at 224x224.
func TestShardArchs(t *testing.T) {
	type graphCase struct {
		name string
		g    *engine.Graph
	}
	var cases []graphCase
	for _, arch := range []string{"alexnet", "vgg16", "googlenet", "resnet18", "resnet50"} {
		if testing.Short() && arch != "resnet18" {
			continue
		}
		g, gq := randomGraphs(t, arch, Config{Height: 64, Width: 64, Classes: 10})
		cases = append(cases, graphCase{arch + " float32", g}, graphCase{arch + " int8", gq})
	}
	for _, name := range builtin.Names() {
		b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
		if err != nil {
			t.Fatal(err)
		}
		_, g, err := modelfile.DecodeGraph(b)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, graphCase{name + " (built-in)", g})
	}
	if len(cases) < 3 {
		t.Fatalf("only %d models to test", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randomInput(c.g.Inputs[0].Shape, 5)
			in := map[string]*engine.Tensor{c.g.Inputs[0].Name: x}
			one, err := engine.Compile(c.g, engine.Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			want, err := one.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			out := c.g.Outputs[0]
			for _, count := range []int{2, 3} {
				l := engine.NewLocalGather(count)
				progs := make([]*engine.Program, count)
				for i := range progs {
					if progs[i], err = engine.Compile(c.g, engine.Options{Workers: 1, Shard: l.Shard(i)}); err != nil {
						t.Fatal(err)
					}
				}
				res, err := engine.RunShards(l, progs, in)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range res {
					got, w := r.Outputs[out].Data, want.Outputs[out].Data
					if len(got) != len(w) {
						t.Fatalf("%d shards: shard %d gave %d outputs, want %d", count, i, len(got), len(w))
					}
					for j := range w {
						if math.Float32bits(got[j]) != math.Float32bits(w[j]) {
							t.Fatalf("%d shards: shard %d output %d is %v, want %v (bit for bit)", count, i, j, got[j], w[j])
						}
					}
				}
			}
		})
	}
}

// BenchmarkShardParts shows how the work of a pass divides between two
// shards (engine.Shard, as the browser's workers run it): each iteration
// runs the whole int8 program (one worker) and then each shard's program
// alone, with a gather that does nothing, one after the other, so the
// figures share the machine's load. part/whole is the slower part's time
// over the whole's: the best a 2-core split can do before gathers and
// scheduling (the input transforms of im2col and Winograd are done by
// both shards, so it stays above 0.5). Run it in V8 as the browser would:
//
//	GOOS=js GOARCH=wasm GOEXPERIMENT=simd go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" -run '^$' -bench ShardParts ./models/
func BenchmarkShardParts(b *testing.B) {
	for _, arch := range []string{"alexnet", "vgg16", "googlenet", "resnet18", "resnet50"} {
		b.Run(arch, func(b *testing.B) {
			_, g := randomGraphs(b, arch, Config{})
			x := randomInput(g.Inputs[0].Shape, 5)
			in := map[string]*engine.Tensor{g.Inputs[0].Name: x}
			nop := func(engine.Gathered) error { return nil }
			var progs [3]*engine.Program
			for i := range progs {
				opt := engine.Options{Workers: 1}
				if i > 0 {
					opt.Shard = engine.Shard{Index: i - 1, Count: 2, Gather: nop}
				}
				p, err := engine.Compile(g, opt)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Run(in); err != nil { // warm-up
					b.Fatal(err)
				}
				progs[i] = p
			}
			var total [3]time.Duration
			for b.Loop() {
				for i, p := range progs {
					start := time.Now()
					if _, err := p.Run(in); err != nil {
						b.Fatal(err)
					}
					total[i] += time.Since(start)
				}
			}
			ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 / float64(b.N) }
			b.ReportMetric(ms(total[0]), "whole-ms/op")
			b.ReportMetric(ms(total[1]), "part0-ms/op")
			b.ReportMetric(ms(total[2]), "part1-ms/op")
			b.ReportMetric(float64(max(total[1], total[2]))/float64(total[0]), "part/whole")
		})
	}
}
