package preprocess

import (
	"image"
	"image/color"
	"testing"
)

// chromaOf returns the upsampled Cb row y of m.
func chromaOf(m *image.YCbCr, y int) []uint8 {
	s := newYCbCrSource(baseSource{m.Rect}, m).(*ycbcrSource)
	s.chromaRow(y, m.Cb, s.cb, s.sumCb)
	return s.cb
}

// TestYCbCrLibjpeg checks the upsampling against values worked out by hand
// from libjpeg's jdsample.c formulas, and the colour conversion against
// image/color (they differ by rounding only).
func TestYCbCrLibjpeg(t *testing.T) {
	// 4:2:0, 6x2 pixels, one chroma row [0 100 200]: column sums are 4x the
	// samples (the row is its own neighbour), then (3*this + other + 8 or 7) >> 4.
	m := image.NewYCbCr(image.Rect(0, 0, 6, 2), image.YCbCrSubsampleRatio420)
	copy(m.Cb, []uint8{0, 100, 200})
	want := []uint8{0, 25, 75, 125, 175, 200}
	for y := range 2 {
		if got := chromaOf(m, y); string(got) != string(want) {
			t.Errorf("4:2:0 row %d: %v, want %v", y, got, want)
		}
	}
	// 4:2:0 vertically: chroma rows 0 and 100 in a 6x4 image. Row 0 is
	// (3*0+0)*4 ... = 0; row 1 (3*0+100)*4/16 ~ 25; row 2 (3*100+0) -> 75;
	// row 3 (3*100+100) -> 100.
	m = image.NewYCbCr(image.Rect(0, 0, 6, 4), image.YCbCrSubsampleRatio420)
	copy(m.Cb[m.CStride:], []uint8{100, 100, 100})
	for y, v := range []uint8{0, 25, 75, 100} {
		if got := chromaOf(m, y); got[0] != v || got[5] != v {
			t.Errorf("4:2:0 vertical row %d: %v, want %d", y, got, v)
		}
	}
	// 4:2:2: [0 100 200] -> first and last copied, others (3a+b+1 or 2)>>2.
	m = image.NewYCbCr(image.Rect(0, 0, 6, 1), image.YCbCrSubsampleRatio422)
	copy(m.Cb, []uint8{0, 100, 200})
	if got, want := chromaOf(m, 0), []uint8{0, 25, 75, 125, 175, 200}; string(got) != string(want) {
		t.Errorf("4:2:2: %v, want %v", got, want)
	}
	// 4:4:0: rows 0 and 100 over 4 pixel rows, biases 1 then 2.
	m = image.NewYCbCr(image.Rect(0, 0, 2, 4), image.YCbCrSubsampleRatio440)
	copy(m.Cb[m.CStride:], []uint8{100, 100})
	for y, v := range []uint8{0, 25, 75, 100} {
		if got := chromaOf(m, y); got[0] != v {
			t.Errorf("4:4:0 row %d: %d, want %d", y, got[0], v)
		}
	}
	// Two chroma columns are too few for fancy upsampling: plain repeat.
	m = image.NewYCbCr(image.Rect(0, 0, 4, 2), image.YCbCrSubsampleRatio420)
	copy(m.Cb, []uint8{0, 100})
	if got, want := chromaOf(m, 0), []uint8{0, 0, 100, 100}; string(got) != string(want) {
		t.Errorf("narrow 4:2:0: %v, want %v", got, want)
	}

	// Colour conversion: 4:4:4 against image/color, within rounding.
	m = image.NewYCbCr(image.Rect(0, 0, 256, 1), image.YCbCrSubsampleRatio444)
	worst := 0
	for cb := 0; cb < 256; cb += 5 {
		for cr := 0; cr < 256; cr += 3 {
			for x := range 256 {
				m.Y[x], m.Cb[x], m.Cr[x] = uint8(x), uint8(cb), uint8(cr)
			}
			got := packedRGB(m)
			for x := range 256 {
				r, g, b := color.YCbCrToRGB(uint8(x), uint8(cb), uint8(cr))
				worst = max(worst, absDiff(got[3*x], r), absDiff(got[3*x+1], g), absDiff(got[3*x+2], b))
			}
		}
	}
	if worst > 1 {
		t.Errorf("libjpeg and image/color conversions differ by %d, want <= 1", worst)
	}
}
