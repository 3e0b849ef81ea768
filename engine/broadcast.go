package engine

import "fmt"

// broadcastShape returns the numpy-broadcast shape of a and b: shapes are
// right-aligned and each pair of dimensions must be equal or contain a 1.
func broadcastShape(a, b []int) ([]int, error) {
	r := max(len(a), len(b))
	out := make([]int, r)
	for i := 0; i < r; i++ {
		da, db := 1, 1
		if j := len(a) - r + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - r + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// inferBroadcast is the shape rule of binary elementwise ops.
func inferBroadcast(n *Node, in [][]int) ([][]int, error) {
	if err := arity(in, 2, 2); err != nil {
		return nil, err
	}
	s, err := broadcastShape(in[0], in[1])
	if err != nil {
		return nil, err
	}
	return [][]int{s}, nil
}

// broadcastStrides returns the strides of shape (right-aligned to rank r)
// with 0 for broadcast dimensions.
func broadcastStrides(shape []int, r int) []int {
	st := make([]int, r)
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		j := r - len(shape) + i
		if shape[i] != 1 {
			st[j] = s
		}
		s *= shape[i]
	}
	return st
}

// binaryBroadcast computes out = f(a, b) elementwise with broadcasting. The
// innermost dimension is handled by a tight loop with the common cases (same
// shape, scalar operand) taking a fast path.
func binaryBroadcast(out, a, b *Tensor, f func(x, y float32) float32) {
	if sameShape(a.Shape, b.Shape) {
		for i := range out.Data {
			out.Data[i] = f(a.Data[i], b.Data[i])
		}
		return
	}
	r := len(out.Shape)
	sa, sb := broadcastStrides(a.Shape, r), broadcastStrides(b.Shape, r)
	inner := out.Shape[r-1]
	ia, ib := sa[r-1], sb[r-1]
	idx := make([]int, r) // multi-index over all but the last dimension
	for o := 0; o < len(out.Data); o += inner {
		pa, pb := 0, 0
		for d := 0; d < r-1; d++ {
			pa += idx[d] * sa[d]
			pb += idx[d] * sb[d]
		}
		dst := out.Data[o : o+inner]
		for k := range dst {
			dst[k] = f(a.Data[pa+k*ia], b.Data[pb+k*ib])
		}
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < out.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
}
