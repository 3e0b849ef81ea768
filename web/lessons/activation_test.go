package lessons

import (
	"math"
	"slices"
	"strings"
	"testing"

	"convscope/web/protocol"
)

func TestActivations(t *testing.T) {
	for _, tc := range []struct {
		x, relu, drelu, sig, dsig float64
	}{
		{-2, 0, 0, 1 / (1 + math.Exp(2)), math.Exp(2) / ((1 + math.Exp(2)) * (1 + math.Exp(2)))},
		{0, 0, 0, 0.5, 0.25},
		{3, 3, 1, 1 / (1 + math.Exp(-3)), math.Exp(-3) / ((1 + math.Exp(-3)) * (1 + math.Exp(-3)))},
		{-1000, 0, 0, 0, 0}, // no overflow into NaN
		{1000, 1000, 1, 1, 0},
	} {
		got := [4]float64{ReLU(tc.x), ReLUGrad(tc.x), Sigmoid(tc.x), SigmoidGrad(tc.x)}
		want := [4]float64{tc.relu, tc.drelu, tc.sig, tc.dsig}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-15 || math.IsNaN(got[i]) {
				t.Errorf("x=%v: function %d = %v, want %v", tc.x, i, got[i], want[i])
			}
		}
	}
}

func TestActivationCurves(t *testing.T) {
	curves, err := ActivationCurves(-6, 6, 121)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"ReLU", "ReLU derivative", "sigmoid", "sigmoid derivative"}
	for i, c := range curves {
		if c.Name != names[i] || len(c.X) != len(c.Y) || c.X[0] != -6 || c.X[len(c.X)-1] != 6 {
			t.Errorf("curve %d %s: %d x, %d y, from %v to %v", i, c.Name, len(c.X), len(c.Y), c.X[0], c.X[len(c.X)-1])
		}
		for j := 1; j < len(c.X); j++ {
			if c.X[j] < c.X[j-1] {
				t.Errorf("%s: x goes back at %d", c.Name, j)
			}
		}
	}
	// The step of ReLU's derivative: upright at 0, in place of the
	// sample at 0.
	d := curves[1]
	if len(d.X) != 122 || d.X[60] != 0 || d.X[61] != 0 || d.Y[60] != 0 || d.Y[61] != 1 || d.Y[59] != 0 || d.Y[62] != 1 {
		t.Errorf("ReLU derivative around 0: %v %v", d.X[58:64], d.Y[58:64])
	}
	// The sigmoid's derivative peaks at a quarter.
	peak := 0.0
	for _, y := range curves[3].Y {
		peak = math.Max(peak, y)
	}
	if peak != 0.25 {
		t.Errorf("sigmoid derivative peaks at %v", peak)
	}
	// A range without 0 has no step; 0 between samples still gets one.
	if c, _ := ActivationCurves(1, 2, 5); len(c[1].X) != 5 {
		t.Errorf("positive range: %d points", len(c[1].X))
	}
	if c, _ := ActivationCurves(-1, 2, 3); len(c[1].X) != 5 || c[1].X[1] != 0 || c[1].X[2] != 0 || c[1].X[3] != 0.5 {
		t.Errorf("0 between samples: %v", c[1].X)
	}
	for _, bad := range [][3]float64{{1, 1, 10}, {2, 1, 10}, {0, 1, 1}, {math.NaN(), 1, 10}, {math.Inf(-1), 0, 10}} {
		if _, err := ActivationCurves(bad[0], bad[1], int(bad[2])); err == nil {
			t.Errorf("range %v: no error", bad)
		}
	}
}

func TestZerosByBlock(t *testing.T) {
	zs := []Zeros{
		{Name: "relu", Fraction: 0.5, Units: 100},
		{Name: "layer1.0.relu", Fraction: 0.2, Block: "layer1.0", Units: 300},
		{Name: "layer1.0.relu2", Fraction: 0.6, Block: "layer1.0", Units: 100},
		{Name: "layer1.1.relu", Fraction: 0.4, Block: "layer1.1", Units: 50},
		{Name: "fc.relu", Fraction: 0.9, Units: 10},
	}
	got, layers := ZerosByBlock(zs)
	want := []Zeros{
		{Name: "relu", Fraction: 0.5, Units: 100},
		// (0.2*300 + 0.6*100) / 400 zeros: weighted by units, not 0.4.
		{Name: "layer1.0", Fraction: 0.3, Block: "layer1.0", Units: 400},
		{Name: "layer1.1", Fraction: 0.4, Block: "layer1.1", Units: 50},
		{Name: "fc.relu", Fraction: 0.9, Units: 10},
	}
	if len(got) != len(want) || !slices.Equal(layers, []int{1, 2, 1, 1}) {
		t.Fatalf("ZerosByBlock: %+v %v, want %+v [1 2 1 1]", got, layers, want)
	}
	for i := range want {
		g := got[i]
		if g.Name != want[i].Name || g.Block != want[i].Block || g.Units != want[i].Units || math.Abs(g.Fraction-want[i].Fraction) > 1e-12 {
			t.Errorf("entry %d: %+v, want %+v", i, g, want[i])
		}
	}
}

func TestReLUZeros(t *testing.T) {
	l := alexnetNet()
	r := &protocol.Result{Model: "alexnet", Stats: []protocol.LayerStat{
		{Name: "features.0", Zeros: 0.01}, // a conv: not a ReLU row
		{Name: "features.4", Zeros: 0.75},
		{Name: "features.1", Zeros: 0.5},
	}}
	z, err := ReLUZeros(l, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(z) != 2 || z[0].Name != "features.1" || z[0].Fraction != 0.5 || z[1].Name != "features.4" || z[1].Fraction != 0.75 {
		t.Errorf("zeros %v", z)
	}
	// AlexNet's features.1 follows conv1: 64 x 55 x 55 units.
	if z[0].Units != 64*55*55 || z[0].Block != "" {
		t.Errorf("features.1: %d units in block %q, want 193600 in none", z[0].Units, z[0].Block)
	}
	for _, tc := range []struct {
		r    *protocol.Result
		want string
	}{
		{nil, "no image"},
		{&protocol.Result{Model: "vgg16"}, "of model vgg16"},
		{&protocol.Result{Stats: []protocol.LayerStat{{Name: "x"}}}, `statistics of "x"`},
		{&protocol.Result{Stats: []protocol.LayerStat{{Name: "features.1", Zeros: 1.5}}}, "zero fraction 1.5"},
	} {
		if _, err := ReLUZeros(l, tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.r, err, tc.want)
		}
	}
}
