//go:build !(wasm && goexperiment.simd) || convscope_nosimd

package vec

// CopyRowsVector: natively Go's copy is a fast memmove (and in plain
// WebAssembly there is no vector loop), so callers copy row by row.
const CopyRowsVector = false

// CopyRows copies rows rows of n values (n >= 4): row r from
// src[r*srcStride:] to dst[r*dstStride:]. Rows must not overlap.
func CopyRows(dst, src []float32, rows, n, dstStride, srcStride int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*dstStride:r*dstStride+n], src[r*srcStride:r*srcStride+n])
	}
}

// CopyRowsS2 copies rows rows of n values (n >= 4) taking every other
// value of src: row r's dst[r*dstStride+j] = src[r*srcStride+2j].
func CopyRowsS2(dst, src []float32, rows, n, dstStride, srcStride int) {
	for r := 0; r < rows; r++ {
		d, s := dst[r*dstStride:r*dstStride+n], src[r*srcStride:]
		for j := range d {
			d[j] = s[2*j]
		}
	}
}
