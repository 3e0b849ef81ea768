package models

import (
	"bytes"
	"fmt"
	"io/fs"
	"runtime"
	"testing"
	"time"

	"convscope/engine"
	"convscope/internal/shardtest"
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
	return g, encoded(t)(Convert(d, sd, testMeta(d)))
}

// encoded returns a function giving the bytes of a model file that a
// converter returned, failing t on either's error.
func encoded(t testing.TB) func(*modelfile.File, error) []byte {
	return func(f *modelfile.File, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, err := modelfile.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
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
// model files, and so do the built-in CIFAR models. The model files are
// also compiled the way the browser's shards load them, each reading only
// its part of the weights (modelfile.CompileShard), and so is a float32
// twin. Inputs are 64x64 so the ImageNet networks run in seconds; the
// layer kinds and conv algorithms are the ones at 224x224.
func TestShardArchs(t *testing.T) {
	// Each case makes its graph when it runs, so that only one network's
	// weights are alive at a time (wasm memory stops at 4 GB).
	type graphCase struct {
		name string
		load func(t *testing.T) (g *engine.Graph, file []byte) // file: g's model file, if any
	}
	var cases []graphCase
	fromFile := func(t *testing.T, b []byte) (*engine.Graph, []byte) {
		_, g, err := modelfile.DecodeGraph(b)
		if err != nil {
			t.Fatal(err)
		}
		return g, b
	}
	for _, arch := range []string{"alexnet", "vgg16", "googlenet", "resnet18", "resnet50"} {
		if testing.Short() && arch != "resnet18" {
			continue
		}
		d := mustArch(t, arch, Config{Height: 64, Width: 64, Classes: 10})
		cases = append(cases,
			graphCase{arch + " float32", func(t *testing.T) (*engine.Graph, []byte) {
				g, _ := randomModelFile(t, d, 3)
				return g, nil
			}},
			graphCase{arch + " int8", func(t *testing.T) (*engine.Graph, []byte) {
				_, b := randomModelFile(t, d, 3)
				return fromFile(t, b)
			}})
		if arch == "resnet18" {
			cases = append(cases, graphCase{arch + " float32 twin", func(t *testing.T) (*engine.Graph, []byte) {
				return fromFile(t, randomTwinFile(t, d, 3))
			}})
		}
	}
	for _, name := range builtin.Names() {
		cases = append(cases, graphCase{name + " (built-in)", func(t *testing.T) (*engine.Graph, []byte) {
			b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
			if err != nil {
				t.Fatal(err)
			}
			return fromFile(t, b)
		}})
	}
	if len(cases) < 3 {
		t.Fatalf("only %d models to test", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, file := c.load(t)
			x := randomInput(g.Inputs[0].Shape, 5)
			in := map[string]*engine.Tensor{g.Inputs[0].Name: x}
			want := shardtest.Whole(t, g, in)
			for _, count := range []int{2, 3} {
				// Each shard cuts its part from the whole graph, or (with
				// a file) reads only its part from the file.
				compilers := map[string]func(engine.Options) (*engine.Program, error){
					"from the graph": func(o engine.Options) (*engine.Program, error) { return engine.Compile(g, o) },
				}
				if file != nil {
					compilers["from the file's parts"] = func(o engine.Options) (*engine.Program, error) {
						p, _, err := modelfile.CompileShard(bytes.NewReader(file), int64(len(file)), o)
						return p, err
					}
				}
				for how, compile := range compilers {
					l := engine.NewLocalGather(count)
					progs := make([]*engine.Program, count)
					for i := range progs {
						var err error
						if progs[i], err = compile(engine.Options{Workers: 1, Shard: l.Shard(i)}); err != nil {
							t.Fatalf("%s: %v", how, err)
						}
					}
					shardtest.SameBits(t, fmt.Sprintf("%d shards %s", count, how), shardtest.Run(t, l, progs, in), want, g.Outputs[0])
				}
			}
		})
	}
}

// randomTwinFile returns the bytes of d's float32 twin model file with
// random weights (seed): conv and fc weights stored as float32.
func randomTwinFile(t testing.TB, d *Def, seed uint64) []byte {
	t.Helper()
	return encoded(t)(ConvertFloat32(d, d.RandomStateDict(seed), testMeta(d)))
}

// TestShardLoadMemory: a shard that reads its model file with
// modelfile.DecodeShard allocates about what it keeps (its part of the
// split weights, the tensors kept whole, the metadata), not the file:
// for ResNet-18 split in two, a little over half the file.
func TestShardLoadMemory(t *testing.T) {
	_, b := randomModelFile(t, mustArch(t, "resnet18", Config{Height: 64, Width: 64, Classes: 10}), 3)
	_, h, err := modelfile.ReadMeta(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	metaLen := int(h.MetaLen)
	for i := range 2 {
		opt := engine.Options{Workers: 1, Shard: engine.Shard{Index: i, Count: 2}}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, g, parts, err := modelfile.DecodeShard(bytes.NewReader(b), int64(len(b)), opt)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		var kept int
		for _, c := range g.Consts {
			if c.Int8 != nil {
				kept += len(c.Int8.Q) + 4*len(c.Int8.Scales)
			} else {
				kept += 4 * len(c.Data)
			}
		}
		alloc := int(after.TotalAlloc - before.TotalAlloc)
		t.Logf("shard %d of 2: file %d bytes, keeps %d (%d parts), allocated %d while loading", i, len(b), kept, len(parts), alloc)
		if kept > len(b)*6/10 {
			t.Errorf("shard %d of 2 keeps %d bytes of a %d-byte file", i, kept, len(b))
		}
		// Beyond what it keeps: the 1 MiB stream buffer, the whole scales
		// it checks, and the metadata with what parsing it costs.
		if limit := kept + 2<<20 + 16*metaLen; alloc > limit {
			t.Errorf("shard %d of 2 allocated %d bytes while loading, over %d (keeps %d, metadata %d)", i, alloc, limit, kept, metaLen)
		}
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
			nop := func([]engine.Gathered) error { return nil }
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
