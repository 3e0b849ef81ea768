package gemm

// Tiles are the blocking sizes of Blocked (Goto's scheme) and the
// micro-kernel they feed. C is computed in MC x NC blocks, the inner
// dimension in KC slices; A is packed into Kernel.MR-row slivers and B into
// Kernel.NR-column slivers so the micro-kernel streams both contiguously.
type Tiles struct {
	// Kernel computes one MR x NR register tile.
	Kernel Kernel
	// KC is the depth of one packed slice: an MR x KC sliver of A (4 KiB
	// with the generic 4x2 kernel) and a KC x NR sliver of B (2 KiB) stay in
	// L1. 128 and 512 measured the same as 256 here.
	KC int
	// MC x KC is the packed block of A (64 KiB), kept in L2. Rounded up to a
	// multiple of MR.
	MC int
	// KC x NC is the packed panel of B (1 MiB), kept in L2/L3. Rounded up to
	// a multiple of NR.
	NC int
}

// DefaultTiles are the sizes Blocked and Parallel use. Changing KC changes
// the order in which partial sums are added (results stay within rounding of
// Naive); the other sizes do not change any result bit.
var DefaultTiles = Tiles{Kernel: Generic, KC: 256, MC: 64, NC: 1024}
