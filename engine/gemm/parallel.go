package gemm

import (
	"math"
	"runtime"
	"sync"

	"convscope/engine/internal/par"
)

// minWork is the number of multiply-adds below which Parallel runs on the
// calling goroutine: smaller products finish before goroutines pay off.
const minWork = 1 << 16

// minWorkPerWorker bounds the number of workers of one product: each gets
// at least this many multiply-adds (about 10 to 20 microseconds with the
// AVX-512 kernel), so that waking a thread, which can take tens of
// microseconds on a virtual machine, is not paid for a sliver of work.
const minWorkPerWorker = 1 << 19

// minStrip is the rows (or columns) of a granule of ParallelMatrix's
// split: each worker's ranges are whole granules but the product's last.
const minStrip = 64

// minRowStrip is the rows of a granule of a split by rows (a product
// taller than wide: ResNet-50's layer3 1x1s on 14x14 maps, 256 or 1024
// rows by 196 columns). Every row strip copies each of B's strips of 48
// columns again (CopyStrip48, kc x 48 values a KC slice) for its rows
// only, so a strip of 64 rows spends on those copies twice the share one
// of 128 does; with granules of 64 rows, a product of 256 rows was cut
// into strips of 128, 64 and 64 (par.ForGuided). Two workers,
// conv.Forward with int8 weights (as a model holds them) split this way
// and with granules of 64 rows taking turns call by call (a scratch
// test, each pair's order alternating), load 12-14, pairs the new split
// was faster in, and p50 ms old -> new: layer3.x.conv1 (1024 -> 256
// channels, 14x14) 191/300 1.283 -> 1.169, 187/300 1.204 -> 1.103;
// layer3.x.conv3 (256 -> 1024) 156/300 1.101 -> 1.074, 160/300 1.271 ->
// 1.240. Two equal strips on the first did the same (190/300, 189/300,
// 240/400).
const minRowStrip = 128

// Parallel computes the same product as Blocked(DefaultTiles, ...), split over
// up to workers goroutines (<= 1 means the caller's goroutine). The output is
// cut into disjoint column strips (or row strips when C is taller than
// wide), aligned to the micro-kernel's tile; each strip is computed the way
// the whole product would be (same path, same KC slices), so every element
// is summed in the same order and the result is bit-identical for any
// number of workers.
func Parallel(workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ParallelTiles(DefaultTiles, workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// ParallelTiles is Parallel with explicit tiles (and so micro-kernel).
func ParallelTiles(t Tiles, workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ParallelEpilogue(t, Epilogue{}, workers, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// ParallelEpilogue is ParallelTiles followed by ep on every element of C,
// fused into the product (ep.RowBias, when set, has m values). The result
// is bit-identical to running the epilogue as a separate pass.
func ParallelEpilogue(t Tiles, ep Epilogue, workers int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ParallelMatrix(t, ep, workers, transA, transB, m, n, k, alpha, Float(a, lda), Float(b, ldb), beta, c, ldc)
}

// ParallelMatrix is ParallelEpilogue with operands that may be int8 (see
// Matrix). With an int8 operand the result is bit-identical to the product
// of its dequantized float32 values, except for the batch-1 fc layer case
// of gemv (scales applied to the sum).
func ParallelMatrix(t Tiles, ep Epilogue, workers int, transA, transB bool, m, n, k int, alpha float32, a, b Matrix, beta float32, c []float32, ldc int) {
	if t.Kernel.Fn == nil {
		t.Kernel = Generic
	}
	mr, nr := t.Kernel.MR, t.Kernel.NR
	if a.Packed != nil && a.Packed.F != nil && a.Packed.usable(mr, max(t.KC, 1), k, transA) {
		a.packedF = a.Packed.F
	}
	if workers <= 1 || float64(m)*float64(n)*float64(k) < minWork || m == 1 && n < 2*nr {
		blocked(t, ep, transA, transB, m, n, k, alpha, a, b, beta, c, ldc)
		return
	}
	byCols := n >= m || m == 1
	total, unit := m, mr
	if byCols {
		total, unit = n, nr
	}
	units := (total + unit - 1) / unit
	w := min(workers, units, max(1, int(float64(m)*float64(n)*float64(k)/minWorkPerWorker)))
	if w <= 1 {
		blocked(t, ep, transA, transB, m, n, k, alpha, a, b, beta, c, ldc)
		return
	}
	// Strips run on the engine's pool of spinning helpers and on the
	// caller's goroutine, which would otherwise only wait: no goroutine
	// to start and no thread to wake per call (GoogLeNet makes about 60
	// calls per pass, most of them small). The output is cut into
	// granules of minStrip rows or columns, claimed in ranges of
	// decreasing size (par.ForGuided): each claim takes about half
	// (two workers) of what is left, at least minWorkPerWorker/4
	// multiply-adds, and is one product (each packs the whole of the
	// other operand again). The first ranges are large; the last, which
	// the caller waits for while a helper finishes its own, are a granule
	// or two. Four equal strips per worker before: the caller waited for
	// up to an eighth of the product whenever the helper started late or
	// was descheduled. Any cut gives the same bits (see Parallel).
	// ResNet-50, two workers, one process, passes alternating between
	// the two, 80-100 each, six rounds at load 4-7, median ms, equal
	// strips / guided: 63.20 62.58, 63.93 63.61, 65.28 64.35, 66.06 63.30,
	// 61.63 60.58, 59.66 58.46 (p25 60.38 59.99, 60.84 59.81, 61.83
	// 60.39, 63.48 61.59, 57.59 57.65, 57.79 55.94); ResNet-18 and
	// GoogLeNet unchanged within the noise (21.88 21.37, 20.76 21.20;
	// 21.48 22.23, 24.90 24.11).
	// Split by columns, every strip would dequantize the whole of a
	// prepacked A again: it is dequantized once here for all of them
	// (sharedA), unless it keeps its floats (PackedA.F). Not with one
	// thread (WebAssembly): one strip, and the whole A would be more
	// memory than a block of it.
	if byCols && a.packedF == nil && runtime.GOMAXPROCS(0) > 1 {
		if af := sharedA(t, transA, k, a); af != nil {
			defer sharedPool.Put(af)
			a.packedF = *af
		}
	}
	gu := max(1, minStrip/unit) // units of a granule
	if byCols && unit == 32 && t.Kernel.Tile48 != nil {
		// 96 columns: whole strips of 48 (Tile48) and of 32. A strip of
		// 64 would run one of 48 and a tail of 16.
		gu = 3
	}
	if !byCols && units >= 2*max(1, minRowStrip/unit) {
		// Row strips of at least minRowStrip rows where the product has
		// two of them or more.
		gu = max(1, minRowStrip/unit)
	}
	granules := (units + gu - 1) / gu
	perGranule := float64(m) * float64(n) * float64(k) * float64(gu) / float64(units)
	gmin := max(1, int(math.Ceil(minWorkPerWorker/4/perGranule)))
	par.ForGuided(w, granules, gmin, func(g0, g1 int) {
		lo, hi := g0*gu*unit, min(g1*gu*unit, total)
		if lo < hi {
			strip(t, ep, byCols, transA, transB, m, n, k, alpha, a, b, beta, c, ldc, lo, hi)
		}
	})
}

// strip computes the product's rows (byCols: columns) [lo, hi) the way
// the whole product would.
func strip(t Tiles, ep Epilogue, byCols, transA, transB bool, m, n, k int, alpha float32, a, b Matrix, beta float32, c []float32, ldc int, lo, hi int) {
	if byCols {
		var bs Matrix
		if transB {
			bs = b.Sub(lo, 0)
		} else {
			bs = b.Sub(0, lo)
		}
		sub := ep
		if sub.Add != nil {
			sub.Add = sub.Add[lo:]
		}
		blocked(t, sub, transA, transB, m, hi-lo, k, alpha, a, bs, beta, c[lo:], ldc)
		return
	}
	var as Matrix
	if transA {
		as = a.Sub(0, lo)
	} else {
		as = a.Sub(lo, 0)
	}
	// m > 1 here: each strip takes the packed path even when it
	// has a single row, as the whole product would.
	sub := ep
	if sub.RowBias != nil {
		sub.RowBias = sub.RowBias[lo:hi]
	}
	if sub.Add != nil {
		sub.Add = sub.Add[lo*ldc:]
	}
	packed(t, sub, transA, transB, hi-lo, n, k, alpha, as, b, beta, c[lo*ldc:], ldc)
}

// sharedA dequantizes a prepacked int8 A (a conv's weights) whole, in its
// packed layout, for the column strips of a product split by columns,
// which would each dequantize all of it again (packAPrepacked): with two
// workers a product takes about six strips (par.ForGuided). The values are
// packAPrepacked's, so the bits are the same. It returns nil when A is not
// prepacked for t (each strip packs A as before).
func sharedA(t Tiles, transA bool, k int, a Matrix) *[]float32 {
	kern := t.Kernel
	pa := a.Packed
	if !pa.usable(kern.MR, max(t.KC, 1), k, transA) || a.PackedRow != 0 {
		return nil
	}
	deq := kern.Dequant
	if deq == nil {
		deq = dequant4
	}
	mp := len(pa.Scales)
	af := sharedPool.Get().(*[]float32)
	*af = grow(*af, mp*k)
	for p0 := 0; p0 < k; p0 += pa.KC {
		kc := min(pa.KC, k-p0)
		packAPrepacked((*af)[p0*mp:], deq, pa, 0, 0, p0, mp, kc)
	}
	return af
}

var sharedPool = sync.Pool{New: func() any { return new([]float32) }}
