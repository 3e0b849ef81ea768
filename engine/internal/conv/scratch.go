package conv

import (
	"sync"
	"weak"
)

// scratch keeps conv's scratch buffers (im2col columns, phase planes,
// Winograd's and the pixel-major GEMM's operands) for later calls. It
// replaces a sync.Pool, which handed out whichever buffer it held: a small
// one (a Winograd block's) made im2col allocate its 4 MB afresh and drop
// the small one, and buffers were kept per P, so a call on the other P
// (the run's goroutine rescheduled there) found none. ResNet-50 natively,
// one worker, 40 passes: 24 MB allocated by conv's calls, about 6,000 page
// faults. Here a call takes the smallest free buffer that holds what it
// needs, from any thread. As from a sync.Pool, buffers no call holds are
// left to the garbage collector (weak pointers).
type scratch struct {
	mu   sync.Mutex
	free []weak.Pointer[[]float32]
}

// colPool is the scratch of every conv path.
var colPool scratch

// get returns a buffer of n values (not zeroed): the smallest free one
// that holds them, or a new one.
func (s *scratch) get(n int) *[]float32 {
	s.mu.Lock()
	best, bi := (*[]float32)(nil), -1
	for i := 0; i < len(s.free); {
		b := s.free[i].Value()
		if b == nil { // collected
			s.free[i] = s.free[len(s.free)-1]
			s.free = s.free[:len(s.free)-1]
			continue
		}
		if cap(*b) >= n && (best == nil || cap(*b) < cap(*best)) {
			best, bi = b, i
		}
		i++
	}
	if best != nil {
		s.free[bi] = s.free[len(s.free)-1]
		s.free = s.free[:len(s.free)-1]
	}
	s.mu.Unlock()
	if best == nil {
		b := make([]float32, n)
		return &b
	}
	*best = (*best)[:n]
	return best
}

// put releases b for later calls.
func (s *scratch) put(b *[]float32) {
	s.mu.Lock()
	s.free = append(s.free, weak.Make(b))
	s.mu.Unlock()
}
