package session

import (
	"math"

	"convscope/web/protocol"
)

// layerStats lists the summaries of a run's kept values (by graph value,
// each computed once as the run went, in one pass, however many rows name
// it: a conv and its folded batch norm share one) in table order, one per
// layer with a kept output.
func layerStats(layers []protocol.LayerInfo, values map[string]string, byValue map[string]protocol.LayerStat) []protocol.LayerStat {
	var out []protocol.LayerStat
	for _, l := range layers {
		st, ok := byValue[values[l.Name]]
		if !ok {
			continue
		}
		st.Name = l.Name
		if out == nil {
			out = make([]protocol.LayerStat, 0, len(layers))
		}
		out = append(out, st)
	}
	return out
}

// summarise returns the fraction of exact zeros and the range and mean of
// the finite values of vals (JSON has no NaN or infinity, and a broken
// layer must not break the message). Bytes is the float32 size.
func summarise(vals []float32) protocol.LayerStat {
	t := newTally()
	t.add(vals)
	return t.stat(len(vals))
}

// tally accumulates a layer's statistics over its values, one run of
// values (a map) at a time, in one pass: summarise takes the layer as one
// run, QuantizeStats map by map, as it needs each map's range too.
type tally struct {
	zeros, finite int
	sum           float64 // of the finite values (see scanned.sum)
	lo, hi        float32 // of the finite values
}

func newTally() tally {
	return tally{lo: math.MaxFloat32, hi: -math.MaxFloat32}
}

// add counts m and returns the range of its finite values; ok is false
// when it has none.
func (t *tally) add(m []float32) (mn, mx float32, ok bool) {
	r := bestMaps.scan(m)
	t.zeros += r.zeros
	t.finite += r.finite
	t.sum += r.sum
	if r.finite == 0 {
		return 0, 0, false
	}
	// Strict comparisons keep the first value met, as one pass over all
	// the runs would.
	if r.mn < t.lo {
		t.lo = r.mn
	}
	if r.mx > t.hi {
		t.hi = r.mx
	}
	return r.mn, r.mx, true
}

// stat is the summary of the n values added.
func (t *tally) stat(n int) protocol.LayerStat {
	st := protocol.LayerStat{Bytes: 4 * int64(n)}
	if n == 0 {
		return st
	}
	st.Zeros = float64(t.zeros) / float64(n)
	if t.finite > 0 {
		st.Min, st.Max, st.Mean = t.lo, t.hi, float32(t.sum/float64(t.finite))
	}
	return st
}
