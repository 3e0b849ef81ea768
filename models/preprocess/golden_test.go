package preprocess

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The golden data come from tools/pytorch/preprocess_golden.py (torchvision
// 0.14.1, PIL 9.4.0); see that script for what each case covers.

var dumpDecoded = flag.String("dump-decoded", "", "for tools/pytorch/preprocess_golden.py: decode the JPEGs listed in DIR/list.txt into DIR/NAME.png")

type goldenCase struct {
	Name            string            `json:"name"`
	Input           string            `json:"input"` // "testdata/..." or "shared:<path under ../shared/data>"
	Spec            string            `json:"spec"`  // "imagenet" | "cifar10"
	Kind            string            `json:"kind"`  // "exact" (lossless input) | "jpeg"
	Size            [2]int            `json:"size"`
	Want            map[string]string `json:"want"` // variant ("exact", "go", "pil") -> PNG
	GoDecodedSHA256 string            `json:"go_decoded_sha256"`
	Tensor          string            `json:"tensor"`
	TensorVariant   string            `json:"tensor_variant"`
}

var goldenSpecs = map[string]Spec{"imagenet": ImageNet(), "cifar10": CIFAR10()}

// sharedData returns ../shared/data next to the module root ("" if absent).
func sharedData() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(filepath.Dir(dir), "shared", "data")
			if _, err := os.Stat(d); err == nil {
				return d
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// inputPath resolves a manifest input; ok is false when it needs the shared
// data and that is absent.
func inputPath(in string) (path string, ok bool) {
	rest, shared := strings.CutPrefix(in, "shared:")
	if !shared {
		return in, true
	}
	d := sharedData()
	if d == "" {
		return "", false
	}
	return filepath.Join(d, rest), true
}

func decodeFile(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := Decode(f, 0)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// packedRGB returns the image's pixels as packed RGB through the same
// conversion the resampler uses.
func packedRGB(img image.Image) []uint8 {
	src := newRowSource(img)
	w, h := src.size()
	out := make([]uint8, 3*w*h)
	for y := range h {
		src.row(y, out[3*w*y:3*w*(y+1)])
	}
	return out
}

func toRGBA(img image.Image) *image.RGBA {
	src := newRowSource(img)
	w, h := src.size()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	line := make([]uint8, 3*w)
	for y := range h {
		src.row(y, line)
		for x := range w {
			copy(out.Pix[out.PixOffset(x, y):], []uint8{line[3*x], line[3*x+1], line[3*x+2], 255})
		}
	}
	return out
}

// TestDumpDecoded is a tool, not a test: the golden script uses it to get
// the pixels Go decodes from each JPEG.
func TestDumpDecoded(t *testing.T) {
	if *dumpDecoded == "" {
		t.Skip("only run by tools/pytorch/preprocess_golden.py (-dump-decoded DIR)")
	}
	f, err := os.Open(filepath.Join(*dumpDecoded, "list.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, path, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad list line %q", sc.Text())
		}
		out, err := os.Create(filepath.Join(*dumpDecoded, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(out, toRGBA(decodeFile(t, path))); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

type pixelDiff struct {
	max     int
	nonZero int
	sum     int
	n       int
}

func (d pixelDiff) mean() float64 { return float64(d.sum) / float64(d.n) }

func diffRGB(got *image.RGBA, want image.Image) (pixelDiff, bool) {
	if got.Bounds().Size() != want.Bounds().Size() {
		return pixelDiff{}, false
	}
	a, b := packedRGB(got), packedRGB(want)
	d := pixelDiff{n: len(a)}
	for i := range a {
		v := int(a[i]) - int(b[i])
		if v < 0 {
			v = -v
		}
		d.max = max(d.max, v)
		d.sum += v
		if v != 0 {
			d.nonZero++
		}
	}
	return d, true
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

func loadManifest(t *testing.T) []goldenCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/golden/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Cases []goldenCase }
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) == 0 {
		t.Fatal("golden manifest has no cases")
	}
	return m.Cases
}

// TestGolden compares Prepare and Apply with torchvision on the golden cases.
//
// Lossless inputs, and JPEGs given the pixels Go decodes, must match PIL's
// resize + crop exactly (the resampler is a reimplementation of PIL's fixed
// point arithmetic, not an approximation), and the tensors within 1e-6.
// Against torchvision end to end on a JPEG, the decoders differ; that
// difference is measured and bounded (see jpegMeanTolerance).
func TestGolden(t *testing.T) {
	var exactMax, tensorMax float64
	var pilMax int
	var pilMean float64
	for _, c := range loadManifest(t) {
		t.Run(c.Name, func(t *testing.T) {
			path, ok := inputPath(c.Input)
			if !ok {
				t.Skipf("needs %s: ../shared/data (the project's data directory) is absent", c.Input)
			}
			spec, ok := goldenSpecs[c.Spec]
			if !ok {
				t.Fatalf("unknown spec %q", c.Spec)
			}
			img := decodeFile(t, path)
			if got := img.Bounds().Size(); got != image.Pt(c.Size[0], c.Size[1]) {
				t.Fatalf("decoded size %v, torchvision saw %v", got, c.Size)
			}
			view, err := spec.Prepare(img)
			if err != nil {
				t.Fatal(err)
			}
			exactVariant := "exact"
			if c.Kind == "jpeg" {
				exactVariant = "go"
				sum := sha256.Sum256(packedRGB(img))
				if hex.EncodeToString(sum[:]) != c.GoDecodedSHA256 {
					t.Fatalf("Go's JPEG decoding of %s changed since the goldens were made; rerun tools/pytorch/preprocess_golden.py", path)
				}
			}
			d, ok := diffRGB(view, readPNG(t, c.Want[exactVariant]))
			if !ok {
				t.Fatalf("view size %v differs from torchvision's", view.Bounds().Size())
			}
			if d.max != 0 {
				t.Errorf("resize+crop differs from PIL: max %d, %d of %d values differ", d.max, d.nonZero, d.n)
			}
			exactMax = max(exactMax, float64(d.max))

			if c.Kind == "jpeg" {
				d, _ := diffRGB(view, readPNG(t, c.Want["pil"]))
				t.Logf("%s vs torchvision end to end (libjpeg decoding): max %d, mean %.3f levels, %.1f%% differ",
					c.Name, d.max, d.mean(), 100*float64(d.nonZero)/float64(d.n))
				if d.mean() > jpegMeanTolerance || d.max > jpegMaxTolerance {
					t.Errorf("difference to torchvision end to end: max %d (limit %d), mean %.3f (limit %v)",
						d.max, jpegMaxTolerance, d.mean(), jpegMeanTolerance)
				}
				pilMax = max(pilMax, d.max)
				pilMean = max(pilMean, d.mean())
			}

			if c.Tensor != "" {
				got, err := spec.Apply(img)
				if err != nil {
					t.Fatal(err)
				}
				want := readF32(t, c.Tensor)
				if len(got.Data) != len(want) || got.Shape[0] != 1 || got.Shape[1] != 3 || got.Shape[2] != spec.Crop || got.Shape[3] != spec.Crop {
					t.Fatalf("tensor shape %v (%d values), golden has %d", got.Shape, len(got.Data), len(want))
				}
				var m float64
				for i := range want {
					m = max(m, math.Abs(float64(got.Data[i]-want[i])))
				}
				if m > 1e-6 {
					t.Errorf("tensor differs from torchvision's by up to %g", m)
				}
				tensorMax = max(tensorMax, m)
			}
		})
	}
	t.Logf("max |Go - PIL| after resize+crop on identical pixels: %v levels; max tensor error %g", exactMax, tensorMax)
	t.Logf("JPEG end to end vs torchvision (decoder difference): worst max %d levels, worst mean %.3f", pilMax, pilMean)
}

// Bounds on the difference (in 8-bit levels) between Go's end-to-end view
// of a JPEG and torchvision's. Chroma upsampling and colour conversion follow
// libjpeg exactly (jpegcolor.go), but Go's IDCT rounds differently from
// libjpeg's islow IDCT, which moves a few percent of the decoded samples by
// one level. Measured on the goldens: at most 3 levels, mean at most 0.054
// (0.094 and 0.115 with two other seeds of the synthetic images, where a
// 3x9 JPEG is blown up to 224x224 and each decoded pixel covers ~1500
// outputs; the resampler stayed exact).
// Without the libjpeg colour path it was 55 and 3.7.
const (
	jpegMaxTolerance  = 4
	jpegMeanTolerance = 0.25
)

// TestGoldenNormalize checks Normalize against torch's ToTensor + Normalize
// for every byte value of every channel (tables from the golden script).
func TestGoldenNormalize(t *testing.T) {
	for name, spec := range goldenSpecs {
		table := readF32(t, "testdata/golden/normalize_"+name+".f32") // (3, 256)
		if len(table) != 3*256 {
			t.Fatalf("%s: table has %d values", name, len(table))
		}
		view := image.NewRGBA(image.Rect(0, 0, spec.Crop, spec.Crop))
		for i := range spec.Crop * spec.Crop {
			// Channels get different bytes so a channel mix-up shows.
			view.Pix[4*i], view.Pix[4*i+1], view.Pix[4*i+2], view.Pix[4*i+3] = uint8(i), uint8(i+85), uint8(i+170), 255
		}
		ten, err := spec.Normalize(view)
		if err != nil {
			t.Fatal(err)
		}
		plane := spec.Crop * spec.Crop
		var worst float64
		for c := range 3 {
			for i := range plane {
				b := view.Pix[4*i+c]
				worst = max(worst, math.Abs(float64(ten.Data[c*plane+i]-table[c*256+int(b)])))
			}
		}
		if worst > 1e-6 {
			t.Errorf("%s: Normalize differs from torch by up to %g", name, worst)
		}
		t.Logf("%s: max |Go - torch| over all byte values: %g", name, worst)
	}
}
