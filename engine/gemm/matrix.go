package gemm

import "fmt"

// Matrix is a GEMM operand stored row-major with row stride LD: float32
// values F, or, when Q is set, int8 values with float32 scales (the
// weights of a model file, kept int8 in memory). Element (r, c) of an int8
// matrix is float32(Q[r*LD+c]) * Scales[r], or * Scales[c] when ScaleCols:
// one scale per output channel, whichever axis holds the channels. (r, c)
// index the stored matrix, before any transpose.
//
// The packed path dequantizes int8 values into its packing buffers (the
// panels the micro-kernel streams), so no float32 copy of the whole matrix
// is ever made, and each value is rounded exactly as a float32 copy made
// beforehand would hold it: an int8 product gives the same bits as the
// float32 product of the dequantized matrix. The exception is a product
// with one row (a fully connected layer at batch 1) whose int8 B is stored
// transposed with a scale per row: it applies each scale once to the
// finished dot product (see gemv), which changes the rounding only.
type Matrix struct {
	F         []float32
	Q         []int8
	Scales    []float32
	ScaleCols bool
	LD        int
	// Packed, when set, is the same int8 matrix laid out for the packed
	// path (see PackedA); this matrix's row 0 is its row PackedRow.
	Packed    *PackedA
	PackedRow int
	// packedF, when set, is all of Packed dequantized, in its layout
	// (ParallelMatrix's column strips share it; see sharedA).
	packedF []float32
}

// Float returns the float32 matrix f with row stride ld.
func Float(f []float32, ld int) Matrix { return Matrix{F: f, LD: ld} }

// Int8 returns the int8 matrix q with row stride ld and one scale per row
// (per column when scaleCols).
func Int8(q []int8, scales []float32, scaleCols bool, ld int) Matrix {
	return Matrix{Q: q, Scales: scales, ScaleCols: scaleCols, LD: ld}
}

// IsInt8 reports whether x holds int8 values.
func (x Matrix) IsInt8() bool { return x.Q != nil }

// Sub returns the matrix that starts at row r, column c of x.
func (x Matrix) Sub(r, c int) Matrix {
	off := r*x.LD + c
	if x.Q == nil {
		x.F = x.F[off:]
		return x
	}
	x.Q = x.Q[off:]
	if x.Packed != nil {
		if c == 0 && (x.PackedRow+r)%x.Packed.MR == 0 {
			x.PackedRow += r // a row strip of Parallel: slivers stay whole
		} else {
			x.Packed = nil
		}
	}
	if x.ScaleCols {
		x.Scales = x.Scales[c:]
	} else {
		x.Scales = x.Scales[r:]
	}
	return x
}

// scale returns the scale of stored element (r, c) of an int8 matrix.
func (x Matrix) scale(r, c int) float32 {
	if x.ScaleCols {
		return x.Scales[c]
	}
	return x.Scales[r]
}

// at returns stored element (r, c), dequantized when int8.
func (x Matrix) at(r, c int) float32 {
	if x.Q == nil {
		return x.F[r*x.LD+c]
	}
	return dequant(x.Q[r*x.LD+c], x.scale(r, c))
}

// dequant is the one place an int8 value becomes float32. The explicit
// conversion makes Go round the product to float32 even where it could fuse
// it into a following multiply-add, so the value is the one a float32 copy
// of the weights would hold.
func dequant(q int8, s float32) float32 { return float32(float32(q) * s) }

// check reports whether x is long enough for rows x cols stored elements.
func (x Matrix) check(name string, rows, cols int) error {
	if rows == 0 || cols == 0 {
		return nil
	}
	if x.LD < cols {
		return fmt.Errorf("gemm: %s stride %d < %d columns", name, x.LD, cols)
	}
	need := (rows-1)*x.LD + cols
	if x.Q == nil {
		if len(x.F) < need {
			return fmt.Errorf("gemm: %s has %d elements, need %d", name, len(x.F), need)
		}
		return nil
	}
	if len(x.Q) < need {
		return fmt.Errorf("gemm: int8 %s has %d elements, need %d", name, len(x.Q), need)
	}
	ns := rows
	if x.ScaleCols {
		ns = cols
	}
	if len(x.Scales) < ns {
		return fmt.Errorf("gemm: int8 %s has %d scales, need %d", name, len(x.Scales), ns)
	}
	return nil
}

// CheckMatrices is CheckSizes for Matrix operands.
func CheckMatrices(transA, transB bool, m, n, k int, a, b Matrix, c []float32, ldc int) error {
	if m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("gemm: negative size %dx%dx%d", m, n, k)
	}
	if m == 0 || n == 0 {
		return nil
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if err := a.check("A", ar, ac); err != nil {
		return err
	}
	if err := b.check("B", br, bc); err != nil {
		return err
	}
	return Float(c, ldc).check("C", m, n)
}
