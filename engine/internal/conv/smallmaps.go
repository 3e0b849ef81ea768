package conv

import "runtime"

// wasmBuild is whether this build runs in WebAssembly (Build().Wasm).
const wasmBuild = runtime.GOARCH == "wasm"

// useWinogradOn reports whether g takes the Winograd path on a target
// (wasm: WebAssembly): useWinograd's geometries, and in WebAssembly also
// the 3x3 stride-1 convs of small maps, down to 7x7 (49 output pixels),
// of at most 256 input channels. Natively winogradTM takes those maps (up
// to 64 tiles); WebAssembly has no winogradTM and ran them through im2col
// + GEMM, which cost twice Winograd with its kernels kept (Prepack keeps
// them for these layers: at most 256 channels in, and up to 384 out
// within wasmKeepWinogradMC). In Node, SIMD, one worker, ms per call,
// im2col / Winograd kept (two runs each, machine shared):
//
//	128->192 8x8   2.1-3.8 / 1.0-1.1   (alexnet_cifar features.8)
//	192->192 8x8   2.6-3.4 / 1.0-1.1   (features.10)
//	192->128 8x8   1.8     / 0.69      (features.12)
//	128->128 8x8   1.25-1.3 / 0.48-0.55 (vgg_cifar)
//	64->64 8x8     0.43-0.44 / 0.16    (resnet20_cifar layer3)
//	96->160 8x8    1.06    / 0.48-0.52 (googlenet_cifar 4b)
//	160->320 7x7   3.8-5.9 / 2.1-3.9   (GoogLeNet 5a)
//	192->384 7x7   3.6     / 1.9       (GoogLeNet 5b)
//	128->128 6x6   0.87    / 0.50
//	128->128 4x4   0.52-0.61 / 0.34-0.40
//
// The bound is on the input channels, not the output's: a conv split by
// output channels over workers (engine.Shard) must take the same path in
// every part, whatever the part's width, for the same bits. With more
// input channels (ResNet's 512x512 7x7) the kernels are not kept in
// WebAssembly and their transform on every call cost more than im2col
// saved (512x512 7x7: 14.7 im2col / 28.2 Winograd, see useWinograd).
func useWinogradOn(g Geom, wasm bool) bool {
	if useWinograd(g) {
		return true
	}
	return wasm && g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
		g.Group == 1 && g.C >= 16 && g.M >= 16 && g.C <= 256 && g.OH*g.OW >= 49
}
