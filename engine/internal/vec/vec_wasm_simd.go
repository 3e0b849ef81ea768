//go:build wasm && goexperiment.simd && !convscope_nosimd

package vec

// simd128 does four float32 at a time with WebAssembly SIMD128 (the tail
// with the generic loop). f32x4.add is the scalar add lane by lane; ReLU
// keeps v unless v < 0 as reluGeneric does; f32x4.max gives max's bits
// (NaN if either is NaN, +0 over -0) except which NaN comes out when there
// is one (the WebAssembly spec leaves its payload open), which no caller
// depends on.
var simd128 = Path{Name: "simd128", Add: addSIMD128, Relu: reluSIMD128, AddRelu: addReluSIMD128, Max: maxSIMD128, Max3: max3SIMD128, MaxS2: maxS2Generic}

var simdPaths = []Path{simd128}

func addSIMD128(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := n / 8 * 8
	if i > 0 {
		addAsm(&dst[0], &a[0], &b[0], i/8)
	}
	addGeneric(dst[i:], a[i:], b[i:])
}

func reluSIMD128(dst, src []float32) {
	n := len(dst)
	src = src[:n]
	i := n / 8 * 8
	if i > 0 {
		reluAsm(&dst[0], &src[0], i/8)
	}
	reluGeneric(dst[i:], src[i:])
}

func addReluSIMD128(c, r []float32, relu bool) {
	n := len(c)
	r = r[:n]
	i := n / 8 * 8
	if i > 0 {
		if relu {
			addReluAsm(&c[0], &c[0], &r[0], i/8)
		} else {
			addAsm(&c[0], &c[0], &r[0], i/8)
		}
	}
	addReluGeneric(c[i:], r[i:], relu)
}

// addAsm, reluAsm and addReluAsm (dst = relu(a + b)) are addSIMD128's,
// reluSIMD128's and addReluSIMD128's loops over n8 blocks of 8 values
// (elem_wasm_simd.s), unchecked.
//
//go:noescape
func addAsm(dst, a, b *float32, n8 int)

//go:noescape
func reluAsm(dst, src *float32, n8 int)

//go:noescape
func addReluAsm(dst, a, b *float32, n8 int)

func maxSIMD128(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := n / 8 * 8
	if i > 0 {
		max2Asm(&dst[0], &a[0], &b[0], i/8)
	}
	maxGeneric(dst[i:], a[i:], b[i:])
}

func max3SIMD128(dst, a, b, c []float32) {
	n := len(dst)
	a, b, c = a[:n], b[:n], c[:n]
	i := n / 8 * 8
	if i > 0 {
		max3Asm(&dst[0], &a[0], &b[0], &c[0], i/8)
	}
	max3Generic(dst[i:], a[i:], b[i:], c[i:])
}

// max2Asm and max3Asm are maxSIMD128's and max3SIMD128's loops over n8
// blocks of 8 values (max_wasm_simd.s), unchecked.
//
//go:noescape
func max2Asm(dst, a, b *float32, n8 int)

//go:noescape
func max3Asm(dst, a, b, c *float32, n8 int)
