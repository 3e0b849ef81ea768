package colormap

import (
	"fmt"
	"math"
	"testing"
)

func hex(m *Map, i uint8) string {
	r, g, b := m.RGB(i)
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// sample returns the colour matplotlib gives for x in [0, 1]: index
// floor(x*256), clamped to 255.
func sample(m *Map, x float64) string {
	return hex(m, uint8(min(int(x*256), 255)))
}

// The ten colours at x = i/9 are the sequences plotly publishes as
// Viridis and Magma (sampled from matplotlib's tables the same way), and
// their ends are the documented endpoints #440154/#fde725 and
// #000004/#fcfdbf: a wrong, shifted or reversed table fails here.
func TestKnownColours(t *testing.T) {
	for _, tc := range []struct {
		m    *Map
		want [10]string
	}{
		{Viridis(), [10]string{"#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"}},
		{Magma(), [10]string{"#000004", "#180f3d", "#440f76", "#721f81", "#9e2f7f", "#cd4071", "#f1605d", "#fd9668", "#feca8d", "#fcfdbf"}},
		{Grey(), [10]string{"#000000", "#1c1c1c", "#383838", "#555555", "#717171", "#8e8e8e", "#aaaaaa", "#c7c7c7", "#e3e3e3", "#ffffff"}},
	} {
		for i, want := range tc.want {
			if got := sample(tc.m, float64(i)/9); got != want {
				t.Errorf("%s(%d/9) = %s, want %s", tc.m.Name(), i, got, want)
			}
		}
	}
	// Matplotlib's viridis(0.5) and viridis(0.75), often quoted.
	if got := sample(Viridis(), 0.5); got != "#21918c" {
		t.Errorf("viridis(0.5) = %s, want #21918c", got)
	}
	if got := sample(Viridis(), 0.75); got != "#5ec962" {
		t.Errorf("viridis(0.75) = %s, want #5ec962", got)
	}
}

// lightness returns CIE L* of an sRGB colour given in [0, 1].
func lightness(c [3]float32) float64 {
	lin := func(v float32) float64 {
		x := float64(v)
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	y := 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
	if y <= 216.0/24389 {
		return y * 24389 / 27
	}
	return 116*math.Cbrt(y) - 16
}

// Both published tables are smooth (neighbours differ by less than 1/60 per
// channel) and rise in lightness from end to end: that is what makes them
// perceptual, and it also catches a mistyped digit anywhere in the tables.
func TestTablesSmoothAndMonotonic(t *testing.T) {
	for name, data := range map[string]*[256][3]float32{"viridis": &viridisData, "magma": &magmaData} {
		prev := lightness(data[0])
		for i := 1; i < 256; i++ {
			for k := range 3 {
				if d := math.Abs(float64(data[i][k] - data[i-1][k])); d > 1.0/60 {
					t.Errorf("%s[%d] channel %d jumps by %.4f from the entry before", name, i, k, d)
				}
			}
			l := lightness(data[i])
			if l <= prev {
				t.Errorf("%s[%d]: lightness %.3f does not rise (previous %.3f)", name, i, l, prev)
			}
			prev = l
		}
	}
}

func TestByName(t *testing.T) {
	for _, name := range Names() {
		m, err := ByName(name)
		if err != nil || m.Name() != name {
			t.Errorf("ByName(%q) = %v, %v", name, m, err)
		}
	}
	if m, err := ByName("gray"); err != nil || m != Grey() {
		t.Errorf(`ByName("gray") = %v, %v; want the grey table`, m, err)
	}
	if _, err := ByName("jet"); err == nil {
		t.Error(`ByName("jet") succeeded; want an error naming the known tables`)
	}
	if Names()[0] != "viridis" {
		t.Errorf("default table is %q, want viridis", Names()[0])
	}
	if c := Viridis().At(255); c.A != 255 || c.R != 0xfd {
		t.Errorf("At(255) = %v", c)
	}
}
