package conv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTransposeStore: transposeStore writes y[j*ldy+px] = ct[px*nr+j] for
// every pixel and channel, the bits moved as they are (NaN, -0
// included), and nothing else of y: full 16x16 blocks and the tails on
// both sides, row strides above the row length.
func TestTransposeStore(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for _, nr := range []int{32, 64} {
		for _, rows := range []int{1, 15, 16, 17, 49, 52, 196, 784} {
			for _, mc := range []int{1, 15, 16, 17, 31, nr} {
				if mc > nr {
					continue
				}
				for _, ldy := range []int{rows, rows + 3} {
					ct := randSlice(r, rows*nr)
					ct[r.IntN(len(ct))] = float32(math.NaN())
					ct[r.IntN(len(ct))] = float32(math.Copysign(0, -1))
					y := make([]float32, mc*ldy+5)
					const sentinel = 12345.5
					for i := range y {
						y[i] = sentinel
					}
					if !transposeStore(ct, y, rows, nr, mc, ldy) {
						t.Skip("no vector transposeStore in this build")
					}
					for i, v := range y {
						j, px := i/ldy, i%ldy
						want := float32(sentinel)
						if j < mc && px < rows {
							want = ct[px*nr+j]
						}
						if math.Float32bits(v) != math.Float32bits(want) {
							t.Fatalf("nr %d rows %d mc %d ldy %d: y[%d] (channel %d, pixel %d) = %v, want %v", nr, rows, mc, ldy, i, j, px, v, want)
						}
					}
				}
			}
		}
	}
}

// BenchmarkTransposeStore moves ResNet-18 layer2.0.conv1's scratch (784
// pixels by 128 channels, two slabs of 64) into its output, as directChan's
// storeBiasRelu does after the bias and ReLU.
func BenchmarkTransposeStore(b *testing.B) {
	const npix, nr = 784, 64
	ct := randSlice(rand.New(rand.NewPCG(35, 36)), npix*nr)
	y := make([]float32, 2*nr*npix)
	if !transposeStore(ct, y, npix, nr, nr, npix) {
		b.Skip("no vector transposeStore in this build")
	}
	for b.Loop() {
		transposeStore(ct, y, npix, nr, nr, npix)
		transposeStore(ct, y[nr*npix:], npix, nr, nr, npix)
	}
}
