package gemm

import (
	"sync"

	"convscope/engine/internal/vec"
)

// buffers holds the packing space of one Blocked call; pooled so repeated
// calls (one per conv layer) do not allocate.
type buffers struct {
	a, b, acc []float32
	abc       []float32 // the A block broadcast (Kernel.Bcast)
}

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

// Blocked computes the same product as Naive with the tiling t (use
// DefaultTiles). When m == 1 (a fully connected layer at batch 1) it runs a
// matrix-vector loop; otherwise the packed path: B is packed per KC x NC
// panel, A per MC x KC block, and a register micro-kernel does the
// arithmetic. Either way, how an element is summed depends only on m, k and
// t, never on the element's position - the property Parallel relies on.
func Blocked(t Tiles, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	blocked(t, Epilogue{}, transA, transB, m, n, k, alpha, Float(a, lda), Float(b, ldb), beta, c, ldc)
}

func blocked(t Tiles, ep Epilogue, transA, transB bool, m, n, k int, alpha float32, a, b Matrix, beta float32, c []float32, ldc int) {
	if m == 1 && n > 0 && k > 0 {
		gemv(t.Kernel, transB, n, k, alpha, a, transA, b, beta, c)
		ep.apply(c, 0, 1, n, ldc, 0)
		return
	}
	packed(t, ep, transA, transB, m, n, k, alpha, a, b, beta, c, ldc)
}

// packed is Blocked's packed path, for any m. Element (i, j) is accumulated
// over p in KC-sized slices in increasing order, each slice summed by the
// micro-kernel in order of p.
func packed(t Tiles, ep Epilogue, transA, transB bool, m, n, k int, alpha float32, a, b Matrix, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(m, n, beta, c, ldc)
		ep.apply(c, 0, m, n, ldc, 0)
		return
	}
	kern := t.Kernel
	if kern.Fn == nil {
		kern = Generic
	}
	mr, nr := kern.MR, kern.NR
	kcMax, mcMax, ncMax := max(t.KC, 1), roundUp(max(t.MC, mr), mr), roundUp(max(t.NC, nr), nr)
	if kern.KC > 0 && k < kcMax {
		// A kernel with its own KC (WebAssembly's: 1024, so NC 256) on a
		// shallow product: the panel keeps its bytes, kc*nc, with more
		// columns, so that A is packed (dequantized, broadcast) once for
		// more of them. ResNet-50's 1x1 convs with k = 64 on 56x56 maps
		// packed their A 13 times, its first conv (k = 147, 112x112) 49.
		ncMax = roundUp(max(nr, ncMax*kcMax/k), nr)
	}
	// directB: a TilePair kernel reads B's rows in place (row stride
	// b.LD) instead of packed slivers, when every tile can take TilePair
	// (rows in pairs of slivers) and all of A's rows fit one block of at
	// most directBMaxA values, so that each B row strip is read once.
	directB := kern.TilePair != nil && !transB && !b.IsInt8() && alpha == 1 && beta == 0 &&
		m%(2*mr) == 0 && roundUp(m, mr)*min(kcMax, k) <= directBMaxA
	if directB {
		ncMax = roundUp(n, nr)
		mcMax = max(mcMax, roundUp(m, mr))
	}
	// inPlace: the TileRows kernels read B's slivers in place (row stride
	// b.LD) instead of a packed panel, when every tile takes them (all of
	// A's slivers full, every column sliver full or of 4 columns) and a
	// sliver's kc rows are few enough to stay in L1 while the block's
	// tiles read it again (see inPlaceMaxK).
	inPlace := !directB && kern.TileRows != nil && kern.TileRows4 != nil && nr == 8 && !transB && !b.IsInt8() &&
		alpha == 1 && beta == 0 && m%mr == 0 && (n%nr == 0 || n%nr == 4) && min(kcMax, k) <= inPlaceMaxK
	// pack48: the B panel packed in slivers of 48 columns for Tile48
	// (packed48), where B is neither read in place nor A broadcast.
	pack48 := !directB && !inPlace && kern.Tile48 != nil && kern.TilePair != nil && kern.TileTriple != nil && mr == 4 &&
		!transB && !b.IsInt8() && alpha == 1 && beta == 0 && m%(2*mr) == 0 && mcMax%(2*mr) == 0
	if pack48 {
		ncMax = roundUp(ncMax, 96) // whole slivers of 48 and of 32
	}
	prepacked := a.Packed.usable(mr, kcMax, k, transA)
	deq := kern.Dequant
	if deq == nil {
		deq = dequant4
	}
	buf := bufPool.Get().(*buffers)
	defer bufPool.Put(buf)
	// The A block broadcast once pays for itself over enough B slivers
	// (bcastMinSlivers), and only while it stays in L1 (bcastMaxBytes).
	bcast := !directB && !pack48 && kern.TileBcast != nil && kern.Bcast != nil && min(n, ncMax) >= bcastMinSlivers*nr
	if bcast && kern.MC > 0 {
		// The kernel's block height is for a full KC slice: a shallower
		// product keeps the block's bytes with more rows (ResNet-50's
		// layer1 1x1s, k = 64: 256 rows instead of 16), so that TileRows
		// runs more tiles a call and A is broadcast once for more rows.
		mcB := min(roundUp(kern.MC*kcMax/min(kcMax, k), mr), max(roundUp(m, mr), roundUp(kern.MC, mr)))
		if 16*min(mcB, roundUp(m, mr))*min(kcMax, k) > bcastMaxBytes {
			bcast = false // 4 float32 a value of A
		} else {
			mcMax = mcB
		}
	}
	buf.a = grow(buf.a, mcMax*min(kcMax, k))
	if !directB && !inPlace {
		buf.b = grow(buf.b, ncMax*min(kcMax, k)) // a panel is kc x nc, kc <= min(KC, k)
	} else {
		buf.b = grow(buf.b, max(nr, 48)*min(kcMax, k)) // one strip (copyStrip, CopyStrip48)
	}
	buf.acc = grow(buf.acc, mr*nr)
	if bcast {
		buf.abc = grow(buf.abc, 4*mcMax*min(kcMax, k))
	}
	acc := buf.acc
	for j0 := 0; j0 < n; j0 += ncMax {
		nc := min(ncMax, n-j0)
		for p0 := 0; p0 < k; p0 += kcMax {
			kc := min(kcMax, k-p0)
			switch {
			case pack48:
				packB(buf.b, 48, transB, b, p0, j0, kc, nc)
			case !directB && !inPlace:
				packB(buf.b, nr, transB, b, p0, j0, kc, nc)
			}
			first, last := p0 == 0, p0+kc == k
			for i0 := 0; i0 < m; i0 += mcMax {
				mc := min(mcMax, m-i0)
				ab := buf.a // the block's packed slivers
				switch {
				case prepacked && a.packedF != nil:
					// Dequantized once for all column strips (sharedA).
					mp := len(a.Packed.Scales)
					s0 := p0*mp + (a.PackedRow+i0)/mr*kc*mr
					ab = a.packedF[s0 : s0+roundUp(mc, mr)*kc]
				case prepacked:
					packAPrepacked(buf.a, deq, a.Packed, a.PackedRow, i0, p0, mc, kc)
				default:
					packA(buf.a, mr, transA, a, i0, p0, mc, kc)
				}
				if bcast {
					kern.Bcast(buf.abc[:4*roundUp(mc, mr)*kc], ab[:roundUp(mc, mr)*kc])
				}
				if pack48 {
					packed48(kern, ep, ab, buf.b, kc, nc, mc, i0, j0, c, ldc, first, last, acc)
					continue
				}
				if directB && kc < copyStripMinK && directPanel > 1 {
					directPanels(kern, ep, ab, b, p0, j0, kc, nc, mc, i0, c, ldc, first, last)
					continue
				}
				// Strips of 48 columns first (Tile48: 8 broadcasts of A feed
				// 24 multiply-adds, 12 feed 24 in TileTriple), each
				// copied as copyStrip does; the rest below from jb on.
				jb := 0
				if directB && kc >= copyStripMinK && kern.Tile48 != nil && kern.CopyStrip48 != nil && mr == 4 && mc%(2*mr) == 0 && alpha == 1 && beta == 0 {
					bs := buf.b[:kc*48]
					for ; jb+48 <= nc; jb += 48 {
						kern.CopyStrip48(bs, b.F[p0*b.LD+j0+jb:], b.LD, kc, jb+96 <= nc)
						for is := 0; is*mr < mc; is += 2 {
							off := (i0+is*mr)*ldc + j0 + jb
							bias, add := ep.tile(i0+is*mr, 2*mr, off)
							kern.Tile48(kc, ab[is*kc*mr:(is+2)*kc*mr], bs, 48, c[off:], ldc, first, last, false, bias, add, ep.Relu)
						}
					}
				}
				for js := 0; jb+js*nr < nc; js++ {
					cols := min(nr, nc-jb-js*nr)
					var bs []float32
					ldb := nr
					// A deep strip of B (kc >= copyStripMinK) is copied
					// into one packed sliver first, and the next strip's
					// rows prefetched meanwhile: every tile of the block
					// reads it again, and in place its rows fight over a
					// few L1 sets (56x56 maps: a row every 12.5 KB, 16
					// rows per pair of sets for 12 ways) or straddle
					// three lines (14x14: 784 bytes).
					copied := directB && cols == nr && nr == 32 && kc >= copyStripMinK &&
						copyStrip(buf.b[:kc*nr], b.F[p0*b.LD+j0+jb+js*nr:], b.LD, kc, jb+js*nr+nr < nc)
					if directB && cols < nr && kc >= copyStripMinK {
						// The last, narrower strip too (its cols columns of
						// each row; the sliver's other lanes are never read):
						// in place its rows straddle lines (49 pixels: 196
						// bytes apart, the strip at byte 128 of each). See
						// copyTail.
						copyTail(buf.b[:kc*nr], nr, b.F[p0*b.LD+j0+jb+js*nr:], b.LD, kc, cols)
						copied = true
					}
					if copied {
						bs = buf.b[:kc*nr]
					} else if directB || inPlace {
						bs, ldb = b.F[p0*b.LD+j0+jb+js*nr:], b.LD
					} else {
						bs = buf.b[js*kc*nr : (js+1)*kc*nr]
					}
					edge := cols < nr && kern.Edge != nil
					// B read in place: the block's first tile prefetches
					// the next sliver's kc rows, each on another page
					// (out of the L2 streamer's reach) and, with A of
					// every row in the block, read only here.
					nextB := directB && !copied && jb+js*nr+nr < nc
					// The block's full slivers in one call (TileRows).
					is0 := 0
					if full := mc / mr; full > 0 && alpha == 1 && beta == 0 {
						rows, ablk := kern.TileRows, ab[:full*kc*mr]
						switch {
						case cols == nr && bcast:
							rows, ablk = kern.TileBcastRows, buf.abc[:4*full*kc*mr]
						case cols == 4 && nr == 8:
							rows = kern.TileRows4
						case cols != nr:
							rows = nil
						}
						if rows != nil {
							off := i0*ldc + j0 + jb + js*nr
							bias, add := ep.tile(i0, full*mr, off)
							rows(kc, full, ablk, bs, ldb, c[off:], ldc, first, last, bias, add, ep.Relu)
							is0 = full
						}
					}
					for is := is0; is*mr < mc; is++ {
						if rem := mc - is*mr; cols <= 4 && kern.Edge4 != nil && rem >= 4*mr && alpha == 1 && beta == 0 && len(acc) >= 128 && len(bs) >= (kc-1)*ldb+4 {
							// The last 4 columns or fewer (49 = 48 + 1
							// with Tile48), 8 (or 4) slivers at a time
							// (Edge4, which reads 4: past cols, values of
							// B or the sliver that are not stored), stored
							// as the Edge path below.
							sl := 4
							if rem >= 8*mr {
								sl = 8
							}
							e4 := (*[128]float32)(acc[:128])
							kern.Edge4(kc, sl, ab[is*kc*mr:(is+sl)*kc*mr], bs, ldb, e4)
							off := (i0+is*mr)*ldc + j0 + jb + js*nr
							store(e4[:], 4, sl*mr, cols, 1, 0, first, c, off, ldc)
							if last {
								ep.apply(c, off, sl*mr, cols, ldc, i0+is*mr)
							}
							is += sl - 1
							continue
						}
						// Three slivers at a time while at least three
						// remain but not four (two pairs), so that a block
						// of pairs of slivers (directB) takes no single tile.
						if rem := mc - is*mr; kern.TileTriple != nil && rem >= 3*mr && (rem < 4*mr || rem >= 5*mr) && alpha == 1 && beta == 0 {
							off := (i0+is*mr)*ldc + j0 + jb + js*nr
							bias, add := ep.tile(i0+is*mr, 3*mr, off)
							kern.TileTriple(kc, ab[is*kc*mr:(is+3)*kc*mr], bs, ldb, c[off:], ldc, cols, first, last, nextB && is == 0, bias, add, ep.Relu)
							is += 2
							continue
						}
						if kern.TilePair != nil && mc-is*mr >= 2*mr && alpha == 1 && beta == 0 {
							off := (i0+is*mr)*ldc + j0 + jb + js*nr
							bias, add := ep.tile(i0+is*mr, 2*mr, off)
							kern.TilePair(kc, ab[is*kc*mr:(is+2)*kc*mr], bs, ldb, c[off:], ldc, cols, first, last, nextB && is == 0, bias, add, ep.Relu)
							is++
							continue
						}
						if kern.Tile != nil && cols == nr && mc-is*mr >= mr && alpha == 1 && beta == 0 {
							off := (i0+is*mr)*ldc + j0 + jb + js*nr
							bias, add := ep.tile(i0+is*mr, mr, off)
							if bcast {
								kern.TileBcast(kc, buf.abc[4*is*kc*mr:4*(is+1)*kc*mr], bs, c[off:], ldc, first, last, bias, add, ep.Relu)
								continue
							}
							kern.Tile(kc, ab[is*kc*mr:(is+1)*kc*mr], bs, c[off:], ldc, first, last, bias, add, ep.Relu)
							continue
						}
						if edge && cols == 1 && mr == 4 && kern.Edge1x4 != nil && mc-is*mr >= 4*mr && ldb == nr {
							// Four slivers' last column at once (Edge1x4),
							// then each stored as the Edge path below.
							var e4 [16]float32
							kern.Edge1x4(kc, ab[is*kc*mr:(is+4)*kc*mr], bs, &e4)
							for t := 0; t < 4; t++ {
								for i := 0; i < mr; i++ {
									acc[i*nr] = e4[4*t+i]
								}
								off := (i0+(is+t)*mr)*ldc + j0 + jb + js*nr
								store(acc, nr, mr, cols, alpha, beta, first, c, off, ldc)
								if last {
									ep.apply(c, off, mr, cols, ldc, i0+(is+t)*mr)
								}
							}
							is += 3
							continue
						}
						if edge {
							kern.Edge(kc, ab[is*kc*mr:(is+1)*kc*mr], bs, acc, cols)
						} else {
							kern.Fn(kc, ab[is*kc*mr:(is+1)*kc*mr], bs, acc)
						}
						rows := min(mr, mc-is*mr)
						off := (i0+is*mr)*ldc + j0 + jb + js*nr
						if kern.StoreTile != nil && rows == mr && cols == nr && alpha == 1 && beta == 0 {
							bias, add := ep.tile(i0+is*mr, mr, off)
							if add != nil && kern.StoreTileAdd != nil {
								kern.StoreTileAdd(acc, c[off:], ldc, first, last, bias, add, ep.Relu)
								continue
							}
							kern.StoreTile(acc, c[off:], ldc, first, last, bias, ep.Relu && ep.Add == nil)
							if last && ep.Add != nil {
								// The tile is still in L1: add the residual, then ReLU.
								for i := 0; i < mr; i++ {
									vec.AddRelu(c[off+i*ldc:off+i*ldc+nr], ep.Add[off+i*ldc:], ep.Relu)
								}
							}
							continue
						}
						store(acc, nr, rows, cols, alpha, beta, first, c, off, ldc)
						if last {
							// While the tile is in L1, not in a second pass.
							ep.apply(c, off, rows, cols, ldc, i0+is*mr)
						}
					}
				}
			}
		}
	}
}

// packed48 runs a block of the packed path (A's mc rows from i0, mc a
// multiple of 8) over a B panel packed in slivers of 48 columns (pack48):
// Tile48 on every pair of A slivers for each full sliver; the last,
// narrower sliver in parts of at most 32 columns as the 32-column path
// runs them (Edge4, TileTriple, TilePair), at row stride 48. The tiles
// give each element the bits they give it on 32-column slivers.
// In-process A/B, one worker: see the commit that added it.
func packed48(kern Kernel, ep Epilogue, ab, pb []float32, kc, nc, mc, i0, j0 int, c []float32, ldc int, first, last bool, acc []float32) {
	const mr, w = 4, 48
	for js := 0; js*w < nc; js++ {
		cols := min(w, nc-js*w)
		bs := pb[js*kc*w : (js+1)*kc*w]
		if cols == w {
			for is := 0; is*mr < mc; is += 2 {
				off := (i0+is*mr)*ldc + j0 + js*w
				bias, add := ep.tile(i0+is*mr, 2*mr, off)
				kern.Tile48(kc, ab[is*kc*mr:(is+2)*kc*mr], bs, w, c[off:], ldc, first, last, false, bias, add, ep.Relu)
			}
			continue
		}
		for jt := 0; jt < cols; jt += 32 {
			ct := min(32, cols-jt)
			for is := 0; is*mr < mc; {
				rem := mc - is*mr
				off := (i0+is*mr)*ldc + j0 + js*w + jt
				switch {
				case ct <= 4 && kern.Edge4 != nil && rem >= 4*mr && len(acc) >= 128:
					// Up to 4 columns (49 = 48 + 1): Edge4 reads 4, the
					// sliver's zero padding past ct, and ct are stored.
					sl := 4
					if rem >= 8*mr {
						sl = 8
					}
					e4 := (*[128]float32)(acc[:128])
					kern.Edge4(kc, sl, ab[is*kc*mr:(is+sl)*kc*mr], bs[jt:], w, e4)
					store(e4[:], 4, sl*mr, ct, 1, 0, first, c, off, ldc)
					if last {
						ep.apply(c, off, sl*mr, ct, ldc, i0+is*mr)
					}
					is += sl
				case rem >= 3*mr && (rem < 4*mr || rem >= 5*mr):
					bias, add := ep.tile(i0+is*mr, 3*mr, off)
					kern.TileTriple(kc, ab[is*kc*mr:(is+3)*kc*mr], bs[jt:], w, c[off:], ldc, ct, first, last, false, bias, add, ep.Relu)
					is += 3
				default:
					bias, add := ep.tile(i0+is*mr, 2*mr, off)
					kern.TilePair(kc, ab[is*kc*mr:(is+2)*kc*mr], bs[jt:], w, c[off:], ldc, ct, first, last, false, bias, add, ep.Relu)
					is += 2
				}
			}
		}
	}
}

// directPanels runs a directB block whose B strips are read in place
// (kc < copyStripMinK) a panel of directPanel column slivers at a time, the
// rows of A (groups of three or two slivers) outer and the panel's slivers
// inner. One sliver at a time, each tile stored 2 lines of each of its rows
// of C (and read 2 of the residual), every row on another page (56x56: 12.5
// KB apart), and the tile below the next 2: ResNet-50's layer1 1x1s to 256
// channels (256 x 3136 x 64, 3.2 MB of C and 3.2 of residual) waited on
// those lines. A panel of 4 stores 8 consecutive lines per row, and its B
// (64 rows: 4 x 8 KB) stays in L1 for all the rows of A. Each output's sum
// is the same chain: same bits (TestDirectPanels).
func directPanels(kern Kernel, ep Epilogue, a []float32, b Matrix, p0, j0, kc, nc, mc, i0 int, c []float32, ldc int, first, last bool) {
	mr, nr := kern.MR, kern.NR
	jb := 0 // the columns before jb run as strips of 48 (Tile48)
	if kern.Tile48 != nil && mr == 4 && mc%(2*mr) == 0 {
		jb = nc / 48 * 48
		for jp := 0; jp < jb; jp += directPanel48 * 48 {
			jend := min(jb, jp+directPanel48*48)
			for is := 0; is*mr < mc; is += 2 {
				bias, _ := ep.tile(i0+is*mr, 2*mr, 0)
				for j := jp; j < jend; j += 48 {
					off := (i0+is*mr)*ldc + j0 + j
					var add []float32
					if ep.Add != nil {
						add = ep.Add[off:]
					}
					kern.Tile48(kc, a[is*kc*mr:(is+2)*kc*mr], b.F[p0*b.LD+j0+j:], b.LD, c[off:], ldc, first, last, is == 0 && j+48 < nc, bias, add, ep.Relu)
				}
			}
		}
	}
	for jp := jb; jp < nc; jp += directPanel * nr {
		jend := min(nc, jp+directPanel*nr)
		for is := 0; is*mr < mc; {
			g := 2
			if rem := mc - is*mr; kern.TileTriple != nil && rem >= 3*mr && (rem < 4*mr || rem >= 5*mr) {
				g = 3
			}
			bias, _ := ep.tile(i0+is*mr, g*mr, 0)
			for j := jp; j < jend; j += nr {
				cols := min(nr, nc-j)
				off := (i0+is*mr)*ldc + j0 + j
				var add []float32
				if ep.Add != nil {
					add = ep.Add[off:]
				}
				bs := b.F[p0*b.LD+j0+j:]
				nextB := is == 0 && j+nr < nc
				if g == 3 {
					kern.TileTriple(kc, a[is*kc*mr:(is+3)*kc*mr], bs, b.LD, c[off:], ldc, cols, first, last, nextB, bias, add, ep.Relu)
				} else {
					kern.TilePair(kc, a[is*kc*mr:(is+2)*kc*mr], bs, b.LD, c[off:], ldc, cols, first, last, nextB, bias, add, ep.Relu)
				}
			}
			is += g
		}
	}
}

// copyTail copies the first cols columns of kc rows of B at src (row
// stride ldb) into dst as a packed sliver of nr columns, leaving its other
// columns as they were (the tiles mask them off). directB does so for a
// product's last strip when it is narrower than a sliver and deep enough to
// copy (copyStripMinK), as copyStrip does for the full ones. In-process
// A/B, one worker, p25 of 400 alternating calls, two rounds, in place ->
// copied: 512x49x2048 1096/1100 -> 1047/1048 us, 256x49x832 230/213 ->
// 223/207, 384x49x832 337/330 -> 325/323, 192x49x832 171/171 -> 168/168;
// 256x196x1024 (its tail: 4 columns) 839/839 -> 837/837.
func copyTail(dst []float32, nr int, src []float32, ldb, kc, cols int) {
	for p := 0; p < kc; p++ {
		copy(dst[p*nr:p*nr+cols], src[p*ldb:p*ldb+cols])
	}
}

// directPanel is the slivers per panel of directPanels (a variable for the
// tests; 1 is one sliver at a time). In-process A/B, one worker, L3 flushed
// before each call, min / p50 ms for 1 -> 4 -> 8 slivers: 256x3136x64 with
// residual 1.449/2.060 -> 1.109/1.632 -> 1.058/1.616; 64x3136x64
// 0.314/0.429 -> 0.262/0.385 -> 0.262/0.376; hot caches the same.
var directPanel = 4

// directPanel48 is directPanel for the strips of 48 columns (Tile48): 3
// strips, 144 columns (B 36 KB at kc 64, as 4 of 32 are 32 KB).
var directPanel48 = 3

// directBMaxA bounds the A block (floats: 512 KiB, half the L2 of the
// machine the AVX-512 tiles were measured on) for which the packed path
// reads B in place (directB). BenchmarkConvShapes, alternating rounds at
// load 5-7, GFLOP/cpu-s packed -> in place: 64x3136x256 127-131 -> 175-193,
// 64x3136x64 113-156 -> 118-181, 96x784x192 146-170 -> 174-196,
// 128x784x256 137-147 -> 171-187; A of 256 rows (one block) 256x3136x64
// 151-166 -> 175-185, 256x196x1024 142-154 -> 155-163, 256x196x528
// 142-154 -> 154-160; of 512 rows 512x784x128 168-189 -> 189-193,
// 512x784x256 168-185 -> 184-197. With A in blocks of 64 rows (as for
// 1024x196x256, whose A is 1 MiB) the strided strips, each row on another
// page, were read once per block and lost to packing B (136-171 ->
// 125-146).
const directBMaxA = 1 << 17

// copyStripMinK is the least depth of a KC slice whose B strips directB
// copies into a packed sliver (copyStrip) rather than reading in place.
// In-process A/B, one worker, min and p50 ms in place -> copied:
// 256x196x1024 0.955/1.241 -> 0.815/1.130, 0.839/1.274 -> 0.794/1.104;
// 512x784x256 1.422/1.769 -> 1.332/1.690; 128x3136x256 1.406/1.844 ->
// 1.397/1.653; 64x3136x256 the same. Strips of 64 rows fit L1 in place.
const copyStripMinK = 128

// inPlaceMaxK is the deepest KC slice whose B slivers the TileRows kernels
// read in place (inPlace): any of WebAssembly's (KC 1024). In Node,
// BenchmarkConvShapes, 6 alternating runs each, the median GFLOP/cpu-s of
// the shapes read in place were the same or higher than packed (k 64
// 17.7-21.7 -> 19.8-22.2, k 1024 22.6 -> 24.1, the rest within noise),
// and packB, 3.7% of a ResNet-50 pass in Node's profile, is gone.
const inPlaceMaxK = 1024

// bcastMinSlivers is the fewest B slivers in a panel for which the packed
// path broadcasts its A blocks (Kernel.Bcast): each broadcast A value then
// saves a splat in at least that many tiles. In Node, one worker, the
// broadcast made products with 169 to 12544 columns 8-16% faster, and
// ResNet-50's layer4 products (49 columns: 7 slivers) 6-7% slower.
const bcastMinSlivers = 16

// bcastMaxBytes bounds the broadcast A block (4 float32 a value of A): the
// packed path broadcasts A only when the block's bytes, at its height and
// the slice's depth, are at most this (the machine's L1 is 48 KB; the B
// sliver needs room too). Above it every tile reads the broadcast block
// again from L2, 4 times the bytes of the plain block, and the splats it
// saves no longer pay. In Node (relaxed build), one worker, int8 A and
// bias+ReLU as the convs run them, minimum ms of 5 alternating rounds of
// 0.3 s, broadcast always -> never: CIFAR googlenet 128->48 16x16 (k 128,
// 98 KB broadcast) 0.105 -> 0.087, 5x5 16->32 (k 400, 204 KB) 0.215 ->
// 0.182, 64->48 (49 KB) 0.052 -> 0.046, alexnet 5x5 3->64 32x32 (k 75, 77
// KB) 0.347 -> 0.296; ImageNet ResNet-50 512x784x128 3.20 -> 2.62,
// 256x196x1024 3.79 -> 2.84, 256x3136x64 3.36 -> 3.24, GoogLeNet
// 128x784x256 1.54 -> 1.27, 192x196x480 1.19 -> 0.92. Blocks under 32 KiB
// (CIFAR 3x3 3->64, k 27: 28 KB; 64->32, k 64: 32 KB) measured the same
// either way (0.143 / 0.147, 0.032 / 0.032): this keeps them broadcast.
const bcastMaxBytes = 32 << 10

// Epilogue is applied to each element of C once its product is complete:
// add the row's bias (when RowBias is non-nil: RowBias[i] for row i), then
// the element of Add at C's offset (when Add is non-nil), then clamp at
// zero (when Relu). A convolution's bias and ReLU, and a residual Add that
// follows it (engine's fuse), run this way on each register tile right
// after its last store, instead of further passes over the whole output.
type Epilogue struct {
	RowBias []float32 // (m), or nil
	// Add, when not nil, is laid out as C (same offsets, row stride ldc)
	// and must not overlap it.
	Add  []float32
	Relu bool
}

// tile returns the epilogue's operands of a tile whose rows start at row0
// and whose first element is C's off: the bias of its rows (nil: none) and
// the residual from off on (nil: none).
func (ep Epilogue) tile(row0, rows, off int) (bias, add []float32) {
	if ep.RowBias != nil {
		bias = ep.RowBias[row0 : row0+rows]
	}
	if ep.Add != nil {
		add = ep.Add[off:]
	}
	return bias, add
}

// apply runs the epilogue on the rows x cols block of c at off, whose first
// row is row0 of C.
func (ep Epilogue) apply(c []float32, off, rows, cols, ldc, row0 int) {
	if ep.RowBias == nil && ep.Add == nil && !ep.Relu {
		return
	}
	for i := 0; i < rows; i++ {
		row := c[off+i*ldc : off+i*ldc+cols]
		if ep.RowBias != nil {
			b := ep.RowBias[row0+i]
			for j := range row {
				row[j] += b
			}
		}
		if ep.Add != nil {
			vec.AddRelu(row, ep.Add[off+i*ldc:], ep.Relu)
			continue
		}
		if ep.Relu {
			// A comparison, not max(v, 0): in WebAssembly the builtin max
			// on floats is a call to runtime.fmax32 (3.5% of a ResNet-18
			// pass in Node), and v < 0 keeps the naive conv's treatment of
			// -0 and NaN.
			for j, v := range row {
				if v < 0 {
					row[j] = 0
				}
			}
		}
	}
}

// store adds alpha*acc into C (rows x cols at offset off). On the first KC
// slice it applies beta instead of accumulating. The case is chosen once per
// tile, not per element: with the SIMD kernels this loop is a large share
// of the packed path (about a fifth of a 64x3136x576 product in WebAssembly),
// and a branch-free loop body is what makes it cheap.
func store(acc []float32, nr, rows, cols int, alpha, beta float32, first bool, c []float32, off, ldc int) {
	for i := 0; i < rows; i++ {
		row := c[off+i*ldc : off+i*ldc+cols]
		src := acc[i*nr : i*nr+cols]
		switch {
		case first && beta == 0 && alpha == 1:
			copy(row, src)
		case first && beta == 0:
			for j, v := range src {
				row[j] = alpha * v
			}
		case first:
			for j, v := range src {
				row[j] = alpha*v + beta*row[j]
			}
		case alpha == 1:
			for j, v := range src {
				row[j] += v
			}
		default:
			for j, v := range src {
				row[j] += alpha * v
			}
		}
	}
}

// gemv handles m == 1: c[j] = alpha * sum_p a(p) * op(B)(p, j) + beta*c[j],
// with the row of A at a(0, p) (or a(p, 0) when transA). With transB (the
// weights of a fully connected layer, (out, in)) each output is a dot
// product over a contiguous row, summed in four interleaved partial sums so
// the adds do not wait on each other; without, B's rows are accumulated in
// order of p (axpy). Columns are independent, so any column split gives the
// same bits.
//
// An int8 B with transB and one scale per row (a fully connected layer's
// weights as model files store them) takes the kernel's DotQ: the row's
// int8 values are widened to float32 in vector registers and the row's
// scale is applied once to the finished sum, y[j] = s[j] * sum_p q[j,p]*x[p]
// (the weights of VGG16's first fc layer are 400 MB as float32, and
// dequantizing value by value made AlexNet's classifier the largest part of
// its pass). That differs from the product of the dequantized float32
// weights by rounding only: the scale is applied after the sum instead of
// to each term (a relative error of a few float32 ulps of the terms' sum).
// Other int8 layouts are dequantized value by value inside the loops, with
// the same values and order of sums as a float32 copy.
func gemv(kern Kernel, transB bool, n, k int, alpha float32, a Matrix, transA bool, b Matrix, beta float32, c []float32) {
	var x []float32
	if !transA && !a.IsInt8() {
		x = a.F[:k]
	} else {
		x = make([]float32, k) // the row of A, contiguous and float32
		for p := range x {
			if transA {
				x[p] = a.at(p, 0)
			} else {
				x[p] = a.at(0, p)
			}
		}
	}
	if transB {
		dotQ := kern.DotQ
		if dotQ == nil {
			dotQ = Generic.DotQ
		}
		j := 0
		if dotQ4 := kern.DotQ4; dotQ4 != nil && b.IsInt8() && !b.ScaleCols {
			ld := b.LD
			for ; j+4 <= n; j += 4 {
				s := dotQ4(x, b.Q[j*ld:j*ld+k], b.Q[(j+1)*ld:(j+1)*ld+k], b.Q[(j+2)*ld:(j+2)*ld+k], b.Q[(j+3)*ld:(j+3)*ld+k])
				for i, v := range s {
					c[j+i] = epilogue(b.Scales[j+i]*v, alpha, beta, c[j+i])
				}
			}
		}
		for ; j < n; j++ {
			var s float32
			switch {
			case !b.IsInt8():
				s = dot(x, b.F[j*b.LD:j*b.LD+k])
			case !b.ScaleCols:
				s = b.Scales[j] * dotQ(x, b.Q[j*b.LD:j*b.LD+k])
			default:
				s = dotInt8Cols(x, b.Q[j*b.LD:j*b.LD+k], b.Scales[:k])
			}
			c[j] = epilogue(s, alpha, beta, c[j])
		}
		return
	}
	acc := make([]float32, n)
	for p, xv := range x {
		switch {
		case !b.IsInt8():
			row := b.F[p*b.LD : p*b.LD+n]
			for j, v := range row {
				acc[j] += xv * v
			}
		case !b.ScaleCols:
			row, s := b.Q[p*b.LD:p*b.LD+n], b.Scales[p]
			for j, q := range row {
				acc[j] += xv * dequant(q, s)
			}
		default:
			row, sc := b.Q[p*b.LD:p*b.LD+n], b.Scales[:n]
			for j, q := range row {
				acc[j] += xv * dequant(q, sc[j])
			}
		}
	}
	for j, s := range acc {
		c[j] = epilogue(s, alpha, beta, c[j])
	}
}

// dot returns sum x[p]*y[p] as four partial sums over p mod 4, combined as
// (s0+s1)+(s2+s3), plus the tail in order.
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	p := 0
	for ; p+4 <= len(x); p += 4 {
		xv := (*[4]float32)(x[p:])
		yv := (*[4]float32)(y[p:])
		s0 += xv[0] * yv[0]
		s1 += xv[1] * yv[1]
		s2 += xv[2] * yv[2]
		s3 += xv[3] * yv[3]
	}
	s := (s0 + s1) + (s2 + s3)
	for ; p < len(x); p++ {
		s += x[p] * y[p]
	}
	return s
}

// dotInt8Cols is dot(x, y) for y[p] = dequant(q[p], scales[p]).
func dotInt8Cols(x []float32, q []int8, scales []float32) float32 {
	q, scales = q[:len(x)], scales[:len(x)]
	var s0, s1, s2, s3 float32
	p := 0
	for ; p+4 <= len(x); p += 4 {
		s0 += x[p] * dequant(q[p], scales[p])
		s1 += x[p+1] * dequant(q[p+1], scales[p+1])
		s2 += x[p+2] * dequant(q[p+2], scales[p+2])
		s3 += x[p+3] * dequant(q[p+3], scales[p+3])
	}
	sum := (s0 + s1) + (s2 + s3)
	for ; p < len(x); p++ {
		sum += x[p] * dequant(q[p], scales[p])
	}
	return sum
}

// epilogue applies alpha and beta to one finished sum; beta 0 never reads
// the old value (it may be NaN).
func epilogue(s, alpha, beta, old float32) float32 {
	if beta == 0 {
		return alpha * s
	}
	return alpha*s + beta*old
}

// scale sets C = beta*C (the k == 0 case).
func scale(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }
