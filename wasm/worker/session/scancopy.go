package session

import (
	"slices"

	"convscope/engine"
	"convscope/web/protocol"
)

// CopyScanStats copies src into dst (at least as long) and returns
// ScanStats of the copy, its len(lo) maps' ranges written to lo and hi
// (which the caller allocates: a lazy session carves them from one buffer
// a run, Session.carve): the same ranges and statistics to the bit. With
// dst nil it copies nothing: ScanStats of src. A lazy
// session (Session.lazy) does both to every shown value of every run
// (absorb); on the SIMD128 build one assembly loop (scanCopyMaps) does
// them in one pass over a whole layer, map after map, where the copy and
// a call of the scan for each map took nearly twice as long: a CIFAR-10
// layer is many small maps (GoogLeNet's 8x8 maps, 64 values each: the
// scan's Go wrapper cost as much as its loop). A map with a NaN or an
// infinity, and a layer whose maps the loop does not take, go the
// ScanStats way.
func CopyScanStats(dst, src, lo, hi []float32) protocol.LayerStat {
	t := copyScan(dst, src, lo, hi)
	return t.stat(len(src))
}

// copyScan is CopyScanStats with the tally (for the tests to compare).
func copyScan(dst, src, lo, hi []float32) (t tally) {
	n := len(lo)
	hi = hi[:n]
	if dst != nil {
		dst = dst[:len(src)]
	}
	if scanCopyMaps == nil || n == 0 || len(src) == 0 || !scanCopyFits(len(src)/n) {
		copy(dst, src)
		return scanTallyInto(src, lo, hi)
	}
	t = newTally()
	size := len(src) / n
	var rest []float32
	if dst != nil {
		copy(dst[n*size:], src[n*size:]) // values past the last whole map, as ScanStats leaves them
	}
	for c := 0; c < n; {
		if dst != nil {
			rest = dst[c*size : n*size]
		}
		c += scanCopyMaps(rest, src[c*size:n*size], size, lo[c:], hi[c:], &t)
		if c < n {
			// A NaN or an infinity: the loop copied the map and
			// stopped there.
			lo[c], hi[c], _ = t.add(src[c*size : (c+1)*size])
			c++
		}
	}
	return t
}

// scanCopyFits reports whether scanCopyMaps takes maps of size values: a
// whole number of pairs of vectors, one scan block at most (the loop does
// not split a map into blocks; a CIFAR-10 map has 1024 values at most).
func scanCopyFits(size int) bool { return size >= 8 && size%8 == 0 && size <= scanBlock }

// reluInputs returns the Session.reluOf of a lazy session's program: each
// shown value a Relu node makes from a shown value of the same shape, to
// that value (graph names as the program's nodes have them), unless that
// value is itself such a ReLU (its values would not be kept either).
func reluInputs(nodes []*engine.Node, shown map[string]bool, shapes map[string][]int) map[string]string {
	m := map[string]string{}
	for _, n := range nodes {
		if n.Op != engine.OpRelu || len(n.Inputs) != 1 || len(n.Outputs) != 1 {
			continue
		}
		in, out := n.Inputs[0], n.Outputs[0]
		if in != out && shown[in] && shown[out] && len(shapes[in]) > 0 && slices.Equal(shapes[in], shapes[out]) {
			m[out] = in
		}
	}
	for out, in := range m {
		if _, chained := m[in]; chained {
			delete(m, out)
		}
	}
	return m
}

// relu returns the values of a Relu node of vals: 0 where v < 0, v
// otherwise (-0 and NaN pass), as the engine's ReLU keeps them.
func relu(vals []float32) []float32 {
	return reluInto(make([]float32, len(vals)), vals)
}

// reluInto is relu writing to dst (at least as long), which it returns
// cut to len(vals).
func reluInto(dst, vals []float32) []float32 {
	dst = dst[:len(vals)]
	for i, v := range vals {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
	return dst
}
