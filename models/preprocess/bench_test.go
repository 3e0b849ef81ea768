package preprocess

import (
	"image"
	"math/rand/v2"
	"testing"
)

// phonePhoto is a 12-megapixel 4:2:0 image, the size of a phone photo.
func phonePhoto() *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, 4032, 3024), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
		for i := range p {
			p[i] = uint8(rng.Uint32())
		}
	}
	return m
}

// BenchmarkPrepare12MP times the ImageNet resize + crop of a phone photo
// (run with -benchtime=3x; the machine is shared).
func BenchmarkPrepare12MP(b *testing.B) {
	img := phonePhoto()
	s := ImageNet()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Prepare(img); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrient12MP times turning a phone photo upright (EXIF 6).
func BenchmarkOrient12MP(b *testing.B) {
	img := phonePhoto()
	b.ResetTimer()
	for b.Loop() {
		orient(img, 6)
	}
}
