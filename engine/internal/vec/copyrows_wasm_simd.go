//go:build wasm && goexperiment.simd && !convscope_nosimd

package vec

// CopyRowsVector says whether CopyRows is a vector loop (here:
// copyrows_wasm_simd.s), which pays over copying row by row.
const CopyRowsVector = true

// CopyRows copies rows rows of n values (n >= 4): row r from
// src[r*srcStride:] to dst[r*dstStride:]. Rows must not overlap.
func CopyRows(dst, src []float32, rows, n, dstStride, srcStride int) {
	if rows <= 0 {
		return
	}
	if n < 4 {
		panic("vec: CopyRows of rows shorter than a vector")
	}
	_, _ = dst[(rows-1)*dstStride+n-1], src[(rows-1)*srcStride+n-1]
	tail := n % 4
	copyRowsAsm(&dst[0], &src[0], rows, n/4, 4*dstStride, 4*srcStride, tail, 4*(n-4))
}

// copyRowsAsm is CopyRows' loop (copyrows_wasm_simd.s), unchecked;
// strides and tailOff in bytes, tail non-zero when n is not a multiple of
// 4.
//
//go:noescape
func copyRowsAsm(dst, src *float32, rows, n4, dstStride, srcStride, tail, tailOff int)

// CopyRowsS2 copies rows rows of n values (n >= 4) taking every other
// value of src: row r's dst[r*dstStride+j] = src[r*srcStride+2j]. Each
// row reads one value past its last one taken (src[r*srcStride+2n-1]),
// which must be inside src. Rows must not overlap.
func CopyRowsS2(dst, src []float32, rows, n, dstStride, srcStride int) {
	if rows <= 0 {
		return
	}
	if n < 4 {
		panic("vec: CopyRowsS2 of rows shorter than a vector")
	}
	_, _ = dst[(rows-1)*dstStride+n-1], src[(rows-1)*srcStride+2*n-1]
	tail := n % 4
	copyRowsS2Asm(&dst[0], &src[0], rows, n/4, 4*dstStride, 4*srcStride, tail, 4*(n-4), &evenLanes)
}

// copyRowsS2Asm is CopyRowsS2's loop (copyrows_wasm_simd.s), unchecked;
// strides and tailOff in bytes (of dst; src's is twice that).
//
//go:noescape
func copyRowsS2Asm(dst, src *float32, rows, n4, dstStride, srcStride, tail, tailOff int, tbl *[32]uint8)

// Im2colPlane writes the kh*kw im2col rows of one channel at once: row
// (ky, kx) at dst[(ky*kw+kx)*dstRow:] is CopyRows(that, src[ky*wp+kx:],
// rows, n, n, wp) (rows of n >= 4 values, a stride of wp in src). One call
// where CopyRows took one a row.
func Im2colPlane(dst, src []float32, kh, kw, rows, n, wp, dstRow int) {
	if kh <= 0 || kw <= 0 || rows <= 0 {
		return
	}
	if n < 4 {
		panic("vec: Im2colPlane of rows shorter than a vector")
	}
	_, _ = dst[(kh*kw-1)*dstRow+(rows-1)*n+n-1], src[(kh-1)*wp+kw-1+(rows-1)*wp+n-1]
	if dstRow < rows*n {
		panic("vec: Im2colPlane rows overlap")
	}
	im2colPlaneAsm(&dst[0], &src[0], kh, kw, rows, n/4, 4*n, 4*wp, n%4, 4*(n-4), 4*dstRow, 4*wp)
}

// im2colPlaneAsm is Im2colPlane's loop (copyrows_wasm_simd.s), unchecked;
// strides, tailOff, dstRow and srcKy in bytes.
//
//go:noescape
func im2colPlaneAsm(dst, src *float32, kh, kw, rows, n4, dstStride, srcStride, tail, tailOff, dstRow, srcKy int)
