package session

import (
	"runtime"
	"testing"
)

// TestEstimateFootprint checks the estimate against the peaks `bench
// -browser -app -archs alexnet,resnet50,vgg16 -threads 1,2
// -explain=false` measured (session 14, after WebAssembly's F(4x4)
// Winograd kernels, 99418b8, which hold 36 values a 3x3 kernel where
// F(2x2)'s held 16: random weights, dog.jpg; engine worker and helper, MB)
// within a quarter, and the default worker count it gives on a 2-core
// machine under MemoryBudget: VGG16 on one worker (two measured 425 MB),
// the others split. On 4 cores each still gets at least 2 but VGG16.
func TestEstimateFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("converts the ImageNet networks (VGG16: 138 M weights); skipped in -short mode")
	}
	if runtime.GOARCH == "wasm" {
		t.Skip("the estimate counts WebAssembly's layouts whatever the build (engine.PlanFootprint), so it is checked natively; converting VGG16's 138 M random weights in Node would take minutes of CI")
	}
	for _, c := range []struct {
		arch     string
		measured [][]int64 // MB by worker, for 1 and 2 workers; nil: not measured
		want2    int       // default count with 2 cores
	}{
		{"vgg16", [][]int64{{283}, {244, 181}}, 1},
		{"alexnet", [][]int64{{120}, {104, 72}}, 2},
		{"resnet50", [][]int64{{167}, {137, 94}}, 2},
		{"googlenet", nil, 2},
	} {
		t.Run(c.arch, func(t *testing.T) {
			b, m := randomModel(t, c.arch) // 224x224, as bench -browser -app
			size := int64(len(b))
			for n := 1; n <= 4; n++ {
				f, err := EstimateFootprint(m, size, n)
				if err != nil {
					t.Fatal(err)
				}
				mb := make([]int64, n)
				for i, b := range f.Workers {
					mb[i] = b >> 20
				}
				t.Logf("%s (file %d MB) on %d workers: %v MB, %d in all", c.arch, size>>20, n, mb, f.Total()>>20)
				if n <= len(c.measured) {
					for i, want := range c.measured[n-1] {
						if got := mb[i]; got < want*3/4 || got > want*5/4 {
							t.Errorf("%d workers, worker %d: estimated %d MB, measured %d", n, i, got, want)
						}
					}
				}
				for i := 2; i < n; i++ {
					if f.Workers[i] != f.Workers[1] && (f.Workers[i]-f.Workers[1])*10 > f.Workers[1] {
						t.Errorf("helpers differ by more than a tenth: %v", mb)
					}
				}
			}
			got, f, err := DefaultWorkers(m, size, 2, MemoryBudget)
			if err != nil || got != c.want2 {
				t.Errorf("default on 2 cores: %d workers (%v, %d MB), want %d", got, err, f.Total()>>20, c.want2)
			}
			if got, _, _ := DefaultWorkers(m, size, 4, MemoryBudget); (c.want2 == 1) != (got == 1) {
				t.Errorf("default on 4 cores: %d workers", got)
			}
		})
	}
}

// TestDefaultWorkers: the budget decides, the limit caps, and one worker
// is the floor.
func TestDefaultWorkers(t *testing.T) {
	b, m := builtinModel(t, "resnet20_cifar")
	size := int64(len(b))
	one, err := EstimateFootprint(m, size, 1)
	if err != nil {
		t.Fatal(err)
	}
	three, err := EstimateFootprint(m, size, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(three.Workers) != 3 || three.Workers[1] >= three.Workers[0] || three.Total() <= one.Total() {
		t.Errorf("one worker %v, three %v: want helpers smaller than the engine worker and more in all", one.Workers, three.Workers)
	}
	for _, c := range []struct {
		limit  int
		budget int64
		want   int
	}{
		{4, 1 << 40, 4},
		{3, 1 << 40, 3},
		{1, 1 << 40, 1},
		{4, 0, 1},
		{4, three.Total(), 3},
		{4, three.Total() - 1, 2},
	} {
		got, f, err := DefaultWorkers(m, size, c.limit, c.budget)
		if err != nil || got != c.want || len(f.Workers) != got {
			t.Errorf("limit %d, budget %d: %d workers (%v, footprint %v), want %d", c.limit, c.budget, got, err, f.Workers, c.want)
		}
	}
	if _, err := EstimateFootprint(m, size, 0); err == nil {
		t.Error("an estimate for 0 workers")
	}
}
