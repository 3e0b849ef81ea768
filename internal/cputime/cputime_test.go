package cputime

import (
	"runtime"
	"testing"
)

// TestSecondsAdvances: busy work shows up as CPU time where it is measured.
func TestSecondsAdvances(t *testing.T) {
	start := Seconds()
	x := 0.0
	for i := range 50_000_000 {
		x += float64(i & 7)
	}
	used := Seconds() - start
	if runtime.GOOS != "linux" && used == 0 {
		t.Skipf("CPU time is not measured on %s", runtime.GOOS)
	}
	if used <= 0 || x == 0 {
		t.Errorf("CPU time went from %v by %v over a busy loop", start, used)
	}
}
