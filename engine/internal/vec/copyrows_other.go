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

// Im2colPlane writes the kh*kw im2col rows of one channel at once: row
// (ky, kx) at dst[(ky*kw+kx)*dstRow:] is CopyRows(that, src[ky*wp+kx:],
// rows, n, n, wp).
func Im2colPlane(dst, src []float32, kh, kw, rows, n, wp, dstRow int) {
	for ky := 0; ky < kh; ky++ {
		for kx := 0; kx < kw; kx++ {
			CopyRows(dst[(ky*kw+kx)*dstRow:], src[ky*wp+kx:], rows, n, n, wp)
		}
	}
}
