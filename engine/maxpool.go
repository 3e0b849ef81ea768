package engine

import (
	"convscope/engine/internal/vec"
	"math"
	"sync"

	"convscope/engine/internal/par"
)

// MaxPool: the maximum over each (dilated) window; padded cells never win.
// Uses PoolParams (CountIncludePad is ignored).

func init() {
	register(OpMaxPool, opImpl{
		newParams: func() any { return new(PoolParams) },
		infer:     inferPool,
		run:       runMaxPool,
	})
}

// runMaxPool computes the pool separably, one plane at a time: first, for
// every output row, the maximum of its window's input rows, element by
// element (vm, OH x W), then, along vm taken as one long row, the maximum of
// every run of kw consecutive values (hm), from which each output takes its
// window's. Go's max on floats is associative and commutative, including
// for NaN (any NaN wins) and signed zeros (+0 wins), so this gives exactly
// the bits of the maximum over the window taken tap by tap (maxPoolWindow,
// the reference; only which NaN comes out of a window holding several may
// differ). Both steps are vec.Max over long contiguous runs (four lanes at a
// time in WebAssembly, a few calls per plane: GoogLeNet's pools are on maps
// of 7 to 28 columns, where a call per row cost more than its work);
// windows that cross the border (padding) or are dilated along the row are
// taken tap by tap from vm. Planes (n, c) are split over the workers.
func runMaxPool(x *execCtx, n *Node, in, out []*Tensor) error {
	p, err := poolParams(n)
	if err != nil {
		return err
	}
	g, err := resolvePool(p, in[0].Shape)
	if err != nil {
		return err
	}
	maxPoolInto(&g, in[0].Data, out[0].Data, x.workers)
	return nil
}

// maxPoolInto pools the g.n*g.c planes src (g.h x g.w each) into dst
// (g.oh x g.ow each), as runMaxPool describes. The split engine also
// pools a band of rows through it (shardpool.go, runConvPool): g is then
// the band's own map.
func maxPoolInto(g *poolGeom, src, dst []float32, workers int) {
	planes := g.n * g.c
	// One worker below 256K input values (GoogLeNet's inception pools and
	// its maxpool4): a pool does little arithmetic per value it reads, and
	// split by planes each worker reads planes the other core wrote, so
	// that two workers made GoogLeNet's small pools slower, not faster
	// (TestLayerProfile, 2-worker program, its 14 pools: 2.30-2.45 ms
	// split, 1.55-1.69 on one worker, 1.08-1.15 in the 1-worker program).
	// The stem pools (64x112x112 in, ResNet's and GoogLeNet's maxpool1)
	// and GoogLeNet's maxpool2-3 (192x56x56, 480x28x28) do gain: two
	// workers, medians of 31 passes, one worker on them / split: ResNet-18
	// maxpool 0.56 0.50 0.47 / 0.27 0.29 0.28 ms; GoogLeNet maxpool1 0.50
	// 0.48 / 0.30 0.29, maxpool2 0.39 0.40 / 0.25 0.22, maxpool3 0.24 0.18
	// / 0.13 0.17.
	if planes*g.h*g.w < 1<<18 {
		workers = 1
	}
	// WebAssembly SIMD: all of a worker's planes in one call, a row at a
	// time through a scratch row (vec.MaxPool3x3S1W, vec.MaxPool3x3S2P1,
	// vec.MaxPool2x2S2 for VGG's pools).
	// The long-map paths below spent most of their time in scalar fixes
	// of every plane's border rows and every row's border columns on the
	// CIFAR-10 networks' 8- to 32-wide maps.
	if same3x3(g) && vec.MaxPool3x3S1Wasm(g.w) {
		par.For(workers, planes, func(lo, hi int) {
			buf := poolScratch(g.w + 2)
			defer scratchPool.Put(buf)
			vec.MaxPool3x3S1W(dst[lo*g.h*g.w:hi*g.h*g.w], src[lo*g.h*g.w:hi*g.h*g.w], *buf, hi-lo, g.h, g.w)
		})
		return
	}
	if s2x3(g) && vec.MaxPool3x3S2Wasm(g.h, g.w, g.oh, g.ow, g.pt, g.pl) {
		par.For(workers, planes, func(lo, hi int) {
			buf := poolScratch(g.w + 2)
			defer scratchPool.Put(buf)
			vec.MaxPool3x3S2P1(dst[lo*g.oh*g.ow:hi*g.oh*g.ow], src[lo*g.h*g.w:hi*g.h*g.w], *buf, hi-lo, g.h, g.w)
		})
		return
	}
	if g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 &&
		vec.MaxPool2x2S2Wasm(g.h, g.w, g.oh, g.ow, g.pt, g.pl) {
		par.For(workers, planes, func(lo, hi int) {
			buf := poolScratch(g.w + 2)
			defer scratchPool.Put(buf)
			vec.MaxPool2x2S2(dst[lo*g.oh*g.ow:hi*g.oh*g.ow], src[lo*g.h*g.w:hi*g.h*g.w], *buf, hi-lo, g.h, g.w)
		})
		return
	}
	if same3x3(g) && vec.MaxPoolVector() {
		par.For(workers, planes, func(lo, hi int) {
			vec.MaxPool3x3S1(dst[lo*g.h*g.w:hi*g.h*g.w], src[lo*g.h*g.w:hi*g.h*g.w], hi-lo, g.h, g.w)
		})
		return
	}
	if same3x3(g) {
		par.For(workers, planes, func(lo, hi int) {
			// Groups of planes of about 16K values: few calls, and vm
			// stays in L2.
			group := max(1, (1<<14)/(g.h*g.w))
			buf := poolScratch(min(group, hi-lo) * g.h * g.w)
			defer scratchPool.Put(buf)
			vm := *buf
			for m := lo; m < hi; m += group {
				k := min(group, hi-m)
				maxPool3x3Same(g.h, g.w, src[m*g.h*g.w:(m+k)*g.h*g.w], dst[m*g.h*g.w:(m+k)*g.h*g.w], vm[:k*g.h*g.w])
			}
		})
		return
	}
	if s2k(g) && vec.MaxPoolVector() {
		par.For(workers, planes, func(lo, hi int) {
			buf := poolScratch(vec.MaxPoolS2Scratch(g.ow))
			defer scratchPool.Put(buf)
			vec.MaxPoolS2(dst[lo*g.oh*g.ow:hi*g.oh*g.ow], src[lo*g.h*g.w:hi*g.h*g.w], *buf,
				hi-lo, g.h, g.w, g.oh, g.ow, g.pt, g.pl, g.kh)
		})
		return
	}
	if s2x3(g) && vec.MaxS2Vector() {
		par.For(workers, planes, func(lo, hi int) {
			buf := poolScratch(2*g.ow + 1)
			defer scratchPool.Put(buf)
			for m := lo; m < hi; m++ {
				maxPoolS2(g, src[m*g.h*g.w:(m+1)*g.h*g.w], dst[m*g.oh*g.ow:(m+1)*g.oh*g.ow], *buf)
			}
		})
		return
	}
	if (g.sh > 1 || g.sw > 1) && g.dh == 1 && g.dw == 1 && g.h*g.w <= 1024 {
		hp, wp := (g.oh-1)*g.sh+g.kh, (g.ow-1)*g.sw+g.kw
		par.For(workers, planes, func(lo, hi int) {
			group := max(1, (1<<14)/(hp*wp))
			k := min(group, hi-lo)
			buf := poolScratch(2 * k * hp * wp)
			defer scratchPool.Put(buf)
			pm, vm := (*buf)[:k*hp*wp], (*buf)[k*hp*wp:]
			for m := lo; m < hi; m += group {
				k := min(group, hi-m)
				maxPoolStrided(g, src[m*g.h*g.w:(m+k)*g.h*g.w], dst[m*g.oh*g.ow:(m+k)*g.oh*g.ow], pm[:k*hp*wp], vm[:k*hp*wp])
			}
		})
		return
	}
	par.For(workers, planes, func(lo, hi int) {
		buf := make([]float32, 2*g.oh*g.w)
		for m := lo; m < hi; m++ {
			maxPoolPlane(g, src[m*g.h*g.w:(m+1)*g.h*g.w], dst[m*g.oh*g.ow:(m+1)*g.oh*g.ow], buf[:g.oh*g.w], buf[g.oh*g.w:])
		}
	})
}

// scratchPool holds the pools' scratch buffers (*[]float32) across runs
// rather than making them per call: made per call, maxPoolStrided's two
// buffers (up to 128 KiB) made the collector run during passes, and in
// that build every pool of GoogLeNet slowed, even the inception pools
// (0.1 -> 0.35 ms each).
var scratchPool = sync.Pool{New: func() any { return new([]float32) }}

// poolScratch returns a buffer of scratchPool holding at least n values
// (its contents are garbage); put it back when done.
func poolScratch(n int) *[]float32 {
	b := scratchPool.Get().(*[]float32)
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return b
}

// same3x3 reports whether g is a 3x3 pool with stride 1 and one cell of
// padding on every side (output H x W): GoogLeNet's nine inception pools,
// which maxPool3x3Same runs over many planes at once (natively with
// AVX-512, vec.MaxPool3x3S1: a row at a time in registers, no scalar
// border columns).
func same3x3(g *poolGeom) bool {
	return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
		g.pt == 1 && g.pl == 1 && g.pb == 1 && g.pr == 1 && g.oh == g.h && g.ow == g.w && g.h >= 2 && g.w >= 2
}

// maxPool3x3Same pools consecutive (h, w) planes src into dst (same size)
// with a 3x3 window, stride 1 and padding 1, using vm (len(src)): the
// planes are taken as one long map, so each step is one vec.Max call over
// all of them (GoogLeNet's pools are on 7x7 to 28x28 maps, where calls per
// plane or row cost more than the work), then the rows and columns where
// that long map crosses a plane's or a row's edge are redone with their
// two taps. The taps of every window are those of maxPoolWindow.
func maxPool3x3Same(h, w int, src, dst, vm []float32) {
	n := len(src)
	// vm: the maximum of the rows above, at and below each row.
	vec.Max3(vm[w:n-w], src[:n-2*w], src[w:n-w], src[2*w:])
	for top := 0; top < n; top += h * w {
		bot := top + (h-1)*w
		vec.Max(vm[top:top+w], src[top:top+w], src[top+w:top+2*w])
		vec.Max(vm[bot:bot+w], src[bot-w:bot], src[bot:bot+w])
	}
	// dst: the maximum of vm left of, at and right of each cell.
	vec.Max3(dst[1:n-1], vm[:n-2], vm[1:n-1], vm[2:])
	for r := 0; r < n; r += w {
		dst[r] = vec.Maxf(vm[r], vm[r+1])
		dst[r+w-1] = vec.Maxf(vm[r+w-2], vm[r+w-1])
	}
}

// s2x3 reports whether g is a 3x3 pool with stride 2 and no dilation (any
// padding, floor or ceil mode): the first pools of ResNet and GoogLeNet,
// which maxPoolS2 runs.
func s2x3(g *poolGeom) bool {
	return g.kh == 3 && g.kw == 3 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1
}

// s2k reports whether g is a 2x2 or 3x3 pool with stride 2, no dilation
// and less padding on the left than the kernel (any padding on the top and
// after the input, floor or ceil mode), which vec.MaxPoolS2 runs: the pools
// of ResNet's stem and GoogLeNet's maxpool1-4. All of a worker's planes
// go in one call, the row loops and the vector kernel in one function,
// where maxPoolS2's two calls per output row (Max3 and MaxS2) and
// maxPoolStrided's scalar copies and picks took most of the time
// (BenchmarkMaxPool, one worker, cpu-us, see the commit). maxPoolS2 keeps
// 3x3 pools with more padding on the left.
func s2k(g *poolGeom) bool {
	return g.kh == g.kw && (g.kh == 2 || g.kh == 3) && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1 &&
		g.pl < g.kw && g.pt >= 0
}

// maxPoolS2 pools one plane src into dst for a pool s2x3 accepts, where
// MaxS2 is a vector loop (natively with AVX-512; in WebAssembly the other
// paths stay, see vec.MaxS2Vector), using vp
// (2*OW+1 values: the padded columns every window of a row lies in). For
// each output row, vp holds the maximum of its window's input rows (Max3,
// or fewer rows at the border) between -Inf in the padding, and MaxS2 takes
// every output's three columns from it at stride 2. The general path
// (maxPoolPlane) reduced every column position of every row, twice the
// windows stride 2 needs, then picked every other one value by value:
// ResNet's maxpool (64 planes of 112x112) took 0.41-0.43 ms on one thread
// where onnxruntime-node takes 0.10 (BenchmarkMaxPool, one worker, cpu-us
// at load 9-10, before -> after: ResNet's 456-463 -> 210-233, GoogLeNet's
// maxpool1 393-473 -> 174-224, maxpool2 503-506 -> 189-201; on maxpool3's
// 28x28 planes, against maxPoolStrided, 284 -> 194-219, on maxpool4's
// 14x14 the same, 149-175 against 151-168). max(-Inf, v) is v for every v, NaN and
// -0 included, so the bits are maxPoolWindow's; so is -Inf for a window
// with no tap inside the input.
func maxPoolS2(g *poolGeom, src, dst, vp []float32) {
	wp := 2*g.ow + 1
	vp = vp[:wp]
	// vp[lo:hi] are input columns 0.. hi-lo-1; columns past them are in
	// no window (floor mode).
	lo := min(wp, g.pl)
	hi := min(wp, g.pl+g.w)
	negInf := float32(math.Inf(-1))
	for i := range vp[:lo] {
		vp[i] = negInf
	}
	for i := hi; i < wp; i++ {
		vp[i] = negInf
	}
	row := vp[lo:hi]
	n := hi - lo
	for oy := 0; oy < g.oh; oy++ {
		var rows [3][]float32
		k := 0
		for y := oy*2 - g.pt; y < oy*2-g.pt+3; y++ {
			if y >= 0 && y < g.h {
				rows[k] = src[y*g.w : y*g.w+n]
				k++
			}
		}
		switch k {
		case 3:
			vec.Max3(row, rows[0], rows[1], rows[2])
		case 2:
			vec.Max(row, rows[0], rows[1])
		case 1:
			copy(row, rows[0])
		default:
			for i := range row {
				row[i] = negInf
			}
		}
		vec.MaxS2(dst[oy*g.ow:(oy+1)*g.ow], vp)
	}
}

// maxPoolStrided pools consecutive planes src into dst for a pool with a
// stride above 1 and no dilation on small planes (GoogLeNet's 14x14 and
// 28x28 stride-2 pools, AlexNet's 27x27 and 13x13), using pm and vm (planes * hp * wp each, hp x wp the
// padded map every window lies in). Each plane is copied into pm with -Inf
// in the padding and in ceil mode's extra cells: max(-Inf, v) is v for
// every v, NaN and -0 included, and a window with no tap inside the input
// gives -Inf, as maxPoolWindow. Then the planes are taken as one long map,
// as maxPool3x3Same does: the rows of every window are reduced in one call
// at every row (vm), the columns in one call at every column (back into
// pm), and each output picks its window's value. That reduces twice as
// many rows and columns as stride 2 needs, in a few long calls per group
// instead of a call per output row and plane (whose 28- or 14-value rows
// end in scalar tails), and no window is taken tap by tap. Fastest of 300
// calls, one worker: GoogLeNet's maxpool4 (832 planes of 14x14) 244-250 ->
// 165-173 us, maxpool3 (480 of 28x28) 310-319 -> 304-313; on maxpool1's
// 112x112 planes the doubled work lost (315-336 -> 525-542 us), hence the
// limit of 1024 values a plane. onnxruntime-node takes 15 and 35 us.
func maxPoolStrided(g *poolGeom, src, dst, pm, vm []float32) {
	hp, wp := (g.oh-1)*g.sh+g.kh, (g.ow-1)*g.sw+g.kw
	planes := len(src) / (g.h * g.w)
	negInf := float32(math.Inf(-1))
	// Input rows and columns past hp-pt or wp-pl are in no window (floor
	// mode).
	rows, cols := min(g.h, hp-g.pt), min(g.w, wp-g.pl)
	for m := 0; m < planes; m++ {
		p := pm[m*hp*wp : (m+1)*hp*wp]
		s := src[m*g.h*g.w:]
		for r := 0; r < hp; r++ {
			row := p[r*wp : (r+1)*wp]
			y := r - g.pt
			if y < 0 || y >= rows {
				for i := range row {
					row[i] = negInf
				}
				continue
			}
			for i := 0; i < g.pl; i++ {
				row[i] = negInf
			}
			copy(row[g.pl:g.pl+cols], s[y*g.w:y*g.w+cols])
			for i := g.pl + cols; i < wp; i++ {
				row[i] = negInf
			}
		}
	}
	n := planes*hp*wp - (g.kh-1)*wp
	windowRowsMax(vm[:n], pm, 0, wp, g.kh)
	hm := pm[:n-g.kw+1]
	slidingMax(hm, vm[:n], g.kw)
	for m := 0; m < planes; m++ {
		for oy := 0; oy < g.oh; oy++ {
			d := dst[(m*g.oh+oy)*g.ow : (m*g.oh+oy+1)*g.ow]
			pickStrided(d, hm[m*hp*wp+oy*g.sh*wp:], g.sw)
		}
	}
}

// pickStrided sets d[i] = h[i*stride]: the outputs of one row of windows
// from the running maxima of every window position.
func pickStrided(d, h []float32, stride int) {
	if stride == 1 {
		copy(d, h)
		return
	}
	h = h[:(len(d)-1)*stride+1]
	for i := range d {
		d[i] = h[i*stride]
	}
}

// maxPoolPlane pools one (H, W) map src into dst (OH, OW) using vm and hm
// (OH*W floats each). A window with no tap inside the input gives -Inf, as
// the reference does.
func maxPoolPlane(g *poolGeom, src, dst, vm, hm []float32) {
	maxPoolRows(g, src, vm)
	// Output columns oxA..oxB-1 have every tap of their windows inside the
	// row; the others (at most a few, in the padding) are taken tap by tap.
	oxA, oxB := g.ow, g.ow
	if g.dw == 1 && g.kw <= g.w {
		oxA = min(g.ow, (g.pl+g.sw-1)/g.sw)
		oxB = max(oxA, min(g.ow, (g.w-g.kw+g.pl)/g.sw+1))
	}
	// runs: hm[i] is the maximum of vm[i .. i+kw-1] for i < runs; runs that
	// cross the end of a row of vm are never read as such.
	runs := 0
	if oxB > oxA {
		runs = len(vm) - g.kw + 1
	}
	if runs > 0 && g.sw == 1 && g.ow == g.w {
		// Stride 1 with "same" padding (GoogLeNet's inception pools):
		// output (oy, ox) is run oy*W + ox - pl, so the runs land in dst
		// in one pass and only the border columns are redone below.
		slidingMax(dst[g.pl:g.pl+runs], vm, g.kw)
	} else if runs > 0 {
		slidingMax(hm[:runs], vm, g.kw)
		for oy := 0; oy < g.oh; oy++ {
			drow := dst[oy*g.ow+oxA : oy*g.ow+oxB]
			pickStrided(drow, hm[oy*g.w+oxA*g.sw-g.pl:], g.sw)
		}
	}
	negInf := float32(math.Inf(-1))
	for oy := 0; oy < g.oh; oy++ {
		drow := dst[oy*g.ow : (oy+1)*g.ow]
		vrow := vm[oy*g.w : (oy+1)*g.w]
		for ox := 0; ox < len(drow); ox++ {
			if ox == oxA {
				ox = oxB // the interior is done
				if ox >= len(drow) {
					break
				}
			}
			x0 := ox*g.sw - g.pl
			best := negInf
			for kx := 0; kx < g.kw; kx++ {
				if x := x0 + kx*g.dw; x >= 0 && x < g.w {
					best = vec.Maxf(best, vrow[x])
				}
			}
			drow[ox] = best
		}
	}
}

// slidingMax sets dst[i] to the maximum of v[i .. i+k-1] (len(dst) =
// len(v)-k+1).
func slidingMax(dst, v []float32, k int) {
	n := len(dst)
	switch k {
	case 1:
		copy(dst, v[:n])
	case 2:
		vec.Max(dst, v[:n], v[1:1+n])
	case 3:
		vec.Max3(dst, v[:n], v[1:1+n], v[2:2+n])
	default:
		vec.Max3(dst, v[:n], v[1:1+n], v[2:2+n])
		for kx := 3; kx < k; kx++ {
			vec.Max(dst, dst, v[kx:kx+n])
		}
	}
}

// maxPoolRows sets row oy of vm (OH x W) to the element-wise maximum of the
// input rows of output row oy's windows, or -Inf when none is inside the
// input. Rows whose windows lie wholly inside the input (all but a few at
// the border) are done together: with stride 1 they are one contiguous
// block of vm and of src per kernel row.
func maxPoolRows(g *poolGeom, src, vm []float32) {
	w := g.w
	// Output rows oyA..oyB-1 have every window row inside the input.
	oyA := min(g.oh, max(0, (g.pt+g.sh-1)/g.sh))
	oyB := oyA
	for oyB < g.oh && oyB*g.sh-g.pt+(g.kh-1)*g.dh < g.h {
		oyB++
	}
	if g.sh == 1 && oyB > oyA {
		blk := vm[oyA*w : oyB*w]
		windowRowsMax(blk, src, (oyA-g.pt)*w, g.dh*w, g.kh)
	}
	negInf := float32(math.Inf(-1))
	for oy := 0; oy < g.oh; oy++ {
		if g.sh == 1 && oy >= oyA && oy < oyB {
			continue
		}
		vrow := vm[oy*w : (oy+1)*w]
		y0 := oy*g.sh - g.pt
		if oy >= oyA && oy < oyB {
			windowRowsMax(vrow, src, y0*w, g.dh*w, g.kh)
			continue
		}
		first := true
		for ky := 0; ky < g.kh; ky++ {
			y := y0 + ky*g.dh
			if y < 0 || y >= g.h {
				continue
			}
			row := src[y*w : (y+1)*w]
			if first {
				copy(vrow, row)
				first = false
				continue
			}
			vec.Max(vrow, vrow, row)
		}
		if first {
			for i := range vrow {
				vrow[i] = negInf
			}
		}
	}
}

// windowRowsMax sets dst to the element-wise maximum of the k runs of
// src at off, off+step, ..., each len(dst) long.
func windowRowsMax(dst, src []float32, off, step, k int) {
	n := len(dst)
	switch k {
	case 1:
		copy(dst, src[off:off+n])
	case 2:
		vec.Max(dst, src[off:off+n], src[off+step:off+step+n])
	default:
		vec.Max3(dst, src[off:off+n], src[off+step:off+step+n], src[off+2*step:off+2*step+n])
		for ky := 3; ky < k; ky++ {
			o := off + ky*step
			vec.Max(dst, dst, src[o:o+n])
		}
	}
}

// maxPoolWindow is the definition, tap by tap: the maximum of the taps of
// the window whose first tap is (y0, x0) that lie inside src, or -Inf. The
// tests hold runMaxPool to its bits.
func maxPoolWindow(g *poolGeom, src []float32, y0, x0 int) float32 {
	best := float32(math.Inf(-1))
	for ky := 0; ky < g.kh; ky++ {
		y := y0 + ky*g.dh
		if y < 0 || y >= g.h {
			continue
		}
		for kx := 0; kx < g.kw; kx++ {
			x := x0 + kx*g.dw
			if x >= 0 && x < g.w {
				best = max(best, src[y*g.w+x])
			}
		}
	}
	return best
}
