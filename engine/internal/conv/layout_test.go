package conv

import (
	"fmt"
	"testing"

	"convscope/engine/gemm"
)

// layoutOf names the layout Prepack made.
func layoutOf(pa *gemm.PackedA) Layout {
	switch {
	case pa == nil:
		return Unpacked
	case pa.Ext == nil && pa.F != nil:
		return FloatPanels
	case pa.Ext == nil:
		return Panels
	}
	switch pa.Ext.(type) {
	case *winogradWeights:
		return WinogradKernels
	case *winograd4Weights:
		return Winograd4Kernels
	case *winogradTMWeights:
		return WinogradTiles
	case *directPacked:
		return DirectSlivers
	}
	return -1
}

// TestLayoutFor: what LayoutFor says and Layout.Bytes counts for this
// build is what Prepack makes, byte for byte, for every kind of layout;
// and WebAssembly's rules (no float panels, Winograd kernels kept only
// up to wasmKeepWinogradMC) hold whatever the build.
func TestLayoutFor(t *testing.T) {
	geom := func(c, m, hw, k, stride, group int) Geom {
		pad := k / 2
		g := Geom{N: 1, C: c, M: m, H: hw, W: hw, KH: k, KW: k, SH: stride, SW: stride, DH: 1, DW: 1,
			PT: pad, PL: pad, PB: pad, PR: pad, Group: group}
		g.OH = OutSize(hw, pad, pad, k, stride, 1)
		g.OW = OutSize(hw, pad, pad, k, stride, 1)
		return g
	}
	wasm := Target{Wasm: true, Kernel: gemm.DefaultTiles.Kernel}
	seen := map[Layout]bool{}
	for _, c := range []struct {
		g    Geom
		wasm Layout // on WebAssembly
	}{
		{geom(32, 48, 16, 3, 1, 1), Winograd4Kernels},   // 3x3 s1, 256 outputs: F(4x4) in WebAssembly
		{geom(512, 288, 13, 3, 1, 1), Unpacked},         // past wasmKeepWinogradMC and F(4x4)'s 384 channels in
		{geom(32, 40, 16, 3, 2, 1), Panels},             // strided: im2col
		{geom(64, 70, 7, 1, 1, 1), Panels},              // 1x1 on 7x7: float panels natively
		{geom(16, 16, 12, 3, 1, 16), Unpacked},          // depthwise
		{geom(1, 8, 12, 5, 1, 1), Unpacked},             // one input channel
		{geom(3, 20, 12, 11, 4, 1), Panels},             // a first layer's big kernel
		{geom(16, 16, 12, 3, 1, 1), WinogradKernels},    // 144 outputs: Winograd in WebAssembly only (useWinogradOn)
		{geom(16, 16, 6, 3, 1, 1), Panels},              // too few outputs for Winograd
		{geom(288, 64, 8, 3, 1, 1), Panels},             // small map, more than 256 channels in: im2col in WebAssembly
		{geom(16, 16, 13, 3, 1, 1), Winograd4Kernels},   // 169 outputs: F(4x4) in WebAssembly
		{geom(256, 384, 13, 3, 1, 1), Winograd4Kernels}, // at wasmKeepWinogradMC
		{geom(64, 192, 56, 3, 1, 1), Winograd4Kernels},  // F(4x4) on 56x56 up to 64 channels in
		{geom(128, 256, 56, 3, 1, 1), WinogradKernels},  // past it (VGG16's conv3_1): F(2x2)
		{geom(128, 128, 28, 3, 1, 1), Winograd4Kernels}, // up to 128 on 28x28
		{geom(256, 512, 28, 3, 1, 1), Unpacked},         // VGG16's conv4_1: F(2x2), transformed every call
		{geom(384, 512, 14, 3, 1, 1), Winograd4Kernels}, // F(4x4) up to 384 channels in on 14x14, whatever M
		{geom(64, 64, 58, 3, 1, 1), WinogradKernels},    // maps past 56x56: F(2x2)
		{geom(64, 40, 7, 3, 1, 1), WinogradKernels},     // 3x3 s1 on 7x7: winogradTM natively, Winograd in WebAssembly
		{geom(32, 24, 8, 3, 2, 1), Panels},              // strided on 4x4: float panels natively
	} {
		g := c.g
		t.Run(fmt.Sprintf("%dto%d_%dx%d_k%d_s%d_g%d", g.C, g.M, g.H, g.W, g.KH, g.SH, g.Group), func(t *testing.T) {
			q := make([]int8, g.M*g.C/g.Group*g.KH*g.KW)
			for i := range q {
				q[i] = int8(i%255 - 127)
			}
			scales := make([]float32, g.M)
			for i := range scales {
				scales[i] = 0.01
			}
			pa := Prepack(g, Weights{Q: q, Scales: scales})
			b := Build()
			l := LayoutFor(g, b)
			seen[l] = true
			if got := layoutOf(pa); got != l {
				t.Errorf("Prepack made layout %d, LayoutFor says %d", got, l)
			}
			if got, want := l.Bytes(g, b), PackedBytes(pa); got != want {
				t.Errorf("Layout.Bytes %d, Prepack allocated %d", got, want)
			}
			if got := LayoutFor(g, wasm); got != c.wasm {
				t.Errorf("on WebAssembly: layout %d, want %d", got, c.wasm)
			}
			if !b.Wasm && c.wasm == Unpacked && useWinograd(g) && l != WinogradKernels && l != WinogradTiles {
				t.Errorf("natively a Winograd conv keeps its kernels: layout %d", l)
			}
		})
	}
	if b := Build(); !b.Wasm && b.Kernel.NR > b.Kernel.MR && !(seen[FloatPanels] && seen[WinogradTiles]) {
		t.Errorf("with kernel %s natively, no case took the float panels or winogradTM's: %v", b.Kernel.Name, seen)
	}
}
