package conv

import "convscope/engine/internal/reuse"

// scratch keeps conv's scratch buffers (im2col columns, phase planes,
// Winograd's and the pixel-major GEMM's operands) for later calls, from
// any thread (reuse.List; a sync.Pool kept them per P). A call takes the
// smallest free buffer that holds what it needs: a sync.Pool handed out
// whichever it held, so a small one (a Winograd block's) made im2col
// allocate its 4 MB afresh and drop the small one. ResNet-50 natively, one
// worker, 40 passes: 24 MB allocated by conv's calls, about 6,000 page
// faults, before.
type scratch struct{ l reuse.List[[]float32] }

// colPool is the scratch of every conv path.
var colPool scratch

// get returns a buffer of n values (not zeroed): the smallest free one
// that holds them, or a new one.
func (s *scratch) get(n int) *[]float32 {
	b := s.l.Take(func(b *[]float32) int {
		if cap(*b) < n {
			return -1
		}
		return cap(*b) - n
	})
	if b == nil {
		b = new(make([]float32, n))
	}
	*b = (*b)[:n]
	return b
}

// put releases b for later calls.
func (s *scratch) put(b *[]float32) { s.l.Put(b) }
