//go:build fullsize

package importpth_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/models/importpth"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// TestFullSize is the full-size check of issue 3, run by hand (it needs
// several GB of memory and minutes of CPU, and the photos outside the
// repository):
//
//	/usr/bin/python3 tools/pytorch/make_fixtures.py fullsize
//	nice go test -tags fullsize -run FullSize -v -timeout 60m ./models/importpth
//
// For alexnet, vgg16, googlenet, resnet18 and resnet50 at 224x224 with the
// synthetic weights of make_fixtures.py (seed 11) it reports, over the
// photos of ../shared/data/samples:
//   - engine alone: the Go float32 engine on PyTorch's own preprocessed
//     input, max |logit error| against PyTorch;
//   - end to end: the Go preprocessing (package preprocess) then the Go
//     engine, float32 and int8: top-1 agreement with PyTorch, minimum
//     cosine of the probability vectors, max |logit error|.
func TestFullSize(t *testing.T) {
	samples := filepath.Join("..", "..", "..", "shared", "data", "samples")
	photos, _ := filepath.Glob(filepath.Join(samples, "*.jpg"))
	if len(photos) == 0 {
		t.Skipf("no photos in %s", samples)
	}
	sort.Strings(photos)
	pyInputs := filepath.Join(os.TempDir(), "convscope-fullsize")
	spec := preprocess.ImageNet()
	goInputs := map[string]*engine.Tensor{}
	for _, p := range photos {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := preprocess.Decode(f, 0)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		x, err := spec.Apply(img)
		if err != nil {
			t.Fatal(err)
		}
		goInputs[filepath.Base(p)] = x
		if px := readF32(filepath.Join(pyInputs, filepath.Base(p)+".f32")); px != nil {
			var d float64
			for i := range px {
				d = max(d, math.Abs(float64(px[i]-x.Data[i])))
			}
			t.Logf("preprocess %s: max |Go - PyTorch| %.4f (normalised units)", filepath.Base(p), d)
		}
	}
	for _, arch := range []string{"alexnet", "vgg16", "googlenet", "resnet18", "resnet50"} {
		t.Run(arch, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "testdata", "fullsize", arch+".json"))
			if err != nil {
				t.Skipf("%v (run tools/pytorch/make_fixtures.py fullsize)", err)
			}
			var g struct {
				Seed   int                  `json:"seed"`
				Logits map[string][]float32 `json:"logits"`
			}
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatal(err)
			}
			def, err := models.Arch(arch)
			if err != nil {
				t.Fatal(err)
			}
			sd := synthStateDict(def, g.Seed)
			ref, err := def.Graph(sd)
			if err != nil {
				t.Fatal(err)
			}
			f, err := models.Convert(def, sd, models.Meta{Name: arch, Dataset: "imagenet", Labels: labels.ImageNet(), Preprocess: spec})
			if err != nil {
				t.Fatal(err)
			}
			enc, err := modelfile.Encode(f)
			if err != nil {
				t.Fatal(err)
			}
			f, sd = nil, nil
			m, err := models.LoadBytes(enc)
			if err != nil {
				t.Fatal(err)
			}
			pf, err := engine.Compile(ref, engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			pq, err := m.Program(engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var engineErr, engineRel, e2eErr, e2eRel float64
			minCos, minCosQ := 1.0, 1.0
			agree, agreeQ, n := 0, 0, 0
			for photo, x := range goInputs {
				want := g.Logits[photo]
				if want == nil {
					t.Fatalf("no PyTorch logits for %s", photo)
				}
				n++
				if px := readF32(filepath.Join(pyInputs, photo+".f32")); px != nil {
					got := runProgram(t, pf, &engine.Tensor{Shape: []int{1, 3, 224, 224}, Data: px})
					engineErr = max(engineErr, maxAbsDiff(got, want))
					engineRel = max(engineRel, maxAbsDiff(got, want)/maxAbs(want))
				}
				got := runProgram(t, pf, x)
				q := runProgram(t, pq, x)
				e2eErr = max(e2eErr, maxAbsDiff(got, want))
				e2eRel = max(e2eRel, maxAbsDiff(got, want)/maxAbs(want))
				pw, pg, pqq := models.Softmax(want), models.Softmax(got), models.Softmax(q)
				minCos, minCosQ = min(minCos, cosine(pw, pg)), min(minCosQ, cosine(pw, pqq))
				top := models.TopK(pw, nil, 1)[0].Index
				if models.TopK(pg, nil, 1)[0].Index == top {
					agree++
				}
				if models.TopK(pqq, nil, 1)[0].Index == top {
					agreeQ++
				}
			}
			t.Logf("%s: engine alone (PyTorch's input): max |logit error| %.3g (%.2g of max |logit|)", arch, engineErr, engineRel)
			t.Logf("%s: Go preprocess + float32: top-1 %d/%d, min cosine %.6f, max |logit error| %.3g (%.2g of max |logit|)", arch, agree, n, minCos, e2eErr, e2eRel)
			t.Logf("%s: Go preprocess + int8 (%.1f MB): top-1 %d/%d, min cosine %.6f", arch, float64(len(enc))/(1<<20), agreeQ, n, minCosQ)
		})
	}
}

func runProgram(t *testing.T, p *engine.Program, x *engine.Tensor) []float32 {
	t.Helper()
	res, err := p.Run(map[string]*engine.Tensor{models.InputName: x})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Outputs {
		return v.Data
	}
	t.Fatal("no output")
	return nil
}

// readF32 reads a raw little-endian float32 file, or returns nil.
func readF32(path string) []float32 {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func maxAbs(a []float32) float64 {
	var m float64
	for _, v := range a {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

// TestFullSizeCheckpoints reads real-size checkpoints written by
// make_fixtures.py fullsize (vgg16 in the legacy container, like the
// published vgg16-397923af.pth; resnet18 in the zip container) and checks
// every value against the synthetic weights torch saved.
func TestFullSizeCheckpoints(t *testing.T) {
	for file, arch := range map[string]string{"vgg16_legacy.pth": "vgg16", "resnet18_zip.pth": "resnet18"} {
		t.Run(arch, func(t *testing.T) {
			path := filepath.Join(os.TempDir(), "convscope-fullsize", file)
			st, err := os.Stat(path)
			if err != nil {
				t.Skipf("%v (run tools/pytorch/make_fixtures.py fullsize)", err)
			}
			start := time.Now()
			raw, err := importpth.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			read := time.Since(start)
			def, err := models.Arch(arch)
			if err != nil {
				t.Fatal(err)
			}
			sd, err := importpth.Match(def, raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range def.Params() {
				want := synthParam(11, p.Name, p.Shape)
				for i, v := range want.Data {
					if sd[p.Name].Data[i] != v {
						t.Fatalf("%s[%d] = %v, torch saved %v", p.Name, i, sd[p.Name].Data[i], v)
					}
				}
			}
			t.Logf("%s: %.0f MB read in %v, %d tensors, every value equal to what torch saved", file, float64(st.Size())/(1<<20), read.Round(time.Millisecond), len(sd))
		})
	}
}
