package session

import "convscope/web/protocol"

// CopyScanStats copies src into dst (at least as long) and returns
// ScanStats of the copy: the same ranges and statistics to the bit. A lazy
// session (Session.lazy) does both to every shown value of every run
// (absorb); on the SIMD128 build one assembly loop (scanCopyMaps) does
// them in one pass over a whole layer, map after map, where the copy and
// a call of the scan for each map took nearly twice as long: a CIFAR-10
// layer is many small maps (GoogLeNet's 8x8 maps, 64 values each: the
// scan's Go wrapper cost as much as its loop). A map with a NaN or an
// infinity, and a layer whose maps the loop does not take, go the
// ScanStats way.
func CopyScanStats(dst, src []float32, n int) (lo, hi []float32, st protocol.LayerStat) {
	lo, hi, t := copyScan(dst, src, n)
	return lo, hi, t.stat(len(src))
}

// copyScan is CopyScanStats with the tally (for the tests to compare).
func copyScan(dst, src []float32, n int) (lo, hi []float32, t tally) {
	dst = dst[:len(src)]
	if scanCopyMaps == nil || n == 0 || len(src) == 0 || !scanCopyFits(len(src)/n) {
		copy(dst, src)
		return scanTally(dst, n)
	}
	lo = make([]float32, n)
	hi = make([]float32, n)
	t = newTally()
	size := len(src) / n
	copy(dst[n*size:], src[n*size:]) // values past the last whole map, as ScanStats leaves them
	for c := 0; c < n; {
		c += scanCopyMaps(dst[c*size:n*size], src[c*size:n*size], size, lo[c:], hi[c:], &t)
		if c < n {
			// A NaN or an infinity: the loop copied the map and
			// stopped there.
			lo[c], hi[c], _ = t.add(dst[c*size : (c+1)*size])
			c++
		}
	}
	return lo, hi, t
}

// scanCopyFits reports whether scanCopyMaps takes maps of size values: a
// whole number of pairs of vectors, one scan block at most (the loop does
// not split a map into blocks; a CIFAR-10 map has 1024 values at most).
func scanCopyFits(size int) bool { return size >= 8 && size%8 == 0 && size <= scanBlock }
