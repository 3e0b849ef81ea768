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
		out = append(out, st)
	}
	return out
}

// summarise returns the fraction of exact zeros and the range and mean of
// the finite values of vals (JSON has no NaN or infinity, and a broken
// layer must not break the message). Bytes is the float32 size.
func summarise(vals []float32) protocol.LayerStat {
	st := protocol.LayerStat{Bytes: 4 * int64(len(vals))}
	if len(vals) == 0 {
		return st
	}
	zeros, finite := 0, 0
	lo, hi := float32(math.MaxFloat32), float32(-math.MaxFloat32)
	var sum float64
	for _, v := range vals {
		if v == 0 {
			zeros++
		}
		// v-v is 0 for finite v and NaN for NaN and infinities.
		if v-v != 0 {
			continue
		}
		finite++
		// Comparisons, not the min and max builtins: in WebAssembly those
		// are runtime calls (see engine/gemm's ReLU).
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
		sum += float64(v)
	}
	st.Zeros = float64(zeros) / float64(len(vals))
	if finite > 0 {
		st.Min, st.Max, st.Mean = lo, hi, float32(sum/float64(finite))
	}
	return st
}
