package models

import (
	"math"
	"math/rand/v2"
	"strings"

	"convscope/engine"
)

// RandomStateDict returns a state_dict for d with random weights drawn as
// torchvision initialises them (He-normal convs, uniform fc) and batch norm
// statistics away from the identity, so that tests exercise every tensor.
// The same seed gives the same weights.
func (d *Def) RandomStateDict(seed uint64) map[string]*engine.Tensor {
	r := rand.New(rand.NewPCG(seed, 0x636f6e7673636f70))
	sd := make(map[string]*engine.Tensor, len(d.params))
	for _, p := range d.params {
		t := &engine.Tensor{Shape: append([]int(nil), p.Shape...), Data: make([]float32, shapeLen(p.Shape))}
		switch {
		case strings.HasSuffix(p.Name, ".running_var"):
			fill(t.Data, func() float64 { return 0.5 + r.Float64() })
		case strings.HasSuffix(p.Name, ".running_mean"):
			fill(t.Data, func() float64 { return 0.1 * r.NormFloat64() })
		case len(p.Shape) == 1 && isBNParam(d, p.Name) && strings.HasSuffix(p.Name, ".weight"):
			fill(t.Data, func() float64 { return 0.5 + r.Float64() })
		case len(p.Shape) == 1:
			fill(t.Data, func() float64 { return 0.05 * r.NormFloat64() })
		default:
			// fan-in of a conv (outC, inC, kH, kW) or fc (out, in) weight.
			fanIn := len(t.Data) / p.Shape[0]
			std := math.Sqrt(2 / float64(fanIn))
			fill(t.Data, func() float64 { return std * r.NormFloat64() })
		}
		sd[p.Name] = t
	}
	return sd
}

func isBNParam(d *Def, name string) bool {
	return d.bnModules()[strings.TrimSuffix(name, ".weight")]
}

// bnModules is the set of batch norm module names.
func (d *Def) bnModules() map[string]bool {
	m := map[string]bool{}
	for _, p := range d.params {
		if strings.HasSuffix(p.Name, ".running_mean") {
			m[strings.TrimSuffix(p.Name, ".running_mean")] = true
		}
	}
	return m
}

func fill(dst []float32, f func() float64) {
	for i := range dst {
		dst[i] = float32(f())
	}
}
