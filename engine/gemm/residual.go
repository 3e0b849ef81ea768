package gemm

// AddRelu sets c[i] += r[i] for i < len(c), then clamps each at zero when
// relu (v < 0 becomes 0, so -0 and NaN stay, as Epilogue.apply does): the
// residual Add (+ ReLU) of a ResNet block fused into the conv that makes
// one of its operands (see Epilogue.Add). The bits are those of the Add and
// Relu ops run as separate passes.
func AddRelu(c, r []float32, relu bool) { addRelu(c, r, relu) }

// addReluPaths lists every AddRelu implementation of this build, generic
// first, for the table test.
var addReluPaths = []struct {
	name string
	fn   func(c, r []float32, relu bool)
}{{"generic", addReluGeneric}, {"build", addRelu}}

func addReluGeneric(c, r []float32, relu bool) {
	r = r[:len(c)]
	for i, v := range c {
		v += r[i]
		if relu && v < 0 {
			v = 0
		}
		c[i] = v
	}
}
