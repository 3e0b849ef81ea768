package gemm

// packA copies the mc x kc block of op(A) at (i0, p0) into dst as mr-row
// slivers: sliver s holds rows s*mr.. s*mr+mr-1, laid out p-major
// (dst[s*kc*mr + p*mr + i]). Rows past mc are zero. An int8 A (a conv's
// weights) is dequantized here, into the block the micro-kernel reads.
func packA(dst []float32, mr int, transA bool, a Matrix, i0, p0, mc, kc int) {
	lda := a.LD
	for s := 0; s*mr < mc; s++ {
		d := dst[s*kc*mr : (s+1)*kc*mr]
		rows := min(mr, mc-s*mr)
		if mr == 4 && rows == 4 && !transA {
			// Every kernel has MR 4: interleave four rows in one pass with
			// contiguous 4-float writes (the per-row loop below writes with
			// a stride of MR). With conv weights as A this packing runs
			// once per call, about a tenth of a ResNet-18 pass with AVX-512.
			r := (i0 + s*mr) * lda
			if !a.IsInt8() {
				packA4(d, a.F[r+p0:r+p0+kc], a.F[r+lda+p0:r+lda+p0+kc], a.F[r+2*lda+p0:r+2*lda+p0+kc], a.F[r+3*lda+p0:r+3*lda+p0+kc])
				continue
			}
			if !a.ScaleCols {
				i := i0 + s*mr
				packA4Int8(d, a.Q[r+p0:r+p0+kc], a.Q[r+lda+p0:r+lda+p0+kc], a.Q[r+2*lda+p0:r+2*lda+p0+kc], a.Q[r+3*lda+p0:r+3*lda+p0+kc],
					[4]float32(a.Scales[i:i+4]))
				continue
			}
		}
		for i := 0; i < mr; i++ {
			if i >= rows {
				for p := 0; p < kc; p++ {
					d[p*mr+i] = 0
				}
				continue
			}
			r := i0 + s*mr + i
			switch {
			case a.IsInt8() && transA:
				for p := 0; p < kc; p++ {
					d[p*mr+i] = a.at(p0+p, r)
				}
			case a.IsInt8():
				for p := 0; p < kc; p++ {
					d[p*mr+i] = a.at(r, p0+p)
				}
			case transA:
				for p := 0; p < kc; p++ {
					d[p*mr+i] = a.F[(p0+p)*lda+r]
				}
			default:
				src := a.F[r*lda+p0 : r*lda+p0+kc]
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

// packA4Int8 is packA4 for four int8 rows with one scale each.
func packA4Int8(d []float32, r0, r1, r2, r3 []int8, sc [4]float32) {
	n := len(r0)
	d = d[:4*n]
	r1, r2, r3 = r1[:n], r2[:n], r3[:n]
	for p := 0; p < n; p++ {
		*(*[4]float32)(d[4*p:]) = [4]float32{dequant(r0[p], sc[0]), dequant(r1[p], sc[1]), dequant(r2[p], sc[2]), dequant(r3[p], sc[3])}
	}
}

// packB copies the kc x nc panel of op(B) at (p0, j0) into dst as nr-column
// slivers (dst[s*kc*nr + p*nr + j]). Columns past nc are zero. An int8 B
// (the weights of a batched fully connected layer) is dequantized here.
func packB(dst []float32, nr int, transB bool, b Matrix, p0, j0, kc, nc int) {
	if b.IsInt8() {
		packBInt8(dst, nr, transB, b, p0, j0, kc, nc)
		return
	}
	ldb := b.LD
	if !transB {
		// Row by row: each row of the panel is read once, contiguously,
		// and cut into the slivers (sliver by sliver, every row of B was
		// visited once per sliver, NR floats of a cache line at a time).
		full := nc / nr
		// WebAssembly copies the full slivers in assembly (packRows8).
		done := nr == 8 && packRows8(dst, b.F[p0*ldb+j0:], ldb, kc, full)
		if done && full*nr == nc {
			return
		}
		for p := 0; p < kc; p++ {
			src := b.F[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nc]
			switch {
			case done:
				// Only the partial sliver is left (below).
			case nr == 8:
				// The WebAssembly kernel's width, with the copy inlined:
				// through copySliver's switch (a call per 8 floats) the
				// panel took 3 times as long in V8.
				for s := 0; s < full; s++ {
					copy8(dst[s*kc*8+p*8:], src[s*8:])
				}
			default:
				for s := 0; s < full; s++ {
					copySliver(dst[s*kc*nr+p*nr:], src[s*nr:], nr)
				}
			}
			if rem := nc - full*nr; rem > 0 {
				row := dst[full*kc*nr+p*nr : full*kc*nr+p*nr+nr]
				copy(row, src[full*nr:])
				clear(row[rem:])
			}
		}
		return
	}
	for s := 0; s*nr < nc; s++ {
		d := dst[s*kc*nr : (s+1)*kc*nr]
		cols := min(nr, nc-s*nr)
		c0 := j0 + s*nr
		for p := 0; p < kc; p++ {
			row := d[p*nr : p*nr+nr]
			if transB {
				for j := 0; j < nr; j++ {
					if j < cols {
						row[j] = b.F[(c0+j)*ldb+p0+p]
					} else {
						row[j] = 0
					}
				}
				continue
			}
			src := b.F[(p0+p)*ldb+c0:]
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

// packBInt8 is packB for an int8 B, element by element.
func packBInt8(dst []float32, nr int, transB bool, b Matrix, p0, j0, kc, nc int) {
	for s := 0; s*nr < nc; s++ {
		d := dst[s*kc*nr : (s+1)*kc*nr]
		cols := min(nr, nc-s*nr)
		c0 := j0 + s*nr
		for p := 0; p < kc; p++ {
			row := d[p*nr : p*nr+nr]
			for j := range row {
				switch {
				case j >= cols:
					row[j] = 0
				case transB:
					row[j] = b.at(c0+j, p0+p)
				default:
					row[j] = b.at(p0+p, c0+j)
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
	case 8:
		copy8(dst, src)
	case 12:
		*(*[12]float32)(dst) = *(*[12]float32)(src)
	case 16:
		*(*[16]float32)(dst) = *(*[16]float32)(src)
	case 32:
		*(*[32]float32)(dst) = *(*[32]float32)(src)
	case 48:
		*(*[48]float32)(dst) = *(*[48]float32)(src)
	default:
		copy(dst, src[:n])
	}
}
