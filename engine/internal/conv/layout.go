package conv

import "convscope/engine/gemm"

// Layout is what Prepack keeps of a conv's int8 weights besides the
// weights themselves. LayoutFor is the one place that chooses it: Prepack
// makes the layout it names, and a memory estimate (engine.PlanFootprint)
// counts its Bytes without making it.
type Layout int

const (
	// Unpacked keeps nothing: the conv reads the int8 weights as they are
	// (grouped and depthwise convs, a single input channel with a small
	// kernel), or transforms them on every call (Winograd where
	// keepWinogradWeights says the memory is not there).
	Unpacked Layout = iota
	// Panels are the GEMM's int8 panels (gemm.PackInt8A): one more int8
	// copy, rows rounded up to the kernel's MR, a float32 scale per row.
	Panels
	// WinogradKernels are the transformed kernels (winogradWeights):
	// float32, 16 per 3x3 kernel, rows rounded up to MR.
	WinogradKernels
	// FloatPanels are the GEMM's panels dequantized, float32, natively
	// for convs of few output pixels (useFloatPanels): gemm.PackedA.F
	// instead of its Q, rows rounded up to MR, a float32 scale per row.
	FloatPanels
	// WinogradTiles are the transformed kernels in the B layout of
	// winogradTM (winogradTMWeights): int16, 16 per 3x3 kernel, output
	// channels rounded up to NR, and a float32 scale per channel.
	WinogradTiles
	// DirectSlivers are the weights float32 in the direct path's 8-row
	// slivers (directWeights), rows rounded up to 8.
	DirectSlivers
	// Winograd4Kernels are the F(4x4, 3x3) transformed kernels
	// (winograd4Weights, WebAssembly only): float32, 36 per 3x3 kernel,
	// rows rounded up to MR.
	Winograd4Kernels
)

// Target is the platform whose layouts LayoutFor chooses: WebAssembly
// keeps fewer (keepWinogradWeights, and no float panels or winogradTM
// copy), and the kernel's register tile rounds the rows.
type Target struct {
	Wasm   bool
	Kernel gemm.Kernel
	// Direct says the direct path has its kernel (directKernel).
	Direct bool
}

// Build is the target of this build: the layouts Prepack makes.
func Build() Target {
	return Target{Wasm: wasmBuild, Kernel: gemm.DefaultTiles.Kernel, Direct: directKernel != nil}
}

// LayoutFor returns the layout Prepack keeps, on target t, for the int8
// weights of a conv of geometry g. It takes the path choices Forward takes
// (useWinograd, useFloatPanels), so what is kept is what the path reads.
func LayoutFor(g Geom, t Target) Layout {
	if g.Group != 1 || g.C == 1 && g.KH*g.KW <= 64 {
		return Unpacked
	}
	if !t.Wasm && useWinogradTM(g, t.Kernel) {
		return WinogradTiles
	}
	if useWinograd4(g, t.Wasm) {
		return Winograd4Kernels
	}
	if useWinogradOn(g, t.Wasm) {
		if !keepWinogradWeights(g.M, g.C, t.Wasm) {
			return Unpacked
		}
		return WinogradKernels
	}
	if !t.Wasm && t.Direct && useDirect(g) {
		return DirectSlivers
	}
	if !t.Wasm && useFloatPanels(g) {
		return FloatPanels
	}
	return Panels
}

// Bytes is the memory layout l of the weights of g takes on target t, as
// Prepack allocates it.
func (l Layout) Bytes(g Geom, t Target) int64 {
	kern := t.Kernel
	if kern.Fn == nil {
		kern = gemm.Generic // as gemm.PackInt8A
	}
	k := int64(g.C/max(g.Group, 1)) * int64(g.KH*g.KW)
	switch l {
	case Panels:
		mp := int64(roundUp(g.M, kern.MR))
		return mp*k + 4*mp
	case WinogradKernels:
		return 4 * 16 * int64(roundUp(g.M, kern.MR)) * int64(g.C)
	case Winograd4Kernels:
		return 4 * 36 * int64(roundUp(g.M, kern.MR)) * int64(g.C)
	case FloatPanels:
		mp := int64(roundUp(g.M, kern.MR))
		return 4*mp*k + 4*mp
	case WinogradTiles:
		mp := int64(roundUp(g.M, kern.NR))
		return 2*16*mp*int64(g.C) + 4*mp
	case DirectSlivers:
		return 4 * int64(roundUp(g.M, directShapeFor(g).r)) * k
	}
	return 0
}

// PackedBytes is the memory of pa, a layout Prepack made (nil: none).
func PackedBytes(pa *gemm.PackedA) int64 {
	if pa == nil {
		return 0
	}
	b := int64(len(pa.Q)) + 4*int64(len(pa.Scales)) + 4*int64(len(pa.F))
	switch e := pa.Ext.(type) {
	case *winogradWeights:
		b += 4 * int64(len(e.u))
	case *winograd4Weights:
		b += 4 * int64(len(e.u))
	case *winogradTMWeights:
		b += 2*int64(len(e.u)) + 4*int64(len(e.scale))
	case *directPacked:
		b += 4 * int64(len(e.a))
	}
	return b
}
