package engine

import (
	"slices"
	"testing"

	"convscope/engine/internal/conv"
)

// squareGeom is a stride-1 conv of c channels in and m out, a k x k kernel and
// pad cells on each side, on an h x h map (of h x h outputs: pad = k/2).
func squareGeom(c, h, m, k, pad int) conv.Geom {
	return conv.Geom{N: 1, C: c, H: h, W: h, M: m, KH: k, KW: k, SH: 1, SW: 1, PT: pad, PL: pad, PB: pad, PR: pad, DH: 1, DW: 1, Group: 1, OH: h, OW: h}
}

// TestRowBounds: bands of equal rows where the conv takes any (im2col,
// 1x1), else on the even rows nearest the equal shares (Winograd; rows a
// multiple of 4 for WebAssembly's F(4x4), want4), and none with fewer
// than 2 rows a band.
func TestRowBounds(t *testing.T) {
	for _, c := range []struct {
		name     string
		g        conv.Geom
		count    int
		want     []int
		winograd bool  // equal shares are refused: odd rows
		want4    []int // where conv.RowStep is 4 (F(4x4) in WebAssembly)
	}{
		{"im2col 5x5, 27 rows (AlexNet's second conv)", squareGeom(64, 27, 192, 5, 2), 2, []int{0, 13, 27}, false, nil},
		{"1x1, 14 rows", squareGeom(480, 14, 64, 1, 0), 2, []int{0, 7, 14}, false, nil},
		{"1x1, 7 rows, 3 shards", squareGeom(832, 7, 128, 1, 0), 3, []int{0, 2, 4, 7}, false, nil},
		{"Winograd, 27 rows", squareGeom(64, 27, 64, 3, 1), 2, []int{0, 14, 27}, true, []int{0, 12, 27}},
		{"Winograd, 28 rows, 3 shards", squareGeom(64, 28, 64, 3, 1), 3, []int{0, 10, 18, 28}, true, []int{0, 8, 20, 28}},
		{"1x1, 3 rows: fewer than 2 each", squareGeom(64, 3, 64, 1, 0), 2, nil, false, nil},
	} {
		got := rowBounds(c.g, c.count)
		if conv.RowStep(c.g) == 4 {
			if c.want4 == nil {
				t.Fatalf("%s: takes F(4x4): no want4", c.name)
			}
			c.want = c.want4
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: bounds %v, want %v", c.name, got, c.want)
		}
		share := c.g.OH / c.count
		if _, ok := conv.RowBand(c.g, share, c.g.OH); ok == c.winograd && c.want != nil {
			t.Errorf("%s: a band from row %d kept the bits: %v, want %v", c.name, share, ok, !c.winograd)
		}
	}
}

// TestShareChunks: shared out, a conv's rows go in a multiple of the
// shard count of chunks (shards of the same pace take as many each), of
// at least minChunkPixels pixels, at most chunksPerShard a shard.
func TestShareChunks(t *testing.T) {
	for _, c := range []struct {
		name  string
		g     conv.Geom
		count int
		want  []int
	}{
		{"1x1, 28 rows (ResNet-50 layer2, GoogLeNet 3a)", squareGeom(512, 28, 128, 1, 0), 2, []int{0, 7, 14, 21, 28}},
		{"Winograd, 28 rows: static halves (a 6-row chunk would leave Winograd)", squareGeom(128, 28, 128, 3, 1), 2, nil},
		{"Winograd, 56 rows", squareGeom(64, 56, 64, 3, 1), 2, []int{0, 10, 18, 28, 38, 46, 56}},
		// F(4x4) in WebAssembly: bounds on multiples of 4 rows.
		{"Winograd, 56 rows, F(4x4)", squareGeom(64, 56, 64, 3, 1), -2, []int{0, 8, 20, 28, 36, 48, 56}},
		{"Winograd, 28 rows, F(4x4): static halves", squareGeom(128, 28, 128, 3, 1), -2, nil},
		{"1x1, 14 rows: static halves", squareGeom(480, 14, 192, 1, 0), 2, nil},
		{"1x1, 28 rows, 3 shards: static thirds", squareGeom(512, 28, 128, 1, 0), 3, nil},
		{"1x1, 56 rows, 3 shards", squareGeom(256, 56, 64, 1, 0), 3, []int{0, 6, 12, 18, 24, 31, 37, 43, 49, 56}},
	} {
		// count < 0: a case for F(4x4) (conv.RowStep 4) only; the others
		// there only where the conv does not take it.
		if f4 := conv.RowStep(c.g) == 4; (c.count < 0) != f4 {
			continue
		}
		c.count = max(c.count, -c.count)
		got := shareChunks(c.g, c.count)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: chunks %v, want %v", c.name, got, c.want)
		}
		if k := len(got) - 1; got != nil && (k%c.count != 0 || k > c.count*chunksPerShard) {
			t.Errorf("%s: %d chunks for %d shards", c.name, k, c.count)
		}
	}
}
