package lessons

import (
	"fmt"
	"math"

	"convscope/web/protocol"
)

// ReLU is max(0, x).
func ReLU(x float64) float64 {
	if x > 0 {
		return x
	}
	return 0
}

// ReLUGrad is ReLU's derivative: 1 for x > 0, 0 for x < 0, and 0 at 0
// (PyTorch's choice for the point where it is undefined).
func ReLUGrad(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}

// Sigmoid is 1 / (1 + e^-x).
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x) // no overflow for very negative x
	return e / (1 + e)
}

// SigmoidGrad is the sigmoid's derivative s(x)(1 - s(x)): at most 0.25
// (at 0) and nearly 0 a few units away, which is why deep sigmoid
// networks learn slowly (each layer multiplies the gradient by it).
func SigmoidGrad(x float64) float64 {
	s := Sigmoid(x)
	return s * (1 - s)
}

// Curve is a sampled function, ready for a line chart (the same fields as
// chart.Series, so one converts to the other).
type Curve struct {
	Name string
	X, Y []float64
}

// Sample evaluates fn at n evenly spaced points from lo to hi, both
// included.
func Sample(name string, fn func(float64) float64, lo, hi float64, n int) (Curve, error) {
	if n < 2 || !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return Curve{}, fmt.Errorf("lessons: cannot sample %s at %d points from %v to %v", name, n, lo, hi)
	}
	c := Curve{Name: name, X: make([]float64, n), Y: make([]float64, n)}
	for i := range n {
		x := lo + (hi-lo)*float64(i)/float64(n-1)
		if i == n-1 {
			x = hi
		}
		c.X[i], c.Y[i] = x, fn(x)
	}
	return c, nil
}

// ActivationCurves samples ReLU, the sigmoid and their derivatives at n
// points from lo to hi. ReLU's derivative jumps at 0; when 0 is inside
// the range its curve gets the two points (0, 0) and (0, 1) so the step
// is drawn upright instead of as a slope between two samples.
func ActivationCurves(lo, hi float64, n int) ([]Curve, error) {
	var out []Curve
	for _, f := range []struct {
		name string
		fn   func(float64) float64
	}{
		{"ReLU", ReLU}, {"ReLU derivative", ReLUGrad},
		{"sigmoid", Sigmoid}, {"sigmoid derivative", SigmoidGrad},
	} {
		c, err := Sample(f.name, f.fn, lo, hi, n)
		if err != nil {
			return nil, err
		}
		if f.name == "ReLU derivative" && lo < 0 && hi > 0 {
			c = withStep(c, 0, 0, 1)
		}
		out = append(out, c)
	}
	return out, nil
}

// withStep inserts (x, ylo), (x, yhi) into c at x, replacing a sample at
// exactly x.
func withStep(c Curve, x, ylo, yhi float64) Curve {
	out := Curve{Name: c.Name}
	done := false
	for i, xi := range c.X {
		if !done && xi >= x {
			out.X, out.Y = append(out.X, x, x), append(out.Y, ylo, yhi)
			done = true
			if xi == x {
				continue
			}
		}
		out.X, out.Y = append(out.X, xi), append(out.Y, c.Y[i])
	}
	return out
}

// Zeros is the fraction of one ReLU layer's outputs that were exactly 0 on
// the last image: units that passed nothing on (and, during training,
// no gradient).
type Zeros struct {
	Name     string
	Fraction float64
	Block    string // enclosing block (residual block, inception module) or ""
	Units    int    // outputs of the layer for one image
}

// ReLUZeros returns the fraction of zeros after every ReLU of l measured on
// r, in table order; ReLUs without statistics in r are left out. It fails
// when r is of another model.
func ReLUZeros(l *protocol.Loaded, r *protocol.Result) ([]Zeros, error) {
	g, err := newGraph(l)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("lessons: no image has been classified yet")
	}
	stats, err := g.resultStats(r)
	if err != nil {
		return nil, err
	}
	for _, s := range stats {
		if s.Zeros < 0 || s.Zeros > 1 || math.IsNaN(s.Zeros) {
			return nil, fmt.Errorf("lessons: layer %s: zero fraction %v", s.Name, s.Zeros)
		}
	}
	var out []Zeros
	for _, li := range l.Layers {
		if s, ok := stats[li.Name]; ok && li.Kind == "relu" {
			units := 1
			for _, d := range li.Shape[min(1, len(li.Shape)):] {
				units *= d
			}
			out = append(out, Zeros{Name: li.Name, Fraction: s.Zeros, Block: li.Block, Units: units})
		}
	}
	return out, nil
}

// ZerosByBlock merges the ReLUs of each block (in table order; ReLUs
// outside any block stay on their own) into one entry named after the
// block: the fraction of zeros among all the block's units, so a block's
// 56x56 ReLU weighs more than its 7x7 one. Layers counts the ReLUs each
// entry stands for.
func ZerosByBlock(zs []Zeros) (out []Zeros, layers []int) {
	at := map[string]int{}
	zeros := []float64{}
	for _, z := range zs {
		if z.Block == "" {
			out, layers, zeros = append(out, z), append(layers, 1), append(zeros, z.Fraction*float64(z.Units))
			continue
		}
		i, ok := at[z.Block]
		if !ok {
			i = len(out)
			at[z.Block] = i
			out, layers, zeros = append(out, Zeros{Name: z.Block, Block: z.Block}), append(layers, 0), append(zeros, 0)
		}
		out[i].Units += z.Units
		layers[i]++
		zeros[i] += z.Fraction * float64(z.Units)
	}
	for i := range out {
		if out[i].Units > 0 {
			out[i].Fraction = zeros[i] / float64(out[i].Units)
		}
	}
	return out, layers
}
