package models

import (
	"io/fs"
	"math"
	"testing"

	"convscope/engine"
	"convscope/models/builtin"
	"convscope/models/modelfile"
)

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
		d := mustArch(t, arch, Config{Height: 64, Width: 64, Classes: 10})
		sd := d.RandomStateDict(3)
		g, err := d.Graph(sd)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, graphCase{arch + " float32", g})
		f, err := Convert(d, sd, testMeta(d))
		if err != nil {
			t.Fatal(err)
		}
		b, err := modelfile.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		_, gq, err := modelfile.DecodeGraph(b)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, graphCase{arch + " int8", gq})
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
