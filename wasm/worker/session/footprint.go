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

// The terms of EstimateFootprint that are not read off the graph.
const (
	// scratchBytes is what a worker's run needs besides its activations:
	// conv's im2col chunk (colBudget, 4 MiB), the Winograd blocks and GEMM
	// packing buffers (a few hundred KiB each), the input.
	scratchBytes = 8 << 20
	// winogradKeepMC is conv's wasmKeepWinogradMC: in WebAssembly a conv
	// that takes Winograd keeps its transformed kernels (float32, 16 per
	// 3x3 kernel) only when its output channels times input channels are
	// at most this.
	winogradKeepMC = 384 * 256
)

// EstimateFootprint estimates each worker's peak WebAssembly memory for m,
// of a model file of fileBytes, split over n workers (engine.Shard's
// output-channel split; n = 1: not split). A worker holds, at the peak of
// a run:
//
//   - weights: the engine worker keeps the whole model file (its share of
//     the weights are views of it, see compilePart); a helper holds its
//     slice only, as engine.ShardParts cuts it, and the constants no
//     shard cuts whole (int8 at 1 byte a value and its scales, float32 at
//     4), plus half of it again (measured, not derived: a helper's peak
//     came out above the sum of the other terms by about half its slice,
//     VGG16 66 MB of 67, AlexNet 18 of 29, ResNet-50 11 of 12; the
//     decoded parts and the program's layouts of them overlap while it
//     compiles);
//   - what Compile derives from its conv weights: a conv that runs as a
//     GEMM keeps one more int8 copy, packed (prepack.go); one that takes
//     Winograd in WebAssembly (3x3, stride 1, no groups, 16 channels or
//     more in and out, 13x13 outputs or more, and M*C at most
//     winogradKeepMC) keeps its transformed kernels instead, float32 at
//     16/9 of the count;
//   - activations: every worker computes whole layer outputs (each shard
//     gathers the others' channels), so each holds the peak of the live
//     float32 values of a run, walking the graph in order and freeing a
//     value after its last reader, as the engine's memory plan does;
//   - scratchBytes;
//   - the engine worker only: the 8-bit maps of every layer that shows
//     them (one byte a value), kept between runs for display.
//
// The sum is then scaled by 1 + models.GCPercent/100: the Go heap grows
// that far above what is live before a collection, and a WebAssembly memory
// never shrinks. The estimate is meant to choose a worker count, not to
// predict megabytes: against the peaks `bench -browser -app` measured
// (random weights, 224x224, session 6), it gives VGG16 254 MB on one
// worker (measured 289) and 254 + 179 on two (268 + 201), AlexNet 104
// (108) and 95 + 76 (96 + 67), ResNet-50 137 (142) and 113 + 74 (116 + 74)
// (TestEstimateFootprint). Under MemoryBudget, VGG16 then runs on one
// worker and the other ImageNet networks split over 2 to 4. The layouts
// it mirrors are the engine's as of this writing (engine/prepack.go,
// conv's Winograd rule); should they change, the figures drift, not the
// mechanism.
// Options.Keep (the values the session keeps) is not passed: it changes
// which nodes fuse, not the sizes that matter here.
func EstimateFootprint(m *models.Model, fileBytes int64, n int) (Footprint, error) {
	if n < 1 {
		return Footprint{}, fmt.Errorf("estimate for %d workers", n)
	}
	g := m.Graph()
	shapes, err := engine.InferShapes(g)
	if err != nil {
		return Footprint{}, err
	}
	acts := liveActivationBytes(g, shapes)
	var maps int64
	seen := map[string]bool{}
	for _, l := range m.Meta.Layers {
		sh := shapes[l.Value]
		if seen[l.Value] || (len(sh) != 4 && len(sh) != 2) {
			continue
		}
		seen[l.Value] = true
		maps += int64(elements(sh) / sh[0])
	}
	infos := constInfos(g)
	scale := 1 + float64(models.GCPercent)/100
	f := Footprint{Workers: make([]int64, n)}
	for i := range n {
		var parts map[string]engine.Part
		if n > 1 {
			parts, err = engine.ShardParts(g, infos, engine.Options{Shard: engine.Shard{Index: i, Count: n}})
			if err != nil {
				return Footprint{}, err
			}
		}
		// rows is how many of a constant's rows (axis-0 slices) shard i
		// holds; columns cut along axis 1 are counted by their share.
		share := func(name string) (num, den int) {
			pt, ok := parts[name]
			if !ok {
				return 1, 1
			}
			whole := pt.Shape[pt.Axis]
			return pt.Hi - pt.Lo, whole
		}
		var weights, derived int64
		for name, c := range g.Consts {
			num, den := share(name)
			vals := int64(elements(c.Shape)) * int64(num) / int64(den)
			if c.Int8 != nil {
				weights += vals + 4*int64(c.Shape[c.Int8.Axis])*int64(num)/int64(den)
			} else {
				weights += 4 * vals
			}
		}
		for _, nd := range g.Nodes {
			if nd.Op != engine.OpConv || len(nd.Inputs) < 2 {
				continue
			}
			w := g.Consts[nd.Inputs[1]]
			if w == nil || w.Int8 == nil || len(w.Shape) != 4 {
				continue
			}
			num, den := share(nd.Inputs[1])
			rows := w.Shape[0] * num / den
			derived += convDerivedBytes(nd, w.Shape, rows, shapes)
		}
		b := derived + acts + scratchBytes
		if i == 0 {
			b += fileBytes + maps
		} else {
			b += weights + weights/2 // the load's overlap, above
		}
		f.Workers[i] = int64(float64(b) * scale)
	}
	return f, nil
}

// convDerivedBytes is what Compile keeps besides the int8 weights of conv
// node n (weights of shape ws, of which this shard computes rows output
// channels): see EstimateFootprint.
func convDerivedBytes(n *engine.Node, ws []int, rows int, shapes map[string][]int) int64 {
	p, _ := n.Params.(*engine.ConvParams)
	if p == nil || rows == 0 {
		return 0
	}
	perRow := int64(ws[1] * ws[2] * ws[3])
	if p.Group != 1 {
		return 0 // grouped and depthwise convs read the weights as they are
	}
	in, out := shapes[n.Inputs[0]], shapes[n.Outputs[0]]
	winograd := p.Kernel == [2]int{3, 3} && p.Strides == [2]int{1, 1} && p.Dilations == [2]int{1, 1} &&
		len(in) == 4 && len(out) == 4 && in[1] >= 16 && rows >= 16 && out[2]*out[3] >= 169
	switch {
	case winograd && rows*in[1] <= winogradKeepMC:
		return int64(rows) * perRow / 9 * 16 * 4
	case winograd:
		return 0 // transformed on every call
	}
	return int64(rows) * perRow
}

// liveActivationBytes is the peak, over a run of g in node order, of the
// float32 values alive at once: the graph's inputs and every node output
// from its making to its last reader (the graph's outputs to the end).
func liveActivationBytes(g *engine.Graph, shapes map[string][]int) int64 {
	last := map[string]int{}
	for i, n := range g.Nodes {
		for _, v := range n.Inputs {
			last[v] = i
		}
	}
	for _, o := range g.Outputs {
		last[o] = len(g.Nodes)
	}
	size := func(v string) int64 { return 4 * int64(elements(shapes[v])) }
	var live, peak int64
	for _, in := range g.Inputs {
		live += size(in.Name)
	}
	freed := map[string]bool{}
	free := func(v string) {
		if v != "" && g.Consts[v] == nil && !freed[v] {
			freed[v] = true
			live -= size(v)
		}
	}
	for i, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o != "" {
				live += size(o)
			}
		}
		peak = max(peak, live)
		for _, v := range n.Inputs {
			if last[v] == i {
				free(v)
			}
		}
		for _, o := range n.Outputs {
			if _, read := last[o]; !read {
				free(o) // made but never read
			}
		}
	}
	return peak
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
