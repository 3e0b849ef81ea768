package modelfile_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"convscope/engine"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// tinyFile is a random-weights tinynet model file.
func tinyFile(t testing.TB) []byte {
	t.Helper()
	d, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	f, err := models.Convert(d, d.RandomStateDict(5), models.Meta{
		Name: "tiny", Dataset: labels.DatasetCIFAR10, Labels: labels.CIFAR10(),
		Preprocess: preprocess.Spec{Crop: 32, Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	b := tinyFile(t)
	f, err := modelfile.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Meta.Name != "tiny" || f.Meta.Arch != "tinynet" || len(f.Meta.Labels) != 10 || f.Meta.Preprocess.Crop != 32 {
		t.Errorf("metadata: %+v", f.Meta)
	}
	var int8s, f32s int
	for _, tn := range f.Tensors {
		switch tn.DType {
		case modelfile.Int8:
			int8s++
		case modelfile.Float32:
			f32s++
		}
	}
	// 7 conv/fc weights (conv1, two block convs, downsample, two mix
	// branches, fc), 7 float32 biases (4 folded batch norms, 2 conv biases, fc).
	if int8s != 7 || f32s != 7 {
		t.Errorf("%d int8 and %d float32 tensors, want 7 and 7", int8s, f32s)
	}
	again, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Error("re-encoding a decoded file changed its bytes")
	}
	g, err := modelfile.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Tensors) != len(f.Tensors) {
		t.Error("Read and Decode disagree")
	}
	// DecodeGraph gives the constants Decode + Graph give.
	meta, dg, err := modelfile.DecodeGraph(b)
	if err != nil || meta.Name != "tiny" {
		t.Fatalf("DecodeGraph: %v", err)
	}
	fg, err := f.Graph()
	if err != nil {
		t.Fatal(err)
	}
	if len(dg.Consts) != len(fg.Consts) || len(dg.Nodes) != len(fg.Nodes) {
		t.Errorf("DecodeGraph: %d consts, %d nodes; Graph: %d, %d", len(dg.Consts), len(dg.Nodes), len(fg.Consts), len(fg.Nodes))
	}
	int8s = 0
	for name, c := range fg.Consts {
		d := dg.Consts[name]
		if d == nil || !slices.Equal(d.Float32(), c.Float32()) || !slices.Equal(d.Shape, c.Shape) || (d.Int8 == nil) != (c.Int8 == nil) {
			t.Errorf("constant %s differs", name)
			continue
		}
		if d.Int8 == nil {
			continue
		}
		int8s++
		// The weights stay int8 and are the file's own bytes, not a copy.
		q := d.Int8.Q
		if q[0] != 0 {
			q[0] = -q[0]
		} else {
			q[0] = 1
		}
		if err := decodeErr(b); err == nil {
			t.Errorf("constant %s: changing it did not change the file's bytes", name)
		}
		q[0] = c.Int8.Q[0]
	}
	if int8s != 7 {
		t.Errorf("DecodeGraph: %d int8 constants, want 7", int8s)
	}
	m, h, err := modelfile.ReadMeta(bytes.NewReader(b))
	if err != nil || m.Name != "tiny" || h.Size() != int64(len(b)) {
		t.Errorf("ReadMeta: %v, %+v", err, h)
	}
}

// TestRefusesDamage truncates the file at every length and flips a bit in
// every region: each is refused with ErrFormat, by Decode and by Read.
func TestRefusesDamage(t *testing.T) {
	b := tinyFile(t)
	check := func(what string, bad []byte, want string) {
		t.Helper()
		_, err := modelfile.Decode(bad)
		_, rerr := modelfile.Read(bytes.NewReader(bad))
		_, _, gerr := modelfile.DecodeGraph(bad)
		_, _, _, serr := modelfile.DecodeShard(bytes.NewReader(bad), int64(len(bad)), shardOpt)
		for _, e := range []error{err, rerr, gerr, serr} {
			if !errors.Is(e, modelfile.ErrFormat) {
				t.Fatalf("%s: error %v, want ErrFormat", what, e)
			}
			if !strings.Contains(e.Error(), want) {
				t.Fatalf("%s: error %q does not say %q", what, e, want)
			}
		}
	}
	for _, n := range []int{0, 7, 63, 64, 65, len(b) / 2, len(b) - 1} {
		want := "truncated"
		if n < modelfile.HeaderSize {
			want = "shorter than"
		}
		check("truncated", b[:n], want)
	}
	check("trailing", append(slices.Clone(b), 0), "trailing")
	for _, off := range []int{40, 64, 100, len(b) / 2, len(b) - 1} {
		bad := slices.Clone(b)
		bad[off] ^= 1
		check("flipped", bad, "SHA-256 mismatch")
	}
	bad := slices.Clone(b)
	bad[0] = 'X'
	check("magic", bad, "bad magic")
	bad = slices.Clone(b)
	bad[8] = 2
	check("version", bad, "version 2")
	bad = slices.Clone(b)
	bad[16+7] = 0xff // metadata length 2^63: over the limit, refused before any read
	check("length", bad, "metadata length")
}

// TestReadHugeLengthSmallAlloc: a header announcing gigabytes followed by
// a few bytes must not make Read allocate gigabytes.
func TestReadHugeLengthSmallAlloc(t *testing.T) {
	b := slices.Clone(tinyFile(t)[:modelfile.HeaderSize+100])
	b[24+3] = 0x80 // data length += 2 GiB
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := modelfile.Read(bytes.NewReader(b))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, modelfile.ErrFormat) {
		t.Fatalf("error %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("Read allocated %d bytes for a %d-byte input", got, len(b))
	}
}

func TestWriteAtomic(t *testing.T) {
	b := tinyFile(t)
	f, err := modelfile.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.csm")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := modelfile.Write(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("file after Write differs (%v)", err)
	}
	if _, err := modelfile.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	// A failing write (the directory is gone) leaves nothing behind.
	missing := filepath.Join(dir, "nope", "x.csm")
	if err := modelfile.Write(missing, f); err == nil {
		t.Error("write into a missing directory succeeded")
	}
	// An encoding failure leaves the old file untouched and no temp file.
	f.Tensors = append(f.Tensors, f.Tensors[0]) // repeated name
	if err := modelfile.Write(path, f); err == nil {
		t.Error("encoding a repeated tensor name succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "tiny.csm" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only tiny.csm", names)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, b) {
		t.Error("a failed Write changed the existing file")
	}
}

// FuzzRead feeds arbitrary bytes to Decode, Read and ReadMeta: they may
// refuse them but must not panic, hang or allocate without bound, and a
// file they accept must re-encode and decode again. Each input is tried as
// is and with its checksum recomputed, so that mutations get past the
// SHA-256 into the metadata and tensor parsing.
func FuzzRead(f *testing.F) {
	b := tinyFile(f)
	f.Add(b)
	f.Add(b[:modelfile.HeaderSize])
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
		if len(data) >= modelfile.HeaderSize {
			fixed := slices.Clone(data)
			h := sha256.New()
			h.Write(fixed[:32])
			h.Write(fixed[modelfile.HeaderSize:])
			copy(fixed[32:modelfile.HeaderSize], h.Sum(nil))
			check(t, fixed)
		}
	})
}

func check(t *testing.T, data []byte) {
	_, _, _ = modelfile.ReadMeta(bytes.NewReader(data))
	mf, err := modelfile.Decode(data)
	_, rerr := modelfile.Read(io.MultiReader(bytes.NewReader(data)))
	_, _, gerr := modelfile.DecodeGraph(data)
	_, _, _, serr := modelfile.DecodeShard(bytes.NewReader(data), int64(len(data)), shardOpt)
	if (err == nil) != (rerr == nil) {
		t.Fatalf("Decode %v, Read %v", err, rerr)
	}
	if err != nil && (gerr == nil || serr == nil) {
		t.Fatalf("Decode refused (%v), DecodeGraph (%v) or DecodeShard (%v) accepted", err, gerr, serr)
	}
	if err != nil {
		if !errors.Is(err, modelfile.ErrFormat) {
			t.Fatalf("error does not wrap ErrFormat: %v", err)
		}
		return
	}
	if _, err := mf.Graph(); err != nil {
		return
	}
	out, err := modelfile.Encode(mf)
	if err != nil {
		return // e.g. a tensor the decoder accepts but the metadata cannot describe again
	}
	if _, err := modelfile.Decode(out); err != nil {
		t.Fatalf("decoding a re-encoded file: %v", err)
	}
}

// shardOpt makes DecodeShard read as the first of two shards.
var shardOpt = engine.Options{Shard: engine.Shard{Index: 0, Count: 2}}

// decodeErr decodes b and returns the error (a checksum mismatch once b
// was changed).
func decodeErr(b []byte) error {
	_, err := modelfile.Decode(b)
	return err
}
