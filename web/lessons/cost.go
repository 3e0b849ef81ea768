package lessons

import (
	"fmt"

	"convscope/web/protocol"
)

// Cost is what one layer costs: storage, arithmetic, memory and time.
type Cost struct {
	Name, Kind, Block string
	Params            int64 // learnable parameters
	MACs              int64 // multiply-accumulates per image
	// Bytes is the activation memory of the layer's output for one image
	// in float32: the measured Stats of the last run when it has the
	// layer, else 4 bytes per value of the output shape.
	Bytes int64
	// Ms is the time the last run spent in the engine nodes named after
	// the layer. The engine fuses a conv with its batch norm and ReLU, so
	// the conv's row carries their time and theirs is 0; Timed says
	// whether any node was named after the layer.
	Ms    float64
	Timed bool
}

// Costs returns every layer's cost in table order, without times when r is
// nil. It returns nil when LayerCosts fails.
func Costs(l *protocol.Loaded, r *protocol.Result) []Cost {
	c, err := LayerCosts(l, r)
	if err != nil {
		return nil
	}
	return c
}

// LayerCosts is Costs with the reason it fails: no model, a result of
// another model, statistics of a layer the table lacks, or an output shape
// whose size cannot be counted.
func LayerCosts(l *protocol.Loaded, r *protocol.Result) ([]Cost, error) {
	g, err := newGraph(l)
	if err != nil {
		return nil, err
	}
	ms := map[string]float64{}
	timed := map[string]bool{}
	stats := map[string]protocol.LayerStat{}
	if r != nil {
		if stats, err = g.resultStats(r); err != nil {
			return nil, err
		}
		for _, t := range r.Timings {
			ms[t.Name] += t.Ms
			timed[t.Name] = true
		}
	}
	out := make([]Cost, len(l.Layers))
	for i, li := range l.Layers {
		c := Cost{Name: li.Name, Kind: li.Kind, Block: li.Block, Params: li.Params, MACs: li.MACs, Ms: ms[li.Name], Timed: timed[li.Name]}
		if st, ok := stats[li.Name]; ok {
			c.Bytes = st.Bytes
		} else {
			n, err := units(li.Shape)
			if err != nil {
				return nil, fmt.Errorf("lessons: layer %s: %v", li.Name, err)
			}
			c.Bytes = 4 * n
		}
		out[i] = c
	}
	return out, nil
}

// Part is one bar of a chart that adds layers up: a layer on its own, or
// every layer of one block.
type Part struct {
	Name   string // the layer's name, or the block's
	Kind   string // the layer's kind, or "block"
	Layers int    // the layers it adds up
	Value  float64
}

// ByBlock adds value up over the layers of each block (a residual block,
// an inception module), in table order; layers outside any block stay on
// their own. Parts whose value is 0 are left out. A chart of GoogLeNet's
// 115 layers with parameters becomes 16 bars, ResNet-50's 107 become 19.
func ByBlock(costs []Cost, value func(Cost) float64) []Part {
	var out []Part
	at := map[string]int{} // block -> index in out
	for _, c := range costs {
		v := value(c)
		if v <= 0 {
			continue
		}
		if c.Block == "" {
			out = append(out, Part{Name: c.Name, Kind: c.Kind, Layers: 1, Value: v})
			continue
		}
		i, ok := at[c.Block]
		if !ok {
			i = len(out)
			at[c.Block] = i
			out = append(out, Part{Name: c.Block, Kind: "block"})
		}
		out[i].Layers++
		out[i].Value += v
	}
	return out
}
