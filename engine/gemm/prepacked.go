package gemm

// PackedA is an int8 A operand (a conv's weights: m x k, one scale per row)
// stored once, when a model is compiled, in the order the packed path reads
// A: for each KC-deep slice of k in turn, for each MR-row sliver, kc*MR
// values p-major (the layout packA writes). Packing A then dequantizes one
// contiguous run per sliver with the kernel's vector Dequant, instead of
// gathering four rows value by value on every call (scalar int8 packing
// took about a tenth of GoogLeNet's pass). It is int8, the size of the
// weights themselves (rows padded to a multiple of MR with zeros).
//
// It is used only with tiles of the same MR and KC and without transA;
// otherwise the Matrix's plain Q is packed as before. The values are
// dequantized as dequant does, so results keep their bits.
type PackedA struct {
	MR, KC int
	M, K   int
	Q      []int8    // len roundUp(M, MR) * K; nil once F is kept
	Scales []float32 // len roundUp(M, MR); 0 for padding rows
	// F, when set (KeepFloat), is all of Q dequantized in the same
	// layout, kept for the program's life instead of Q: the packed path
	// reads its blocks in place instead of dequantizing them on every
	// call.
	F []float32
	// Ext, when set, is a caller's own layout of the same weights, kept
	// with them for the program's life (conv's Winograd path: its
	// transformed kernels). A PackedA with neither Q nor F is never used
	// as A.
	Ext any
}

// PackInt8A lays out the m x k int8 matrix q (row stride ld, one scale per
// row) for tiles t.
func PackInt8A(t Tiles, q []int8, scales []float32, ld, m, k int) *PackedA {
	kern := t.Kernel
	if kern.Fn == nil {
		kern = Generic
	}
	mr, kcMax := kern.MR, max(t.KC, 1)
	mp := roundUp(m, mr)
	pa := &PackedA{MR: mr, KC: kcMax, M: m, K: k, Q: make([]int8, mp*k), Scales: make([]float32, mp)}
	copy(pa.Scales, scales[:m])
	for p0 := 0; p0 < k; p0 += kcMax {
		kc := min(kcMax, k-p0)
		blk := pa.Q[p0*mp : p0*mp+mp*kc]
		for r := 0; r < m; r++ {
			s, i := r/mr, r%mr
			d := blk[s*kc*mr:]
			for p, v := range q[r*ld+p0 : r*ld+p0+kc] {
				d[p*mr+i] = v
			}
		}
	}
	return pa
}

// KeepFloat sets pa.F: all of pa dequantized for tiles t, the values
// packAPrepacked gives (so the products keep their bits). It pays where
// each weight feeds few columns (convs of 7x7 outputs: 49 columns, where
// dequantizing took a sixth of the product's time), at four times the
// weights' bytes. Q is dropped: every product that can use pa reads F
// (ParallelMatrix), the others the Matrix's own int8 values.
func (pa *PackedA) KeepFloat(t Tiles) {
	kern := t.Kernel
	if kern.Fn == nil {
		kern = Generic
	}
	deq := kern.Dequant
	if deq == nil {
		deq = dequant4
	}
	mp := len(pa.Scales)
	f := make([]float32, mp*pa.K)
	for p0 := 0; p0 < pa.K; p0 += pa.KC {
		kc := min(pa.KC, pa.K-p0)
		packAPrepacked(f[p0*mp:], deq, pa, 0, 0, p0, mp, kc)
	}
	pa.F, pa.Q = f, nil
}

// WithPacked returns x with its prepacked layout pa (x must be the int8
// matrix pa was made from, rows scaled).
func (x Matrix) WithPacked(pa *PackedA) Matrix {
	x.Packed, x.PackedRow = pa, 0
	return x
}

// usable reports whether the prepacked layout serves a packed product
// with these kernel sizes over k columns.
func (pa *PackedA) usable(mr, kcMax, k int, transA bool) bool {
	return pa != nil && (pa.Q != nil || pa.F != nil) && !transA && mr == 4 && pa.MR == mr && pa.KC == kcMax && pa.K == k
}

// packAPrepacked is packA from a prepacked A whose row 0 is row row0 of pa
// (a multiple of MR): each sliver of the mc x kc block at (i0, p0) is one
// contiguous run of pa.Q, dequantized by deq with the sliver's MR scales.
// Rows past mc (padding, or the next row strip's) are zero.
func packAPrepacked(dst []float32, deq func(dst []float32, q []int8, sc *[4]float32), pa *PackedA, row0, i0, p0, mc, kc int) {
	mr := pa.MR
	mp := len(pa.Scales)
	for s := 0; s*mr < mc; s++ {
		d := dst[s*kc*mr : (s+1)*kc*mr]
		sl := (row0 + i0 + s*mr) / mr
		src := pa.Q[p0*mp+sl*kc*mr : p0*mp+(sl+1)*kc*mr]
		deq(d, src, (*[4]float32)(pa.Scales[sl*mr:]))
		if rows := mc - s*mr; rows < mr {
			for p := 0; p < kc; p++ {
				clear(d[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// dequant4 is Generic's Dequant: dst[i] = float32(q[i]) * sc[i%4], rounded
// as dequant rounds.
func dequant4(dst []float32, q []int8, sc *[4]float32) {
	dst = dst[:len(q)]
	i := 0
	for ; i+4 <= len(q); i += 4 {
		qv := (*[4]int8)(q[i:])
		*(*[4]float32)(dst[i:]) = [4]float32{dequant(qv[0], sc[0]), dequant(qv[1], sc[1]), dequant(qv[2], sc[2]), dequant(qv[3], sc[3])}
	}
	for ; i < len(q); i++ {
		dst[i] = dequant(q[i], sc[i%4])
	}
}
