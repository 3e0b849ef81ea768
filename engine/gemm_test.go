package engine

import "testing"

func TestGemm(t *testing.T) {
	a := tensor(t, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	b := tensor(t, []int{3, 2}, 1, 0, 0, 1, 1, 1)
	// A*B = [[4, 5], [10, 11]].
	out := runOp(t, OpGemm, &GemmParams{Alpha: 1, Beta: 1}, 1, a, b, nil)
	wantTensor(t, out[0], []int{2, 2}, []float32{4, 5, 10, 11}, 0)
	// Bias broadcast over rows, alpha and beta.
	c := tensor(t, []int{2}, 100, 200)
	out = runOp(t, OpGemm, &GemmParams{Alpha: 2, Beta: 0.5}, 1, a, b, c)
	wantTensor(t, out[0], []int{2, 2}, []float32{58, 110, 70, 122}, 0)
	// Column bias (2, 1).
	out = runOp(t, OpGemm, &GemmParams{Alpha: 1, Beta: 1}, 1, a, b, tensor(t, []int{2, 1}, 1, 2))
	wantTensor(t, out[0], []int{2, 2}, []float32{5, 6, 12, 13}, 0)
	// Transposes: A^T is (3, 2) given as (2, 3)... use a fully connected layer:
	// x (1, 3), W (2, 3) with transB.
	x := tensor(t, []int{1, 3}, 1, 1, 1)
	w := tensor(t, []int{2, 3}, 1, 2, 3, 4, 5, 6)
	out = runOp(t, OpGemm, &GemmParams{Alpha: 1, Beta: 1, TransB: true}, 1, x, w, tensor(t, []int{2}, 1, 1))
	wantTensor(t, out[0], []int{1, 2}, []float32{7, 16}, 0)
	at := tensor(t, []int{3, 2}, 1, 4, 2, 5, 3, 6) // A^T
	out = runOp(t, OpGemm, &GemmParams{Alpha: 1, TransA: true}, 1, at, b)
	wantTensor(t, out[0], []int{2, 2}, []float32{4, 5, 10, 11}, 0)
}

func TestGemmErrors(t *testing.T) {
	a := tensor(t, []int{2, 3})
	if compileErr(OpGemm, &GemmParams{Alpha: 1}, a, tensor(t, []int{2, 2})) == nil {
		t.Error("inner dimensions 3 vs 2 accepted")
	}
	if compileErr(OpGemm, &GemmParams{Alpha: 1}, a, tensor(t, []int{3, 4}), tensor(t, []int{3})) == nil {
		t.Error("C (3) for output (2, 4) accepted")
	}
	if compileErr(OpGemm, &GemmParams{Alpha: 1}, tensor(t, []int{2, 3, 1}), a) == nil {
		t.Error("3-D A accepted")
	}
	if compileErr(OpGemm, &ConvParams{}, a, tensor(t, []int{3, 4})) == nil {
		t.Error("wrong params type accepted")
	}
}
