package session

import (
	"fmt"

	"convscope/engine"
	"convscope/models"
)

// MemoryBudget is the WebAssembly memory the app lets one model take by
// default, summed over all its workers: issue 7's row for VGG16 in the
// browser (300 MB). A Load that asks for a worker count still gets it.
const MemoryBudget = 300 << 20

// Footprint is the estimated peak WebAssembly memory of each worker of a
// model split over len(Workers) workers: [0] is the engine worker (the
// session's program), the others its helpers.
type Footprint struct {
	Workers []int64
}

// Total is the sum over the workers.
func (f Footprint) Total() int64 {
	var t int64
	for _, b := range f.Workers {
		t += b
	}
	return t
}

// scratchBytes is what a worker's run needs besides its activations, the
// term of EstimateFootprint that the engine does not plan: conv's im2col
// chunk (colBudget, 4 MiB), the Winograd blocks and GEMM packing buffers
// (a few hundred KiB each), the input.
const scratchBytes = 8 << 20

// EstimateFootprint estimates each worker's peak WebAssembly memory for m,
// of a model file of fileBytes, split over n workers (engine.Shard's
// split; n = 1: not split). The engine says what each worker's program
// holds (engine.PlanFootprint, from the constants' shapes, before any
// weight is read, and with WebAssembly's layouts also when run natively),
// and a worker holds, at the peak of a run:
//
//   - weights: the engine worker keeps the whole model file (its share of
//     the weights are views of it, see compilePart); a helper holds what
//     its program keeps (Footprint.Weights: its slices of the split
//     weights, the constants no shard cuts whole), plus half of it again.
//     That half is fitted to the measured peaks, not derived: a helper's
//     peak came out above the sum of the other terms by about half its
//     slice (session 6: VGG16 66 MB of 67, AlexNet 18 of 29, ResNet-50 11
//     of 12). It is not the load's buffers: the helper reads the file
//     from JavaScript (jsmodel) and DecodeShard copies each part straight
//     into its own slice through one small buffer. What it is was not
//     measured apart (Compile's copies of the int8 constants a shard keeps
//     whole, the Go heap's growth while the parts arrive), and the engine
//     plans neither, so it stays a fitted term;
//   - what Compile lays out from the conv weights (Footprint.Derived: the
//     int8 panels, the Winograd kernels WebAssembly keeps);
//   - the peak of the memory plan's live activations (every worker
//     computes whole layer outputs: each gathers the others' channels);
//   - scratchBytes;
//   - the engine worker only: the maps of every layer that shows them,
//     kept between runs for display: 8-bit (one byte a value), or float32
//     for a model whose maps are quantized when viewed (mapsBytes).
//
// The sum is then scaled by 1 + models.GCPercent/100: the Go heap grows
// that far above what is live before a collection, and a WebAssembly memory
// never shrinks. The estimate is meant to choose a worker count, not to
// predict megabytes: TestEstimateFootprint holds it within a quarter of
// the peaks `bench -browser -app` measured (random weights, 224x224,
// session 6). Under MemoryBudget, VGG16 then runs on one worker and the
// other ImageNet networks split over 2 to 4.
// Options.Keep (the values the session keeps) is not passed: the session
// hands kept values back as the run goes (engine.RunOptions.Consume) and
// keeps only their maps, counted above.
func EstimateFootprint(m *models.Model, fileBytes int64, n int) (Footprint, error) {
	if n < 1 {
		return Footprint{}, fmt.Errorf("estimate for %d workers", n)
	}
	g := m.Graph()
	shapes, err := engine.InferShapes(g)
	if err != nil {
		return Footprint{}, err
	}
	maps := mapsBytes(shownValues(m.Meta.Layers, shapes))
	infos := constInfos(g)
	scale := 1 + float64(models.GCPercent)/100
	f := Footprint{Workers: make([]int64, n)}
	for i := range n {
		var opt engine.Options
		if n > 1 {
			opt.Shard = engine.Shard{Index: i, Count: n}
		}
		fp, err := engine.PlanFootprint(g, infos, opt, true)
		if err != nil {
			return Footprint{}, err
		}
		b := fp.DerivedBytes() + fp.Activations + scratchBytes
		if i == 0 {
			b += fileBytes + maps
		} else {
			b += fp.Weights + fp.Weights/2 // the load's overlap, above
		}
		f.Workers[i] = int64(float64(b) * scale)
	}
	return f, nil
}

func elements(shape []int) int {
	if len(shape) == 0 {
		return 0
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// DefaultWorkers returns how many workers to split m over by default: the
// most, up to limit (the cores the browser reports, capped), whose
// estimated footprint (EstimateFootprint) stays within budget in all; one
// when even two would not. It returns the footprint of that count too.
func DefaultWorkers(m *models.Model, fileBytes int64, limit int, budget int64) (int, Footprint, error) {
	best, err := EstimateFootprint(m, fileBytes, 1)
	if err != nil {
		return 0, Footprint{}, err
	}
	n := 1
	for k := 2; k <= limit; k++ {
		f, err := EstimateFootprint(m, fileBytes, k)
		if err != nil {
			return 0, Footprint{}, err
		}
		if f.Total() > budget {
			break
		}
		n, best = k, f
	}
	return n, best, nil
}
