package filtergrid

import (
	"image/color"
	"math"
	"testing"
)

func TestGrid(t *testing.T) {
	for _, tc := range []struct{ n, cols, rows int }{
		{1, 1, 1}, {2, 2, 1}, {4, 2, 2}, {5, 3, 2}, {64, 8, 8}, {96, 10, 10}, {16, 4, 4},
	} {
		if c, r := Grid(tc.n); c != tc.cols || r != tc.rows {
			t.Errorf("Grid(%d) = %d, %d; want %d, %d", tc.n, c, r, tc.cols, tc.rows)
		}
	}
}

func TestRenderRGB(t *testing.T) {
	// Two 3-channel 1x2 filters: the first is pure red on the left pixel.
	data := []float32{
		1, 0, // R
		0, 0, // G
		0, 0, // B
		-1, 1, 0, 0, 0, 0,
	}
	img, err := Render(data, [4]int{2, 3, 1, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	cols, rows := Grid(2)
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != cols*(2*3+Gap)+Gap || h != rows*(1*3+Gap)+Gap {
		t.Fatalf("size %dx%d", w, h)
	}
	// Filter 0, left pixel: R at max, G and B at min (0 maps to 0 here).
	if got := img.RGBAAt(Gap+1, Gap+1); got != (color.RGBA{255, 0, 0, 255}) {
		t.Errorf("filter 0 left pixel = %v", got)
	}
	if got := img.RGBAAt(Gap+3+1, Gap+1); got != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("filter 0 right pixel = %v", got)
	}
	// Filter 1 is normalised on its own: -1 -> 0, 1 -> 255, 0 -> 128.
	x1 := Gap + (2*3 + Gap)
	if got := img.RGBAAt(x1, Gap); got != (color.RGBA{0, 128, 128, 255}) {
		t.Errorf("filter 1 left pixel = %v", got)
	}
	if got := img.RGBAAt(x1+3, Gap); got != (color.RGBA{255, 128, 128, 255}) {
		t.Errorf("filter 1 right pixel = %v", got)
	}
}

func TestRenderColormap(t *testing.T) {
	img, err := Render([]float32{0, 1, 2, float32(math.NaN())}, [4]int{1, 1, 2, 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.RGBAAt(Gap, Gap); got != Viridis(0) {
		t.Errorf("min = %v, want %v", got, Viridis(0))
	}
	if got := img.RGBAAt(Gap, Gap+1); got != Viridis(1) {
		t.Errorf("max = %v, want %v", got, Viridis(1))
	}
}

func TestViridis(t *testing.T) {
	if got := Viridis(0); got != (color.RGBA{68, 1, 84, 255}) {
		t.Errorf("Viridis(0) = %v", got)
	}
	if got := Viridis(1); got != (color.RGBA{253, 231, 37, 255}) {
		t.Errorf("Viridis(1) = %v", got)
	}
	if Viridis(-3) != Viridis(0) || Viridis(7) != Viridis(1) || Viridis(math.NaN()) != Viridis(0) {
		t.Error("out-of-range inputs are not clamped")
	}
	// Luminance rises monotonically: the property that makes it readable.
	prev := -1.0
	for i := range 101 {
		c := Viridis(float64(i) / 100)
		l := 0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)
		if l < prev-0.5 {
			t.Fatalf("luminance falls at %d/100: %v < %v", i, l, prev)
		}
		prev = l
	}
}

func TestRenderRejects(t *testing.T) {
	for _, tc := range []struct {
		data  []float32
		shape [4]int
		scale int
	}{
		{make([]float32, 4), [4]int{1, 1, 2, 2}, 0},
		{make([]float32, 3), [4]int{1, 1, 2, 2}, 1},
		{nil, [4]int{0, 1, 2, 2}, 1},
		{nil, [4]int{1, -1, 2, 2}, 1},
		{nil, [4]int{1, 1, 4096, 4096}, 1},
		{make([]float32, 64*64*4), [4]int{4, 1, 64, 64}, 64},
	} {
		if _, err := Render(tc.data, tc.shape, tc.scale); err == nil {
			t.Errorf("Render(len %d, %v, %d) accepted", len(tc.data), tc.shape, tc.scale)
		}
	}
}
