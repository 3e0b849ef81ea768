package engine

import (
	"math/rand/v2"
	"testing"
)

// TestConvHandComputed: ONNX's test_basic_conv_with_padding case worked by
// hand on the corners: a 5x5 ramp 0..24, 3x3 ones kernel, pad 1.
func TestConvHandComputed(t *testing.T) {
	x := tensor(t, []int{1, 1, 5, 5})
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	w := tensor(t, []int{1, 1, 3, 3}, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	out := runOp(t, OpConv, &ConvParams{Kernel: [2]int{3, 3}, Pads: [4]int{1, 1, 1, 1}}, 1, x, w)
	want := []float32{
		12, 21, 27, 33, 24,
		33, 54, 63, 72, 51,
		63, 99, 108, 117, 81,
		93, 144, 153, 162, 111,
		72, 111, 117, 123, 84,
	}
	wantTensor(t, out[0], []int{1, 1, 5, 5}, want, 0)
	// Stride 2, asymmetric pads (top 1, left 0), bias, fused ReLU.
	b := tensor(t, []int{1}, -100)
	out = runOp(t, OpConv, &ConvParams{Strides: [2]int{2, 2}, Pads: [4]int{1, 0, 0, 0}, Relu: true}, 1, x, w, b)
	// Windows: rows -1..1 or 1..3, cols 0..2 or 2..4; sums 21, 33, 99, 117,
	// minus 100, then ReLU.
	wantTensor(t, out[0], []int{1, 1, 2, 2}, []float32{0, 0, 0, 17}, 0)
}

// TestConvGroups: a grouped conv equals separate convs on channel halves,
// and a depthwise conv works through the graph.
func TestConvGroups(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	x := randTensor(r, 2, 4, 6, 6)
	w := randTensor(r, 6, 2, 3, 3)
	out := runOp(t, OpConv, &ConvParams{Group: 2, Pads: [4]int{1, 1, 1, 1}}, 1, x, w)
	for grp := 0; grp < 2; grp++ {
		xs := tensor(t, []int{2, 2, 6, 6})
		for n := 0; n < 2; n++ {
			copy(xs.Data[n*72:(n+1)*72], x.Data[n*144+grp*72:n*144+grp*72+72])
		}
		ws := tensor(t, []int{3, 2, 3, 3}, w.Data[grp*54:(grp+1)*54]...)
		part := runOp(t, OpConv, &ConvParams{Pads: [4]int{1, 1, 1, 1}}, 1, xs, ws)
		for n := 0; n < 2; n++ {
			got := out[0].Data[n*216+grp*108 : n*216+grp*108+108]
			want := part[0].Data[n*108 : (n+1)*108]
			wantTensor(t, &Tensor{Shape: []int{108}, Data: got}, []int{108}, want, 1e-5)
		}
	}
	dw := randTensor(r, 4, 1, 3, 3)
	out = runOp(t, OpConv, &ConvParams{Group: 4}, 1, x, dw)
	if !sameShape(out[0].Shape, []int{2, 4, 4, 4}) {
		t.Fatalf("depthwise shape %v", out[0].Shape)
	}
}

func TestConvErrors(t *testing.T) {
	x := tensor(t, []int{1, 3, 8, 8})
	for _, c := range []struct {
		name string
		p    ConvParams
		w    *Tensor
		b    *Tensor
	}{
		{"channels", ConvParams{}, tensor(t, []int{4, 2, 3, 3}), nil},
		{"group divides", ConvParams{Group: 2}, tensor(t, []int{4, 1, 3, 3}), nil},
		{"kernel attr", ConvParams{Kernel: [2]int{5, 5}}, tensor(t, []int{4, 3, 3, 3}), nil},
		{"too big", ConvParams{}, tensor(t, []int{4, 3, 9, 9}), nil},
		{"bias", ConvParams{}, tensor(t, []int{4, 3, 3, 3}), tensor(t, []int{3})},
		{"weight rank", ConvParams{}, tensor(t, []int{4, 3, 3}), nil},
		{"negative pad", ConvParams{Pads: [4]int{-1, 0, 0, 0}}, tensor(t, []int{4, 3, 3, 3}), nil},
		{"negative stride", ConvParams{Strides: [2]int{-2, 1}}, tensor(t, []int{4, 3, 3, 3}), nil},
		{"absurd dilation", ConvParams{Dilations: [2]int{1 << 40, 1}}, tensor(t, []int{4, 3, 3, 3}), nil},
		{"absurd pads", ConvParams{Pads: [4]int{1 << 62, 0, 1 << 62, 0}}, tensor(t, []int{4, 3, 3, 3}), nil},
	} {
		p := c.p
		if err := compileErr(OpConv, &p, x, c.w, c.b); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	if compileErr(OpConv, nil, tensor(t, []int{1, 3, 8}), tensor(t, []int{4, 3, 3})) == nil {
		t.Error("1-D conv accepted")
	}
}
