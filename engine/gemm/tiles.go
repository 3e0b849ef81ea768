package gemm

import "os"

// Tiles are the blocking sizes of Blocked (Goto's scheme) and the
// micro-kernel they feed. C is computed in MC x NC blocks, the inner
// dimension in KC slices; A is packed into Kernel.MR-row slivers and B into
// Kernel.NR-column slivers so the micro-kernel streams both contiguously.
// TilesFor is the one place where sizes are chosen.
type Tiles struct {
	// Kernel computes one MR x NR register tile.
	Kernel Kernel
	// KC is the depth of one packed slice: an MR x KC sliver of A and a
	// KC x NR sliver of B stay in L1 while the kernel runs.
	KC int
	// MC x KC is the packed block of A, kept in L2. Rounded up to a
	// multiple of MR.
	MC int
	// KC x NC is the packed panel of B, kept in L2/L3. Rounded up to a
	// multiple of NR.
	NC int
}

// TilesFor returns the blocking sizes used with kernel k.
//
// Generic (4x2): KC 256 keeps the A sliver (4 KiB) and B sliver (2 KiB) in
// L1; MC 64 makes the A block 64 KiB; NC 1024 a 1 MiB B panel. 128 and 512
// for KC measured the same as 256.
//
// SIMD kernels use the same sizes: the B sliver of the widest one (AVX512,
// 4x32) is 32 KiB at KC 256. A kernel with its own Kernel.KC (WebAssembly's,
// see SIMD128) takes that depth, and NC shrinks so that the B panel stays
// 1 MiB.
func TilesFor(k Kernel) Tiles {
	if k.KC > 0 {
		return Tiles{Kernel: k, KC: k.KC, MC: 64, NC: max(k.NR, 1024*256/k.KC)}
	}
	return Tiles{Kernel: k, KC: 256, MC: 64, NC: 1024}
}

// NoSIMDEnv is the environment variable that, set to any non-empty value,
// makes DefaultTiles use the Generic kernel even when the build and the CPU
// have SIMD kernels (for comparisons and as an escape hatch). The
// convscope_nosimd build tag removes the SIMD kernels from the build.
const NoSIMDEnv = "CONVSCOPE_NOSIMD"

// DefaultTiles are the sizes Blocked and Parallel use, with the fastest
// kernel of Kernels (see NoSIMDEnv). Changing KC or the kernel changes the
// order or rounding of partial sums (results stay within rounding of
// Naive); the other sizes do not change any result bit.
var DefaultTiles = TilesFor(defaultKernel())

func defaultKernel() Kernel {
	if len(simdKernels) == 0 || os.Getenv(NoSIMDEnv) != "" {
		return Generic
	}
	return simdKernels[0]
}
