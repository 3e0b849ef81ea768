package gemm

import "sync"

// buffers holds the packing space of one Blocked call; pooled so repeated
// calls (one per conv layer) do not allocate.
type buffers struct {
	a, b, acc []float32
}

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

// Blocked computes the same product as Naive with the tiling t (use
// DefaultTiles): B is packed per KC x NC panel, A per MC x KC block, and a
// register micro-kernel does the arithmetic. Element (i, j) is
// accumulated over p in KC-sized slices in increasing order, each slice
// summed in order of p, whatever i and j are - the property Parallel relies
// on. When m == 1 (a fully connected layer at batch 1) a matrix-vector loop
// with the same summation order replaces the packed path.
func Blocked(t Tiles, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	if m == 1 {
		gemv(t, transB, n, k, alpha, a, lda, transA, b, ldb, beta, c)
		return
	}
	kern := t.Kernel
	if kern.Fn == nil {
		kern = Generic
	}
	mr, nr := kern.MR, kern.NR
	kcMax, mcMax, ncMax := max(t.KC, 1), roundUp(max(t.MC, mr), mr), roundUp(max(t.NC, nr), nr)
	buf := bufPool.Get().(*buffers)
	defer bufPool.Put(buf)
	buf.a = grow(buf.a, mcMax*kcMax)
	buf.b = grow(buf.b, ncMax*kcMax)
	buf.acc = grow(buf.acc, mr*nr)
	acc := buf.acc
	for j0 := 0; j0 < n; j0 += ncMax {
		nc := min(ncMax, n-j0)
		for p0 := 0; p0 < k; p0 += kcMax {
			kc := min(kcMax, k-p0)
			packB(buf.b, nr, transB, b, ldb, p0, j0, kc, nc)
			first := p0 == 0
			for i0 := 0; i0 < m; i0 += mcMax {
				mc := min(mcMax, m-i0)
				packA(buf.a, mr, transA, a, lda, i0, p0, mc, kc)
				for js := 0; js*nr < nc; js++ {
					bs := buf.b[js*kc*nr : (js+1)*kc*nr]
					cols := min(nr, nc-js*nr)
					for is := 0; is*mr < mc; is++ {
						kern.Fn(kc, buf.a[is*kc*mr:(is+1)*kc*mr], bs, acc)
						rows := min(mr, mc-is*mr)
						store(acc, nr, rows, cols, alpha, beta, first, c, (i0+is*mr)*ldc+j0+js*nr, ldc)
					}
				}
			}
		}
	}
}

// store adds alpha*acc into C (rows x cols at offset off). On the first KC
// slice it applies beta instead of accumulating.
func store(acc []float32, nr, rows, cols int, alpha, beta float32, first bool, c []float32, off, ldc int) {
	for i := 0; i < rows; i++ {
		row := c[off+i*ldc : off+i*ldc+cols]
		for j := range row {
			v := alpha * acc[i*nr+j]
			switch {
			case !first:
				row[j] += v
			case beta == 0:
				row[j] = v
			default:
				row[j] = v + beta*row[j]
			}
		}
	}
}

// gemv handles m == 1: c[j] = alpha * sum_p a(p) * op(B)(p, j) + beta*c[j],
// with the row of A at a[p] (or a[p*lda] when transA). It sums in the same
// KC slices and order as the packed path and stores through the same rule,
// so a one-row strip of a Parallel split gives the bits the packed path
// would have.
func gemv(t Tiles, transB bool, n, k int, alpha float32, a []float32, lda int, transA bool, b []float32, ldb int, beta float32, c []float32) {
	kcMax := max(t.KC, 1)
	x := make([]float32, k) // the row of A, contiguous
	for p := range x {
		if transA {
			x[p] = a[p*lda]
		} else {
			x[p] = a[p]
		}
	}
	acc := make([]float32, n)
	for p0 := 0; p0 < k; p0 += kcMax {
		kc := min(kcMax, k-p0)
		xs := x[p0 : p0+kc]
		if transB {
			// Rows of B are contiguous: one dot product per output.
			for j := range acc {
				row := b[j*ldb+p0 : j*ldb+p0+kc]
				var s float32
				for p, v := range row {
					s += xs[p] * v
				}
				acc[j] = s
			}
		} else {
			// B is k x n row-major: accumulate row by row (axpy); each
			// output still sums over p in order.
			clear(acc)
			for p, xv := range xs {
				row := b[(p0+p)*ldb : (p0+p)*ldb+n]
				for j, v := range row {
					acc[j] += xv * v
				}
			}
		}
		first := p0 == 0
		for j, s := range acc {
			v := alpha * s
			switch {
			case !first:
				c[j] += v
			case beta == 0:
				c[j] = v
			default:
				c[j] = v + beta*c[j]
			}
		}
	}
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
