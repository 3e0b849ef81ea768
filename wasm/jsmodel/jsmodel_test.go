//go:build js && wasm

package jsmodel

import (
	"errors"
	"io"
	"io/fs"
	"syscall/js"
	"testing"

	"convscope/engine"
	"convscope/internal/shardtest"
	"convscope/models/builtin"
	"convscope/models/modelfile"
)

// jsBytes returns b copied into a new JavaScript Uint8Array.
func jsBytes(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func TestReaderAt(t *testing.T) {
	a := jsBytes([]byte("0123456789"))
	for _, v := range []js.Value{a, a.Get("buffer")} {
		r, err := NewReaderAt(v)
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, 4)
		if n, err := r.ReadAt(p, 3); n != 4 || err != nil || string(p) != "3456" {
			t.Errorf("ReadAt(4 at 3) = %d, %v, %q", n, err, p)
		}
		if n, err := r.ReadAt(p, 8); n != 2 || !errors.Is(err, io.EOF) || string(p[:2]) != "89" {
			t.Errorf("ReadAt(4 at 8) = %d, %v, %q", n, err, p[:n])
		}
		if _, err := r.ReadAt(p, 10); !errors.Is(err, io.EOF) {
			t.Errorf("ReadAt at the end: %v", err)
		}
	}
	if _, err := NewReaderAt(js.ValueOf("a string")); err == nil {
		t.Error("a string was taken for a model file")
	}
}

// TestCompileShard: the built-in models compiled as 2 shards from files
// held by JavaScript give every shard the bits of one program compiled
// from the whole file; a damaged file is refused.
func TestCompileShard(t *testing.T) {
	for _, name := range builtin.Names() {
		b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
		if err != nil {
			t.Fatal(err)
		}
		_, g, err := modelfile.DecodeGraph(b)
		if err != nil {
			t.Fatal(err)
		}
		in := shardtest.Input(g, 23)
		want := shardtest.Whole(t, g, in)
		file := jsBytes(b)
		l := engine.NewLocalGather(2)
		progs := make([]*engine.Program, 2)
		for i := range progs {
			p, m, err := CompileShard(file, engine.Options{Workers: 1, Shard: l.Shard(i)})
			if err != nil {
				t.Fatalf("%s: shard %d: %v", name, i, err)
			}
			if m.Outputs[0] != g.Outputs[0] {
				t.Fatalf("%s: metadata output %q, want %q", name, m.Outputs[0], g.Outputs[0])
			}
			progs[i] = p
		}
		shardtest.SameBits(t, name, shardtest.Run(t, l, progs, in), want, g.Outputs[0])
		bad := jsBytes(b)
		bad.SetIndex(len(b)-1, bad.Index(len(b)-1).Int()^1)
		if p, _, err := CompileShard(bad, engine.Options{Workers: 1, Shard: l.Shard(0)}); p != nil || !errors.Is(err, modelfile.ErrFormat) {
			t.Errorf("%s: damaged file: program %v, error %v", name, p, err)
		}
	}
}
