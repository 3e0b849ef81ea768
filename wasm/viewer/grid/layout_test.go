package grid

import (
	"image"
	"math"
	"testing"
)

func TestLayoutChoosesBestFit(t *testing.T) {
	for _, tc := range []struct {
		n, cw, ch  int
		vw, vh     float64
		cols, rows int
	}{
		{64, 16, 16, 800, 800, 8, 8},   // square maps, square view
		{64, 16, 16, 1600, 400, 16, 4}, // wide view: wide grid
		{1, 32, 32, 800, 600, 1, 1},
		{3, 10, 10, 100, 1000, 1, 3}, // tall view: one column
		{10, 8, 8, 500, 200, 5, 2},
	} {
		l, err := NewLayout(tc.n, tc.cw, tc.ch, tc.vw, tc.vh)
		if err != nil {
			t.Fatal(err)
		}
		if l.Cols != tc.cols || l.Rows != tc.rows {
			t.Errorf("%d maps of %dx%d in %vx%v: %dx%d grid, want %dx%d", tc.n, tc.cw, tc.ch, tc.vw, tc.vh, l.Cols, l.Rows, tc.cols, tc.rows)
		}
		// Brute force: no other column count shows the cells larger.
		w, h := l.Size()
		best := min(tc.vw/float64(w), tc.vh/float64(h))
		for cols := 1; cols <= tc.n; cols++ {
			o := Layout{N: tc.n, Cols: cols, Rows: (tc.n + cols - 1) / cols, CellW: tc.cw, CellH: tc.ch, Gap: l.Gap}
			ow, oh := o.Size()
			if s := min(tc.vw/float64(ow), tc.vh/float64(oh)); s > best+1e-12 {
				t.Errorf("%d cols fit at scale %v, better than the chosen %v", cols, s, best)
			}
		}
	}
	if _, err := NewLayout(0, 1, 1, 10, 10); err == nil {
		t.Error("a layout of no cells succeeded")
	}
	if _, err := NewLayout(4, 2048, 2048, 100, 100); err == nil {
		t.Error("four 2048x2048 maps cannot fit a 4096 texture with gaps; want an error")
	}
}

func TestLayoutCellsAndHit(t *testing.T) {
	l, err := NewLayout(23, 7, 5, 640, 480)
	if err != nil {
		t.Fatal(err)
	}
	w, h := l.Size()
	bounds := image.Rect(0, 0, w, h)
	for i := range l.N {
		r := l.Cell(i)
		if !r.In(bounds) {
			t.Fatalf("cell %d %v outside the content %v", i, r, bounds)
		}
		for j := range i {
			if r.Overlaps(l.Cell(j)) {
				t.Fatalf("cells %d and %d overlap", i, j)
			}
		}
		// Every pixel of the cell hits it, at the right position.
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				c, px, py, ok := l.Hit(float64(x)+0.5, float64(y)+0.5)
				if !ok || c != i || px != x-r.Min.X || py != y-r.Min.Y {
					t.Fatalf("Hit(%d,%d) = %d (%d,%d) %v, want cell %d (%d,%d)", x, y, c, px, py, ok, i, x-r.Min.X, y-r.Min.Y)
				}
			}
		}
	}
	// Gaps, outside, and the empty cells after the last one hit nothing.
	misses := [][2]float64{{-1, 0}, {0, -0.5}, {float64(l.CellW) + 0.5, 1}, {1, float64(l.CellH) + 0.5}, {float64(w) + 3, 1}, {1, float64(h) + 3}, {math.NaN(), 1}}
	if last := l.Cell(l.N - 1); l.N%l.Cols != 0 {
		misses = append(misses, [2]float64{float64(last.Max.X+l.Gap) + 1, float64(last.Min.Y) + 1})
	}
	for _, p := range misses {
		if c, _, _, ok := l.Hit(p[0], p[1]); ok {
			t.Errorf("Hit(%v, %v) = cell %d, want a miss", p[0], p[1], c)
		}
	}
}
