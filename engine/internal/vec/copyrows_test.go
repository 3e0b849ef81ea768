package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCopyRows: CopyRows copies rows of 4 to 13 values (whole vectors and
// tails) at strides wider than the rows, and leaves the gaps alone.
func TestCopyRows(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for n := 4; n <= 13; n++ {
		const rows = 5
		ds, ss := n+3, n+6
		src, dst := make([]float32, rows*ss), make([]float32, rows*ds)
		for i := range src {
			src[i] = r.Float32()
		}
		for i := range dst {
			dst[i] = -r.Float32()
		}
		want := append([]float32(nil), dst...)
		for i := 0; i < rows; i++ {
			copy(want[i*ds:i*ds+n], src[i*ss:i*ss+n])
		}
		CopyRows(dst, src, rows, n, ds, ss)
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: dst[%d] = %v, want %v", n, i, dst[i], want[i])
			}
		}
	}
}

// TestCopyRowsS2: CopyRowsS2 takes every other value of rows of 4 to 13
// values (whole vectors and tails) at strides wider than the rows, with
// the source ending one value past the last row's last value taken, and
// leaves the gaps alone.
func TestCopyRowsS2(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 46))
	for n := 4; n <= 13; n++ {
		const rows = 5
		ds, ss := n+3, 2*n+5
		src, dst := make([]float32, (rows-1)*ss+2*n), make([]float32, rows*ds)
		for i := range src {
			src[i] = r.Float32()
		}
		for i := range dst {
			dst[i] = -r.Float32()
		}
		want := append([]float32(nil), dst...)
		for i := 0; i < rows; i++ {
			for j := 0; j < n; j++ {
				want[i*ds+j] = src[i*ss+2*j]
			}
		}
		CopyRowsS2(dst, src, rows, n, ds, ss)
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n %d: dst[%d] = %v, want %v", n, i, dst[i], want[i])
			}
		}
	}
}

// TestIm2colPlane: Im2colPlane writes what CopyRows writes row by row, for
// kernels of 1x1 to 5x5, rows of 4 to 13 values (whole vectors and
// tails), the source ending at the last value read, and leaves the gaps
// between the im2col rows alone.
func TestIm2colPlane(t *testing.T) {
	r := rand.New(rand.NewPCG(47, 48))
	for _, k := range [][2]int{{1, 1}, {3, 3}, {5, 5}, {2, 4}} {
		for n := 4; n <= 13; n++ {
			kh, kw, rows := k[0], k[1], 3
			wp := n + kw - 1
			dstRow := rows*n + 5
			src := make([]float32, (kh-1)*wp+kw-1+(rows-1)*wp+n)
			for i := range src {
				src[i] = r.Float32()
			}
			dst := make([]float32, kh*kw*dstRow)
			for i := range dst {
				dst[i] = -r.Float32()
			}
			want := append([]float32(nil), dst...)
			for ky := 0; ky < kh; ky++ {
				for kx := 0; kx < kw; kx++ {
					for y := 0; y < rows; y++ {
						copy(want[(ky*kw+kx)*dstRow+y*n:][:n], src[(ky+y)*wp+kx:])
					}
				}
			}
			Im2colPlane(dst, src, kh, kw, rows, n, wp, dstRow)
			for i := range dst {
				if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%dx%d n %d: dst[%d] = %v, want %v", kh, kw, n, i, dst[i], want[i])
				}
			}
		}
	}
}
