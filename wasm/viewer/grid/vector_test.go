package grid

import (
	"math"
	"strings"
	"testing"

	"convscope/wasm/viewer/colormap"
)

func TestVector(t *testing.T) {
	for _, tc := range []struct {
		c, h, w int
		want    bool
	}{
		{1, 1, 4096, true}, {512, 1, 1, true}, {1, 1, 10, false}, {1, 1, 1, false}, {64, 7, 7, false}, {1, 8, 100, false},
	} {
		if got := IsVector(&Maps{C: tc.c, H: tc.h, W: tc.w}); got != tc.want {
			t.Errorf("IsVector([%d,%d,%d]) = %v", tc.c, tc.h, tc.w, got)
		}
	}
	if err := CheckMapsShape(1, 1, 4096); err != nil {
		t.Errorf("VGG's 4096 features refused: %v", err)
	}
	for _, s := range [][3]int{{1, 1, MaxVector + 1}, {2, 1, 4096}, {1, 2, 4096}} {
		if CheckMapsShape(s[0], s[1], s[2]) == nil {
			t.Errorf("shape %v accepted", s)
		}
	}

	// A fully connected layer: one row of 1000 values, wrapped 32 wide.
	fc := &Maps{Layer: "fc", C: 1, H: 1, W: 1000, Min: []float32{-2}, Max: []float32{3}, Data: make([]byte, 1000)}
	for i := range fc.Data {
		fc.Data[i] = byte(i % 256)
	}
	v := New(Rect{Y: 20, W: 800, H: 580})
	if err := v.SetMaps(fc); err != nil {
		t.Fatal(err)
	}
	l := v.Layout()
	if l.N != 1 || l.CellW != 32 || l.CellH != 32 {
		t.Fatalf("layout %+v, want one 32x32 block", l)
	}
	cam := v.Camera()
	// Value 300 is at (300%32, 300/32) = (12, 9).
	sx, sy := cam.ToScreen(12.5, 9.5)
	h, ok := v.Hover(sx, sy)
	if !ok || h.Channel != 0 || h.X != 300 || h.Y != 0 || h.Value != fc.Value(0, 0, 300) {
		t.Errorf("hover = %+v %v, want x 300 value %v", h, ok, fc.Value(0, 0, 300))
	}
	// Past the last value (1000 = (8, 31)): nothing.
	if h, ok := v.Hover(cam.ToScreen(8.5, 31.5)); ok {
		t.Errorf("hover past the end = %+v", h)
	}
	if _, ok := v.Click(cam.ToScreen(12.5, 9.5)); ok || v.Mode() != ModeGrid {
		t.Error("a click on a vector enlarged something")
	}
	img, _ := v.Content()
	if got, want := img.RGBAAt(12, 9), colormap.Viridis().At(byte(math.Round((fc.Value(0, 0, 300)+2)/5*255))); got != want {
		t.Errorf("pixel of value 300 = %v, want %v", got, want)
	}
	if s := v.Status(nil); !strings.Contains(s, "1000 values") {
		t.Errorf("status %q", s)
	}

	// Global pooling: 3 channels of 1x1, each a constant map (min = max).
	gap := &Maps{Layer: "pool", C: 3, H: 1, W: 1, Min: []float32{1, -1, 4}, Max: []float32{1, -1, 4}, Data: make([]byte, 3)}
	if err := v.SetMaps(gap); err != nil {
		t.Fatal(err)
	}
	vec := NewVector(gap)
	if !vec.PerChannel || vec.Lo != -1 || vec.Hi != 4 || vec.Idx[0] != 102 || vec.Idx[1] != 0 || vec.Idx[2] != 255 {
		t.Errorf("vector %+v, want values 1 -1 4 on [-1, 4] (indices 102 0 255)", vec)
	}
	cam = v.Camera()
	// 3 values: 2 columns; value 2 is at (0, 1).
	h, ok = v.Hover(cam.ToScreen(0.5, 1.5))
	if !ok || h.Channel != 2 || h.X != 0 || h.Value != 4 {
		t.Errorf("hover = %+v %v, want channel 2 value 4", h, ok)
	}
}
