package modelfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"convscope/engine"
	"convscope/internal/shardtest"
	"convscope/models/modelfile"
)

// splitFile is a model file with every way DecodeShard cuts a weight: a
// float32 conv weight (rows), an int8 Gemm weight stored (out, in) (rows,
// scales along them), an int8 Gemm weight stored (in, out) (columns,
// scales along them: axis 1) and a float32 one (columns), with a conv too
// narrow to split and the biases kept whole.
func splitFile(t testing.TB) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(4, 2))
	f := &modelfile.File{Meta: modelfile.Meta{
		Name: "split", Arch: "onnx", Dataset: "test",
		Inputs:  []modelfile.ValueInfo{{Name: "x", Shape: []int{1, 3, 2, 2}}},
		Outputs: []string{"y"},
	}}
	add := func(name string, int8Axis int, shape ...int) string {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		et, err := engine.FromData(v, shape...)
		if err != nil {
			t.Fatal(err)
		}
		var mt *modelfile.Tensor
		if int8Axis < 0 {
			mt, err = modelfile.FromFloat32(name, et)
		} else {
			mt, err = modelfile.QuantizeInt8(name, et, int8Axis)
		}
		if err != nil {
			t.Fatal(err)
		}
		f.Tensors = append(f.Tensors, mt)
		return name
	}
	node := func(name string, op engine.OpKind, params any, out string, in ...string) {
		f.Meta.Nodes = append(f.Meta.Nodes, &modelfile.Node{Name: name, Op: op, Params: params, Inputs: in, Outputs: []string{out}})
	}
	// 2x2 maps: too few output rows for engine's row split (bands of two
	// rows, one per shard), so c0 is split by output channels, which is
	// what this file is for.
	pad := &engine.ConvParams{Pads: [4]int{1, 1, 1, 1}, Relu: true}
	node("c0", engine.OpConv, pad, "a0", "x", add("w0", -1, 40, 3, 3, 3), add("b0", -1, 40))
	node("c1", engine.OpConv, pad, "a1", "a0", add("w1", 0, 8, 40, 3, 3), add("b1", -1, 8)) // narrow: whole
	node("fl", engine.OpFlatten, &engine.FlattenParams{Axis: 1}, "a2", "a1")
	node("g1", engine.OpGemm, &engine.GemmParams{Alpha: 1, Beta: 1, TransB: true}, "a3", "a2", add("w2", 0, 48, 32), add("b2", -1, 48))
	node("g2", engine.OpGemm, &engine.GemmParams{Alpha: 1, Beta: 1}, "a4", "a3", add("w3", 1, 48, 40), add("b3", -1, 40))
	node("g3", engine.OpGemm, &engine.GemmParams{Alpha: 1, Beta: 1}, "y", "a4", add("w4", -1, 40, 33))
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeShard: shards compiled by CompileShard from a file (each
// holding only its rows or columns of the split weights) give every shard
// the bits of one program compiled from the whole file, and hold no more
// than their parts.
func TestDecodeShard(t *testing.T) {
	b := splitFile(t)
	_, g, err := modelfile.DecodeGraph(b)
	if err != nil {
		t.Fatal(err)
	}
	in := shardtest.Input(g, 17)
	want := shardtest.Whole(t, g, in)
	for _, count := range []int{1, 2, 3} {
		l := engine.NewLocalGather(count)
		progs := make([]*engine.Program, count)
		for i := range progs {
			opt := engine.Options{Workers: 1, Shard: l.Shard(i)}
			m, sg, parts, err := modelfile.DecodeShard(bytes.NewReader(b), int64(len(b)), opt)
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != "split" || len(sg.Nodes) != len(g.Nodes) {
				t.Fatalf("metadata %q, %d nodes", m.Name, len(sg.Nodes))
			}
			// What this shard holds of each split weight is its part.
			for name, whole := range g.Consts {
				pt, isPart := parts[name]
				got := sg.Consts[name]
				switch {
				case !isPart:
					if got == nil || got.Len() != whole.Len() {
						t.Errorf("%d shards, shard %d: %s not whole", count, i, name)
					}
				case pt.Hi == pt.Lo:
					if got != nil {
						t.Errorf("%d shards, shard %d: %s held for an empty part", count, i, name)
					}
				default:
					if got.Len()*pt.Shape[pt.Axis] != whole.Len()*(pt.Hi-pt.Lo) {
						t.Errorf("%d shards, shard %d: %s holds %d values for [%d, %d) of %v", count, i, name, got.Len(), pt.Lo, pt.Hi, pt.Shape)
					}
				}
			}
			if wantParts := []string{"w0", "w2", "w3", "w4"}; count > 1 && !slices.Equal(sortedKeys(parts), wantParts) {
				t.Errorf("%d shards, shard %d: parts %v, want %v", count, i, sortedKeys(parts), wantParts)
			}
			if count == 1 {
				opt.Shard = engine.Shard{}
			}
			if progs[i], _, err = modelfile.CompileShard(bytes.NewReader(b), int64(len(b)), opt); err != nil {
				t.Fatal(err)
			}
		}
		shardtest.SameBits(t, fmt.Sprintf("%d shards", count), shardtest.Run(t, l, progs, in), want, "y")
	}
}

func sortedKeys(m map[string]engine.Part) []string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}

// failingReader fails every read past a point, as a source whose storage
// goes away might.
type failingReader struct {
	b   []byte
	at  int64
	err error
}

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.at {
		return 0, f.err
	}
	return copy(p, f.b[off:]), nil
}

// TestDecodeShardRefuses: a damaged file is refused by DecodeShard as by
// Decode (TestRefusesDamage runs the same cases through both), here on a
// file it would split: the checksum over header and content is checked
// although the shard keeps only some of the bytes, and nothing is
// compiled. An error of the source is returned as it is.
func TestDecodeShardRefuses(t *testing.T) {
	b := splitFile(t)
	opt := engine.Options{Workers: 1, Shard: engine.Shard{Index: 1, Count: 2, Gather: func([]engine.Gathered) error { return nil }}}
	for _, c := range []struct {
		what string
		bad  []byte
		want string
	}{
		{"truncated", b[:len(b)-1], "truncated"},
		{"header only", b[:modelfile.HeaderSize], "truncated"},
		{"short", b[:10], "shorter than"},
		{"flipped weight of the other shard", flip(b, len(b)-200), "SHA-256 mismatch"},
		{"flipped metadata", flip(b, modelfile.HeaderSize+5), "SHA-256 mismatch"},
		{"flipped length", flip(b, 24), "truncated"},
		{"wrong checksum", flip(b, 40), "SHA-256 mismatch"},
		{"trailing", append(slices.Clone(b), 0), "trailing"},
	} {
		p, _, err := modelfile.CompileShard(bytes.NewReader(c.bad), int64(len(c.bad)), opt)
		if p != nil || !errors.Is(err, modelfile.ErrFormat) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: program %v, error %v, want ErrFormat saying %q", c.what, p, err, c.want)
		}
	}
	// A file whose size lies (the source ends early).
	if _, _, _, err := modelfile.DecodeShard(bytes.NewReader(b[:len(b)-10]), int64(len(b)), opt); !errors.Is(err, modelfile.ErrFormat) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("source shorter than its size: %v", err)
	}
	boom := errors.New("storage gone")
	if _, _, _, err := modelfile.DecodeShard(failingReader{b, int64(len(b)) / 2, boom}, int64(len(b)), opt); !errors.Is(err, boom) {
		t.Errorf("failing source: %v", err)
	}
}

// flip returns b with one bit of byte off flipped.
func flip(b []byte, off int) []byte {
	c := slices.Clone(b)
	c[off] ^= 1
	return c
}
