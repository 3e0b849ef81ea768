package web

import (
	"fmt"
	"math"

	"convscope/web/lessons"
)

// The ReLU lesson: ReLU and the sigmoid with their derivatives, and how
// many units each ReLU of the loaded model switched off on the user's
// image (the worker's per-layer statistics).

// ReluText compares the two functions' slopes, computed, and what the
// sigmoid's would do to a gradient through the loaded model's depth.
func (c *Lessons) ReluText() string {
	depth := len(c.layersOfKind("conv")) + len(c.layersOfKind("fc"))
	best := lessons.SigmoidGrad(0)
	return fmt.Sprintf("ReLU passes positive inputs and outputs 0 for negative ones; its slope is %g wherever it is active, so gradients go back through many layers undiminished. "+
		"The sigmoid squashes everything into (0, 1); its slope is at most %g (at 0) and %.3f at %d, so a gradient shrinks at every sigmoid it crosses: through the %d conv and fc layers of %s, even at the best slope, it would be multiplied by %.2g.",
		lessons.ReLUGrad(1), best, lessons.SigmoidGrad(actRange), actRange, depth, c.info().Name, math.Pow(best, float64(depth)))
}

// zeros are the fractions of exact zeros after each ReLU on the last run.
func (c *Lessons) zeros() ([]lessons.Zeros, error) {
	if c.result() == nil {
		return nil, nil
	}
	return lessons.ReLUZeros(c.info(), c.result())
}

// zerosBars are the zeros chart's bars: one per ReLU, or, past
// maxCostBars ReLUs in a model with blocks, one per block (the zeros among
// all its ReLUs' units). The data table under the chart keeps every ReLU.
func (c *Lessons) zerosBars() (zs []lessons.Zeros, perBlock bool) {
	all, err := c.zeros()
	if err != nil || len(all) <= maxCostBars {
		return all, false
	}
	byBlock, _ := lessons.ZerosByBlock(all)
	if len(byBlock) == len(all) {
		return all, false
	}
	return byBlock, true
}

// ZerosCaption says what a bar of the zeros chart is.
func (c *Lessons) ZerosCaption() string {
	s := "Fraction of exact zeros after each ReLU, on this image."
	if zs, perBlock := c.zerosBars(); perBlock {
		all, _ := c.zeros()
		s = fmt.Sprintf("Fraction of exact zeros after the ReLUs, on this image. %d ReLU layers are too many for a bar each: each bar is one block (residual block or inception module), the zeros among all its ReLUs' outputs, %d bars in all; the numbers below list every ReLU.", len(all), len(zs))
	}
	return s
}

// ZerosText sums the fractions up.
func (c *Lessons) ZerosText() string {
	if c.result() == nil {
		return NeedsImage
	}
	zs, err := c.zeros()
	if err != nil {
		return "The zero fractions cannot be computed: " + err.Error()
	}
	if len(zs) == 0 {
		return "The last run has no statistics of this model's ReLU layers."
	}
	lo, hi, sum := zs[0], zs[0], 0.0
	for _, z := range zs {
		if z.Fraction < lo.Fraction {
			lo = z
		}
		if z.Fraction > hi.Fraction {
			hi = z
		}
		sum += z.Fraction
	}
	return fmt.Sprintf("On your image, %d ReLU layers output exactly 0 for %.1f %% of their units on average, from %.1f %% in %s to %.1f %% in %s. "+
		"A zero passes nothing on, and in training no gradient either: the network is sparse, and cheap to differentiate. A sigmoid is never exactly 0.",
		len(zs), 100*sum/float64(len(zs)), 100*lo.Fraction, lo.Name, 100*hi.Fraction, hi.Name)
}
