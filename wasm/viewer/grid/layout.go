package grid

import (
	"fmt"
	"image"
	"math"
)

// MaxContentSide bounds the width and height of the image a layout needs
// (one texture on the canvas).
const MaxContentSide = 4096

// Layout places N cells of CellW x CellH content pixels in Cols columns and
// Rows rows, Gap pixels apart, row-major: cell i is at column i%Cols, row
// i/Cols. Content coordinates start at (0, 0) in the top-left cell's corner.
type Layout struct {
	N, Cols, Rows int
	CellW, CellH  int
	Gap           int
}

// gapFor returns the gap between cells: about a tenth of a cell, at least
// one pixel (so neighbouring maps never touch) and at most eight.
func gapFor(cellW, cellH int) int {
	return min(max(int(math.Round(float64(max(cellW, cellH))/10)), 1), 8)
}

// NewLayout chooses the number of columns that shows n cells of cellW x
// cellH the largest in a viewW x viewH area (the fit scale is the smaller of
// the two axis ratios), among layouts whose content fits MaxContentSide.
func NewLayout(n, cellW, cellH int, viewW, viewH float64) (Layout, error) {
	if n < 1 || cellW < 1 || cellH < 1 {
		return Layout{}, fmt.Errorf("layout: %d cells of %dx%d", n, cellW, cellH)
	}
	if viewW < 1 || viewH < 1 {
		viewW, viewH = 1, 1
	}
	gap := gapFor(cellW, cellH)
	best, bestScale := Layout{}, -1.0
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		if cols > 1 && (rows-1)*cols >= n {
			continue // same rows as fewer columns, with an empty last column
		}
		l := Layout{N: n, Cols: cols, Rows: rows, CellW: cellW, CellH: cellH, Gap: gap}
		w, h := l.Size()
		if w > MaxContentSide || h > MaxContentSide {
			continue
		}
		if s := min(viewW/float64(w), viewH/float64(h)); s > bestScale {
			best, bestScale = l, s
		}
	}
	if bestScale < 0 {
		return Layout{}, fmt.Errorf("layout: %d maps of %dx%d do not fit in %dx%d pixels", n, cellW, cellH, MaxContentSide, MaxContentSide)
	}
	return best, nil
}

// Size returns the content's width and height in pixels.
func (l Layout) Size() (w, h int) {
	return l.Cols*l.CellW + (l.Cols-1)*l.Gap, l.Rows*l.CellH + (l.Rows-1)*l.Gap
}

// Cell returns the content rectangle of cell i.
func (l Layout) Cell(i int) image.Rectangle {
	x := (i % l.Cols) * (l.CellW + l.Gap)
	y := (i / l.Cols) * (l.CellH + l.Gap)
	return image.Rect(x, y, x+l.CellW, y+l.CellH)
}

// Hit returns the cell and the pixel inside it at content point (cx, cy);
// ok is false in a gap, outside the content, or past the last cell.
func (l Layout) Hit(cx, cy float64) (i, x, y int, ok bool) {
	if cx < 0 || cy < 0 || math.IsNaN(cx) || math.IsNaN(cy) {
		return 0, 0, 0, false
	}
	px, py := int(cx), int(cy)
	col, inX := px/(l.CellW+l.Gap), px%(l.CellW+l.Gap)
	row, inY := py/(l.CellH+l.Gap), py%(l.CellH+l.Gap)
	if col >= l.Cols || row >= l.Rows || inX >= l.CellW || inY >= l.CellH {
		return 0, 0, 0, false
	}
	i = row*l.Cols + col
	if i >= l.N {
		return 0, 0, 0, false
	}
	return i, inX, inY, true
}
