package builtin_test

import (
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/models/builtin"
	"convscope/models/preprocess"
)

// testDir is the CIFAR-10 test split the recorded accuracies were measured
// on (`go run . eval -model NAME ../shared/data/cifar10/test`), seen from
// this package's directory.
var testDir = filepath.Join("..", "..", "..", "shared", "data", "cifar10", "test")

// wantBuiltins are the models ConvScope ships (train/README.md), sorted:
// one per CIFAR-10 architecture of models/cifar.go.
var wantBuiltins = []string{"alexnet_cifar", "googlenet_cifar", "plain20_cifar", "resnet20_cifar", "vgg_cifar"}

// maxDrift is how far a re-measured top-1 may be from the recorded one, in
// points. The engine is deterministic, so a larger gap means the engine,
// the preprocessing or the file changed what the model computes.
const maxDrift = 0.3

func TestBuiltinsPresent(t *testing.T) {
	names := builtin.Names()
	if fmt.Sprint(names) != fmt.Sprint(wantBuiltins) {
		t.Fatalf("built-in models %v, want %v", names, wantBuiltins)
	}
	var total int64
	for _, name := range names {
		st, err := fs.Stat(builtin.FS(), name+builtin.Ext)
		if err != nil {
			t.Fatal(err)
		}
		total += st.Size()
		if st.Size() > 2<<20 {
			t.Errorf("%s: %d bytes, more than 2 MB", name, st.Size())
		}
	}
	if total > 6<<20 {
		t.Errorf("built-in models total %d bytes, more than 6 MB", total)
	}
}

// image of the test split with its label index.
type sample struct {
	img   image.Image
	label int
	path  string
}

// loadTestSplit decodes every image of testDir once, labelled by the
// position of its directory name in labels.
func loadTestSplit(t *testing.T, labels []string) []sample {
	if _, err := os.Stat(testDir); err != nil {
		t.Skipf("CIFAR-10 test split not found at %s (%v): cannot re-measure the built-in models", testDir, err)
	}
	var out []sample
	for i, l := range labels {
		files, err := filepath.Glob(filepath.Join(testDir, l, "*"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(files)
		for _, p := range files {
			out = append(out, sample{label: i, path: p})
		}
	}
	if len(out) == 0 {
		t.Skipf("no images under %s", testDir)
	}
	errs := make([]error, len(out))
	forEach(len(out), func(i int) {
		f, err := os.Open(out[i].path)
		if err != nil {
			errs[i] = err
			return
		}
		out[i].img, errs[i] = preprocess.Decode(f, 1<<20)
		f.Close()
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", out[i].path, err)
		}
	}
	return out
}

// top1 classifies every sample on all cores (one program, one kernel
// thread per image, as `eval` does) and returns the percentage correct.
func top1(t *testing.T, m *models.Model, samples []sample) float64 {
	prog, err := m.Program(engine.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		correct int
		first   error
	)
	forEach(len(samples), func(i int) {
		p, err := m.ClassifyWith(prog, samples[i].img, 1)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			first = cmpErr(first, fmt.Errorf("%s: %w", samples[i].path, err))
		} else if p[0].Index == samples[i].label {
			correct++
		}
	})
	if first != nil {
		t.Fatal(first)
	}
	return 100 * float64(correct) / float64(len(samples))
}

// forEach calls f(i) for every i in [0, n) on one goroutine per core: the
// images are independent, and that is how `eval` runs them.
func forEach(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// TestBuiltinAccuracy re-measures every built-in model on the CIFAR-10 test
// split and compares it with the top-1 recorded in the model file (the
// first accuracy entry, which the catalog shows). One subtest per model:
// -run 'TestBuiltinAccuracy/resnet20_cifar' checks one.
func TestBuiltinAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: re-measuring the built-in models classifies 8,000 images per model")
	}
	var samples []sample
	for _, name := range builtin.Names() {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
			if err != nil {
				t.Fatal(err)
			}
			m, err := models.LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Meta.Accuracy) == 0 {
				t.Fatal("no recorded accuracy")
			}
			rec := m.Meta.Accuracy[0]
			if samples == nil {
				samples = loadTestSplit(t, m.Meta.Labels)
			}
			start := time.Now()
			got := top1(t, m, samples)
			t.Logf("top-1 %.2f%% on %d images (recorded %.2f%%, %s) in %.1fs",
				got, len(samples), rec.Top1, rec.Source, time.Since(start).Seconds())
			if d := got - rec.Top1; d > maxDrift || d < -maxDrift {
				t.Errorf("top-1 %.2f%%, recorded %.2f%%: off by %.2f points (limit %.1f)", got, rec.Top1, d, maxDrift)
			}
		})
	}
}
