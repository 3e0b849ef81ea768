package importpth

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlpodyssey/gopickle/pytorch"
)

// fixtureDir holds checkpoints written by tools/pytorch/make_fixtures.py unit.
const fixtureDir = "../testdata/pth"

type expectedTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func loadExpected(t *testing.T) map[string]expectedTensor {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string]expectedTensor
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

// TestReadFixtures checks both containers against the values PyTorch
// printed: views with strides and offsets, float16, float64, int64 scalars.
func TestReadFixtures(t *testing.T) {
	exp := loadExpected(t)
	for _, name := range []string{"tensors_zip.pth", "tensors_legacy.pth"} {
		t.Run(name, func(t *testing.T) {
			sd, err := ReadFile(filepath.Join(fixtureDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if len(sd) != len(exp) {
				t.Errorf("%d tensors, want %d", len(sd), len(exp))
			}
			for k, e := range exp {
				got, ok := sd[k]
				if !ok {
					t.Errorf("%s missing", k)
					continue
				}
				if !equalInts(got.Shape, e.Shape) {
					t.Errorf("%s: shape %v, want %v", k, got.Shape, e.Shape)
					continue
				}
				if len(got.Data) != len(e.Data) {
					t.Errorf("%s: %d values, want %d", k, len(got.Data), len(e.Data))
					continue
				}
				for i, v := range e.Data {
					// float32(v) is exact for float32/float16/int sources;
					// float64 sources round to nearest like PyTorch's .float().
					if got.Data[i] != float32(v) {
						t.Errorf("%s[%d] = %v, want %v", k, i, got.Data[i], float32(v))
						break
					}
				}
			}
		})
	}
}

func TestReadWrapped(t *testing.T) {
	sd, err := ReadFile(filepath.Join(fixtureDir, "wrapped_zip.pth"))
	if err != nil {
		t.Fatal(err)
	}
	exp := loadExpected(t)["conv.weight"]
	w := sd["w"]
	if len(sd) != 1 || w == nil || !equalInts(w.Shape, exp.Shape) || w.Data[5] != float32(exp.Data[5]) {
		t.Fatalf("wrapped state_dict: got %d tensors, w=%v", len(sd), w)
	}
}

// TestAgreesWithGopickle checks that this reader and gopickle's own
// pytorch.Load decode the contiguous float32 tensors of the fixtures to the
// same values (gopickle does not materialise views; it hands back storage,
// offset and strides, which is what we compare against).
func TestAgreesWithGopickle(t *testing.T) {
	for _, name := range []string{"tensors_zip.pth", "tensors_legacy.pth"} {
		path := filepath.Join(fixtureDir, name)
		ref, err := pytorch.Load(path)
		if err != nil {
			t.Fatalf("%s: gopickle: %v", name, err)
		}
		sd, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		od, ok := dictEntries(ref)
		if !ok {
			t.Fatalf("gopickle returned %T", ref)
		}
		checked := 0
		for _, e := range od {
			rt := e.value.(*pytorch.Tensor)
			fs, ok := rt.Source.(*pytorch.FloatStorage)
			if !ok {
				continue
			}
			got := sd[e.key]
			// Element i of the view is storage[offset + sum(idx*stride)].
			idx := make([]int, len(rt.Size))
			for i := range got.Data {
				src := rt.StorageOffset
				for d := range idx {
					src += idx[d] * rt.Stride[d]
				}
				if got.Data[i] != fs.Data[src] {
					t.Fatalf("%s %s[%d]: %v, gopickle %v", name, e.key, i, got.Data[i], fs.Data[src])
				}
				for d := len(idx) - 1; d >= 0; d-- {
					if idx[d]++; idx[d] < rt.Size[d] {
						break
					}
					idx[d] = 0
				}
			}
			checked++
		}
		if checked < 3 {
			t.Errorf("%s: compared only %d float32 tensors", name, checked)
		}
	}
}

// TestTruncated cuts the fixtures at every length: each cut must be an
// error (never a panic, never a partial state_dict).
func TestTruncated(t *testing.T) {
	for _, name := range []string{"tensors_zip.pth", "tensors_legacy.pth"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(b) {
			if sd, err := Read(bytes.NewReader(b[:n]), int64(n)); err == nil {
				t.Fatalf("%s cut to %d bytes: no error, %d tensors", name, n, len(sd))
			}
		}
	}
}

func TestReadErrors(t *testing.T) {
	zipFile, err := os.ReadFile(filepath.Join(fixtureDir, "tensors_zip.pth"))
	if err != nil {
		t.Fatal(err)
	}
	// Flip one byte of the first storage record: the zip CRC catches it.
	tampered := bytes.Clone(zipFile)
	i := bytes.Index(tampered, []byte("tensors_zip/data/0"))
	tampered[i+len("tensors_zip/data/0")+40] ^= 0x55
	tar := make([]byte, 1024)
	copy(tar[257:], "ustar")
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a PyTorch checkpoint"},
		{"text", []byte("hello, world"), "not a PyTorch checkpoint"},
		{"tar", tar, "tar checkpoints"},
		{"crc", tampered, "checksum"},
		{"zip without pickle", zipWith(t, "x/other", "abc"), "without ARCHIVE/data.pkl"},
		{"torchscript", zipWith(t, "m/data.pkl", "\x80\x02}q\x00.", "m/constants.pkl", "x"), "TorchScript"},
		{"not a dict", zipWith(t, "m/data.pkl", "\x80\x02K\x07."), "not a state_dict"},
		{"huge string", zipWith(t, "m/data.pkl", "\x80\x02X\xff\xff\xff\x7f."), "past the end"},
		{"huge frame", zipWith(t, "m/data.pkl", "\x80\x04\x95\xff\xff\xff\xff\xff\x00\x00\x00."), "runs past the end"},
		{"bad opcode", zipWith(t, "m/data.pkl", "\x80\x02\xff."), "unknown opcode"},
	} {
		_, err := Read(bytes.NewReader(c.data), int64(len(c.data)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestHalfToFloat(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x0001, 1.0 / (1 << 24)}, {0x8001, -1.0 / (1 << 24)},
		{0x03ff, 1023.0 / (1 << 24)}, {0x7bff, 65504}, {0x0000, 0},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := halfToFloat(c.h); got != c.want {
			t.Errorf("halfToFloat(%#04x) = %v, want %v", c.h, got, c.want)
		}
	}
	if got := halfToFloat(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("halfToFloat(NaN) = %v", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
