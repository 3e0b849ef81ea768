package web

import (
	"testing"

	"convscope/web/protocol"
)

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "-"}, {999, "999"}, {1_500, "1.50 k"}, {61_100_840, "61.1 M"},
		{138_357_544, "138 M"}, {714_000_000, "714 M"}, {1_820_000_000, "1.82 G"},
	} {
		if got := Count(tc.n); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{-1, "-"}, {512, "512 B"}, {2048, "2.00 KiB"}, {280 << 20, "280 MiB"}, {3 << 30, "3.00 GiB"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestAvailability(t *testing.T) {
	if got := Availability(ModelEntry{BuiltIn: true, Available: true}); got != "built in" {
		t.Errorf("built-in: %q", got)
	}
	if got := Availability(ModelEntry{Available: true}); got != "yes" {
		t.Errorf("fetched: %q", got)
	}
	if got := Availability(ModelEntry{}); got != "fetch first" {
		t.Errorf("missing: %q", got)
	}
}

func TestShape(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want string
	}{
		{[]int{1, 64, 56, 56}, "64x56x56"}, {[]int{1, 1000}, "1000"}, {[]int{7}, "7"}, {nil, ""},
	} {
		if got := Shape(tc.in); got != tc.want {
			t.Errorf("Shape(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLayerSummary(t *testing.T) {
	c := &Root{Info: &protocol.Loaded{Layers: []protocol.LayerInfo{{Params: 1728, MACs: 1_769_472}, {Params: 36_928, MACs: 37_814_272}}}}
	if got, want := c.LayerSummary(), "2 layers, 38.7 k parameters, 39.6 M multiply-accumulates per image"; got != want {
		t.Errorf("LayerSummary = %q, want %q", got, want)
	}
}

// TestTimingText: the run's times, and the workers only when the model was
// split over several.
func TestTimingText(t *testing.T) {
	r := &protocol.Result{Model: "AlexNet", Ms: 95.2, RunMs: 8.254, Timings: make([]protocol.Timing, 21)}
	for _, tc := range []struct {
		mem  *protocol.Memory
		want string
	}{
		{nil, "AlexNet in 95 ms (inference 8.25 ms, 21 layers)."},
		{&protocol.Memory{Workers: 1}, "AlexNet in 95 ms (inference 8.25 ms, 21 layers)."},
		{&protocol.Memory{Workers: 2}, "AlexNet in 95 ms (inference 8.25 ms on 2 workers, 21 layers)."},
	} {
		r.Memory = tc.mem
		if got := TimingText(r); got != tc.want {
			t.Errorf("TimingText with %+v = %q, want %q", tc.mem, got, tc.want)
		}
	}
	if got := TimingText(nil); got != "" {
		t.Errorf("TimingText(nil) = %q, want nothing", got)
	}
}
