package gemm

// packA copies the mc x kc block of op(A) at (i0, p0) into dst as mr-row
// slivers: sliver s holds rows s*mr.. s*mr+mr-1, laid out p-major
// (dst[s*kc*mr + p*mr + i]). Rows past mc are zero.
func packA(dst []float32, mr int, transA bool, a []float32, lda, i0, p0, mc, kc int) {
	for s := 0; s*mr < mc; s++ {
		d := dst[s*kc*mr : (s+1)*kc*mr]
		rows := min(mr, mc-s*mr)
		if mr == 4 && rows == 4 && !transA {
			// Every kernel has MR 4: interleave four rows in one pass with
			// contiguous 4-float writes (the per-row loop below writes with
			// a stride of MR). With conv weights as A this packing runs
			// once per call, about a tenth of a ResNet-18 pass with AVX-512.
			r := (i0 + s*mr) * lda
			packA4(d, a[r+p0:r+p0+kc], a[r+lda+p0:r+lda+p0+kc], a[r+2*lda+p0:r+2*lda+p0+kc], a[r+3*lda+p0:r+3*lda+p0+kc])
			continue
		}
		for i := 0; i < mr; i++ {
			if i >= rows {
				for p := 0; p < kc; p++ {
					d[p*mr+i] = 0
				}
				continue
			}
			r := i0 + s*mr + i
			if transA {
				for p := 0; p < kc; p++ {
					d[p*mr+i] = a[(p0+p)*lda+r]
				}
			} else {
				src := a[r*lda+p0 : r*lda+p0+kc]
				for p, v := range src {
					d[p*mr+i] = v
				}
			}
		}
	}
}

// packA4 interleaves four equally long rows into d (d[p*4+i] = row i's p).
func packA4(d, r0, r1, r2, r3 []float32) {
	n := len(r0)
	d = d[:4*n]
	r1, r2, r3 = r1[:n], r2[:n], r3[:n]
	for p := 0; p < n; p++ {
		*(*[4]float32)(d[4*p:]) = [4]float32{r0[p], r1[p], r2[p], r3[p]}
	}
}

// packB copies the kc x nc panel of op(B) at (p0, j0) into dst as nr-column
// slivers (dst[s*kc*nr + p*nr + j]). Columns past nc are zero.
func packB(dst []float32, nr int, transB bool, b []float32, ldb, p0, j0, kc, nc int) {
	for s := 0; s*nr < nc; s++ {
		d := dst[s*kc*nr : (s+1)*kc*nr]
		cols := min(nr, nc-s*nr)
		c0 := j0 + s*nr
		for p := 0; p < kc; p++ {
			row := d[p*nr : p*nr+nr]
			if transB {
				for j := 0; j < nr; j++ {
					if j < cols {
						row[j] = b[(c0+j)*ldb+p0+p]
					} else {
						row[j] = 0
					}
				}
				continue
			}
			src := b[(p0+p)*ldb+c0:]
			if cols == nr {
				copySliver(row, src, nr)
				continue
			}
			for j := 0; j < nr; j++ {
				if j < cols {
					row[j] = src[j]
				} else {
					row[j] = 0
				}
			}
		}
	}
}

// copySliver copies n values from src to dst. The tile widths of the kernels
// are fixed-size array copies, which the compiler turns into a few vector
// moves; copy would call memmove for every row of every sliver, and in
// WebAssembly that call costs more than moving 12 or 32 floats.
func copySliver(dst, src []float32, n int) {
	switch n {
	case 2:
		*(*[2]float32)(dst) = *(*[2]float32)(src)
	case 12:
		*(*[12]float32)(dst) = *(*[12]float32)(src)
	case 16:
		*(*[16]float32)(dst) = *(*[16]float32)(src)
	case 32:
		*(*[32]float32)(dst) = *(*[32]float32)(src)
	default:
		copy(dst, src[:n])
	}
}
