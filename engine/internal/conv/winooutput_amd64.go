//go:build amd64 && goexperiment.simd && !convscope_nosimd

package conv

import (
	"simd/archsimd"
	"unsafe"
)

// storeOut4 writes the 2x2 outputs of four consecutive tiles of a tile row
// (ys as winoOut4 leaves them: ys[0] the four tiles' y00, ys[1] y01, ys[2]
// y10, ys[3] y11) into y at o (rows w apart): y00, y01 of each tile in
// turn on the first row, y10, y11 on the second, two interleaving VSHUFPS
// per four values instead of 16 scalar stores with their bounds checks.
func storeOut4(y []float32, o, w int, ys *[4][4]float32) bool {
	py := unsafe.Pointer(unsafe.SliceData(y[o : o+w+8]))
	row := func(a, b archsimd.Float32x4, at unsafe.Pointer) {
		lo := a.ConcatPermuteScalars(0, 1, 4, 5, b) // a0 a1 b0 b1
		hi := a.ConcatPermuteScalars(2, 3, 6, 7, b) // a2 a3 b2 b3
		lo.ConcatPermuteScalars(0, 2, 5, 7, lo).StoreArray((*[4]float32)(at))
		hi.ConcatPermuteScalars(0, 2, 5, 7, hi).StoreArray((*[4]float32)(unsafe.Add(at, 16)))
	}
	row(archsimd.LoadFloat32x4Array(&ys[0]), archsimd.LoadFloat32x4Array(&ys[1]), py)
	row(archsimd.LoadFloat32x4Array(&ys[2]), archsimd.LoadFloat32x4Array(&ys[3]), unsafe.Add(py, 4*w))
	return true
}
