// Package shardtest is the common part of the tests that compile a model
// file's shards (engine.Shard) through a loader (models/modelfile's
// DecodeShard from an io.ReaderAt, wasm/jsmodel's from a JavaScript
// array): run the whole graph once, run the shards on the same input, and
// hold every shard's output to the whole program's bits.
package shardtest

import (
	"fmt"
	"math"
	"testing"

	"convscope/engine"
)

// Input is g's first input, with shape and name as g declares it, filled
// with the ramp i%mod / (mod/2) - 1.
func Input(g *engine.Graph, mod int) map[string]*engine.Tensor {
	x, err := engine.NewTensor(g.Inputs[0].Shape...)
	if err != nil {
		panic(fmt.Sprintf("shardtest: input shape %v: %v", g.Inputs[0].Shape, err))
	}
	for i := range x.Data {
		x.Data[i] = float32(i%mod)/float32(mod/2) - 1
	}
	return map[string]*engine.Tensor{g.Inputs[0].Name: x}
}

// Whole compiles g on one worker, unsplit, and runs it on in: the result
// every shard must reproduce.
func Whole(t testing.TB, g *engine.Graph, in map[string]*engine.Tensor) *engine.Result {
	t.Helper()
	one, err := engine.Compile(g, engine.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := one.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// Run runs progs on in: one program alone, or the shards of l together.
func Run(t testing.TB, l *engine.LocalGather, progs []*engine.Program, in map[string]*engine.Tensor) []*engine.Result {
	t.Helper()
	if len(progs) == 1 {
		r, err := progs[0].Run(in)
		if err != nil {
			t.Fatal(err)
		}
		return []*engine.Result{r}
	}
	res, err := engine.RunShards(l, progs, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// SameBits fails unless output out of every result holds want's float32
// bits; what names the case in the message.
func SameBits(t testing.TB, what string, res []*engine.Result, want *engine.Result, out string) {
	t.Helper()
	w := want.Outputs[out].Data
	for i, r := range res {
		got := r.Outputs[out].Data
		if len(got) != len(w) {
			t.Fatalf("%s: shard %d: %d values of %s, want %d", what, i, len(got), out, len(w))
		}
		for j := range w {
			if math.Float32bits(got[j]) != math.Float32bits(w[j]) {
				t.Fatalf("%s: shard %d output %d is %v, want %v (bit for bit)", what, i, j, got[j], w[j])
			}
		}
	}
}
