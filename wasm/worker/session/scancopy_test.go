package session

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"convscope/engine"
	"convscope/internal/cputime"
)

// TestCopyScanStats: CopyScanStats gives the copy and, to the bit, the
// ranges and tally of ScanStats on the copy (the SIMD128 build's loop over
// whole layers against the map-by-map scan), for layers of maps the loop
// takes (8 to 1024 values, a multiple of 8) and of maps it does not, with
// ReLU-like zeros, signed zeros, and NaN and infinities in some maps (the
// loop stops there and the map goes the other way), a layer whose length
// is not a whole number of maps, and a destination longer than the source.
func TestCopyScanStats(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	gen := func(n int, specials int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = r.Float32()*6 - 2
			switch {
			case s[i] < 0 && r.IntN(2) == 0:
				s[i] = 0
			case r.IntN(50) == 0:
				s[i] = float32(math.Copysign(0, -1))
			}
		}
		for range specials {
			s[r.IntN(n)] = special[r.IntN(len(special))]
		}
		return s
	}
	sizes := []int{8, 16, 24, 64, 256, 1016, 1024, 1, 4, 12, 1025, 1032, 2048, 3136}
	for _, size := range sizes {
		for _, maps := range []int{1, 2, 3, 16, 33} {
			for _, specials := range []int{0, 1, 5} {
				for _, extra := range []int{0, 3} { // values past the last whole map
					src := gen(maps*size+extra, specials)
					n := maps
					if extra > 0 && maps*size+extra < 2*maps {
						continue
					}
					dst := make([]float32, len(src)+5)
					for i := range dst {
						dst[i] = -7
					}
					lo, hi := make([]float32, n), make([]float32, n)
					got := copyScan(dst, src, lo, hi)
					if !slices.Equal(math32bits(dst[:len(src)]), math32bits(src)) {
						t.Fatalf("%d maps of %d (+%d), %d specials: the copy differs", maps, size, extra, specials)
					}
					if !slices.Equal(dst[len(src):], []float32{-7, -7, -7, -7, -7}) {
						t.Fatalf("%d maps of %d (+%d): wrote past the source's length", maps, size, extra)
					}
					wlo, whi, want := scanTally(dst[:len(src)], n)
					// And without a copy.
					nlo, nhi := make([]float32, n), make([]float32, n)
					nt := copyScan(nil, src, nlo, nhi)
					if !slices.Equal(math32bits(nlo), math32bits(wlo)) || !slices.Equal(math32bits(nhi), math32bits(whi)) || !sameTally(nt, want) {
						t.Errorf("%d maps of %d (+%d), %d specials, no copy: ranges %v %v, tally %+v, want %v %v, %+v", maps, size, extra, specials, nlo, nhi, nt, wlo, whi, want)
					}
					if !slices.Equal(math32bits(lo), math32bits(wlo)) || !slices.Equal(math32bits(hi), math32bits(whi)) {
						t.Errorf("%d maps of %d (+%d), %d specials: ranges %v %v, want %v %v", maps, size, extra, specials, lo, hi, wlo, whi)
					}
					if !sameTally(got, want) {
						t.Errorf("%d maps of %d (+%d), %d specials: tally %+v, want %+v", maps, size, extra, specials, got, want)
					}
					if st, wst := got.stat(len(src)), want.stat(len(src)); st != wst {
						t.Errorf("%d maps of %d (+%d): stat %+v, want %+v", maps, size, extra, st, wst)
					}
				}
			}
		}
	}
}

// sameTally reports whether a and b are the same to the bit.
func sameTally(a, b tally) bool {
	return a.zeros == b.zeros && a.finite == b.finite &&
		math.Float64bits(a.sum) == math.Float64bits(b.sum) &&
		math.Float32bits(a.lo) == math.Float32bits(b.lo) && math.Float32bits(a.hi) == math.Float32bits(b.hi)
}

func math32bits(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, x := range v {
		b[i] = math.Float32bits(x)
	}
	return b
}

// BenchmarkCopyScan: a lazy session's work on a shown layer (absorb), as a
// copy and ScanStats and as CopyScanStats, on CIFAR-10 layer shapes. In
// Node: GOOS=js GOARCH=wasm GOEXPERIMENT=simd go test -bench CopyScan.
func BenchmarkCopyScan(b *testing.B) {
	for _, sh := range [][3]int{{64, 32, 32}, {64, 16, 16}, {384, 8, 8}} {
		c, n := sh[0], sh[0]*sh[1]*sh[2]
		src := make([]float32, n)
		for i := range src {
			src[i] = float32(i%17) - 5
		}
		dst := make([]float32, n)
		name := fmt.Sprintf("%dx%dx%d", sh[0], sh[1], sh[2])
		b.Run(name+"/copy+scan", func(b *testing.B) {
			cpu0 := cputime.Seconds()
			for b.Loop() {
				copy(dst, src)
				ScanStats(dst, c)
			}
			b.ReportMetric((cputime.Seconds()-cpu0)*1e6/float64(b.N), "cpu-us/op")
		})
		b.Run(name+"/fused", func(b *testing.B) {
			cpu0 := cputime.Seconds()
			for b.Loop() {
				CopyScanStats(dst, src, make([]float32, c), make([]float32, c))
			}
			b.ReportMetric((cputime.Seconds()-cpu0)*1e6/float64(b.N), "cpu-us/op")
		})
	}
}

// TestReluOf: a lazy session keeps no float32 values of the ReLUs of
// shown values (every ReLU of the CIFAR-10 networks: TestLazyMaps checks
// their maps against an eager session's), and reluInputs leaves out a
// ReLU of such a ReLU and a ReLU whose input is not shown or has another
// shape.
func TestReluOf(t *testing.T) {
	b, _ := randomModel(t, "resnet20_cifar")
	var s Session
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Classify(context.Background(), testImage(t), false, 5, nil); err != nil {
		t.Fatal(err)
	}
	if len(s.reluOf) < 19 { // resnet20: the stem's, and two in each of 9 blocks
		t.Errorf("%d ReLUs derived, want 19: %v", len(s.reluOf), s.reluOf)
	}
	for r, in := range s.reluOf {
		if s.floats[r] != nil {
			t.Errorf("ReLU %s: float32 values kept", r)
		}
		if s.floats[in] == nil {
			t.Errorf("ReLU %s: its input %s has no float32 values", r, in)
		}
	}

	relu := func(in, out string) *engine.Node {
		return &engine.Node{Name: out, Op: engine.OpRelu, Inputs: []string{in}, Outputs: []string{out}}
	}
	nodes := []*engine.Node{relu("a", "b"), relu("b", "c"), relu("c", "d"), relu("x", "y"), relu("a", "z"), relu("a", "w")}
	shown := map[string]bool{"a": true, "b": true, "c": true, "d": true, "x": false, "y": true, "z": true, "w": true}
	sh := []int{1, 2, 3, 3}
	shapes := map[string][]int{"a": sh, "b": sh, "c": sh, "d": sh, "x": sh, "y": sh, "z": sh, "w": {1, 2, 9}}
	got := reluInputs(nodes, shown, shapes)
	if got["b"] != "a" || got["z"] != "a" || got["y"] != "" || got["w"] != "" || got["c"] != "" {
		t.Errorf("reluInputs: %v", got)
	}
	// d's input c is kept (c reads a derived ReLU), so d may be derived.
	for out, in := range got {
		if _, chained := got[in]; chained {
			t.Errorf("reluInputs: %s derived from %s, itself derived", out, in)
		}
	}
}
