package gemm

// Tiles are the blocking sizes of Blocked (Goto's scheme). C is computed in
// MC x NC blocks, the inner dimension in KC slices; A is packed into MR-row
// slivers and B into NR-column slivers so the micro-kernel streams both
// contiguously.
type Tiles struct {
	// MR x NR is the register tile of the micro-kernel; they are fixed by
	// the micro-kernel's code (kernel.go) and listed here for reference.
	MR, NR int
	// KC is the depth of one packed slice: an MR x KC sliver of A (4 KiB)
	// and a KC x NR sliver of B (2 KiB) stay in L1. 128 and 512 measured
	// the same as 256 here.
	KC int
	// MC x KC is the packed block of A (64 KiB), kept in L2.
	MC int
	// KC x NC is the packed panel of B (1 MiB), kept in L2/L3.
	NC int
}

// DefaultTiles are the sizes Blocked and Parallel use. MC and NC are
// multiples of MR and NR. Changing KC changes the order in which partial
// sums are added (results stay within rounding of Naive).
var DefaultTiles = Tiles{MR: mr, NR: nr, KC: 256, MC: 64, NC: 1024}

// The micro-kernel's register tile (see kernel.go for why 4x2).
const (
	mr = 4
	nr = 2
)
