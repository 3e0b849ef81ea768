package builtin_test

import (
	"image"
	_ "image/jpeg"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"

	"convscope/engine"
	"convscope/models"
	"convscope/models/builtin"
)

// samplesDir holds the sample photos the app offers, seen from this
// package's directory.
var samplesDir = filepath.Join("..", "..", "..", "shared", "data", "samples")

// TestInt8InMemoryMatchesFloat: a model run with its weights int8 in memory
// (as LoadBytes keeps them) gives exactly the logits of the same graph with
// every weight dequantized to float32 beforehand (how models were run
// before), on the sample photos, for every built-in model: the same top-1
// and a probability cosine of 1 (issue 7 asks >= 0.999).
func TestInt8InMemoryMatchesFloat(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(samplesDir, "*.jpg"))
	if len(paths) == 0 {
		t.Skipf("no sample photos in %s (the shared data folder)", samplesDir)
	}
	var imgs []image.Image
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		imgs = append(imgs, img)
	}
	for _, name := range builtin.Names() {
		b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
		if err != nil {
			t.Fatal(err)
		}
		m, err := models.LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		g := m.Graph()
		fg := *g
		fg.Consts = map[string]*engine.Tensor{}
		int8s := 0
		for k, c := range g.Consts {
			if c.Int8 != nil {
				int8s++
			}
			fg.Consts[k] = c.Dequantized()
		}
		if int8s == 0 {
			t.Fatalf("%s: no int8 weights in the loaded graph", name)
		}
		fp, err := engine.Compile(&fg, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		qp, err := m.Program(engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, img := range imgs {
			x, err := m.Input(img)
			if err != nil {
				t.Fatal(err)
			}
			in := map[string]*engine.Tensor{g.Inputs[0].Name: x}
			qr, err := qp.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			fr, err := fp.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			q, f := qr.Outputs[g.Outputs[0]].Data, fr.Outputs[g.Outputs[0]].Data
			pq, pf := models.Softmax(q), models.Softmax(f)
			if top(pq) != top(pf) || cosine(pq, pf) < 0.999 {
				t.Fatalf("%s on %s: top-1 %d vs %d, cosine %v", name, paths[i], top(pq), top(pf), cosine(pq, pf))
			}
			for j := range q {
				if math.Float32bits(q[j]) != math.Float32bits(f[j]) {
					t.Fatalf("%s on %s: logit %d is %v with int8 weights in memory, %v with float32 weights", name, paths[i], j, q[j], f[j])
				}
			}
		}
		t.Logf("%s: %d int8 weight tensors, logits bit-identical on %d photos", name, int8s, len(imgs))
	}
}

func top(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}
