// Package relaxed says whether this is the engine's relaxed-SIMD
// WebAssembly build, the one place the build tag convscope_relaxed is
// described.
//
// Built with -tags convscope_relaxed (and GOOS=js GOARCH=wasm
// GOEXPERIMENT=simd), the SIMD128 kernels that multiply and accumulate
// use f32x4.relaxed_madd (one instruction, fused where the CPU has FMA:
// one rounding instead of two) instead of f32x4.mul then f32x4.add. In
// Node 20 that is 1.2-1.7x the GEMM's GFLOP/s (BenchmarkConvShapes). A
// module with any relaxed-SIMD instruction fails validation where relaxed
// SIMD is missing (Safari; Node 20 without --experimental-wasm-relaxed-simd),
// so it is a second build of the worker, picked by the page when
// WebAssembly.validate accepts relaxed SIMD.
//
// Go's wasm assembler (go1.27.3) has the opcodes but writes them wrongly:
// f32x4.relaxed_madd (0xFD 0x105) comes out as FD 85 01 02, which reads
// as i16x8.narrow_i32x4_s then a block. The kernels therefore follow each
// relaxed op with Nop (FD 85 01 02 01: a block of type 1, which Go never
// writes) and every relaxed build's module goes through
// convscope/internal/wasmrelax (Fix), which rewrites those five bytes to
// FD 85 02 01 01 (the op, then two nops) in place: the same length, so no
// offset in the module moves. An unfixed module does not validate, so a
// missed fix fails loudly, never computes wrong numbers.
//
// Results of a relaxed build differ from the plain one's in the last bits
// (FMA rounds once; V8 without FMA hardware may still multiply then add),
// so tests that compare a SIMD kernel with a reference bit for bit allow a
// tolerance in this build only. Worker counts still give the same bits:
// every shard runs the same kernels in the same order.
package relaxed
