package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// randomFill sets every field of the struct v points to at random, with
// small values that are often invalid (negative, zero, too large).
func randomFill(r *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		randomFill(r, v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			randomFill(r, v.Field(i))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			randomFill(r, v.Index(i))
		}
	case reflect.Slice:
		n := r.IntN(9)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			randomFill(r, s.Index(i))
		}
		v.Set(s)
	case reflect.Int, reflect.Int64:
		x := int64(r.IntN(8) - 2)
		if r.IntN(40) == 0 {
			x = 1 << 40
		}
		v.SetInt(x)
	case reflect.Float32:
		v.SetFloat([]float64{0, 1e-4, 0.75, 1, -1, 2}[r.IntN(6)])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 1)
	}
}

func randomShape(r *rand.Rand) []int {
	s := make([]int, r.IntN(6))
	for i := range s {
		s[i] = 1 + r.IntN(5)
		if r.IntN(60) == 0 {
			s[i] = []int{0, -1, 1 << 40}[r.IntN(3)]
		}
	}
	return s
}

// plausible returns params and input shapes that are often valid for op, for
// the ops random values rarely satisfy; ok is false for the others.
func plausible(r *rand.Rand, op OpKind) (params any, shapes [][]int, ok bool) {
	d := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	n, c, h, w := d(1, 2), d(1, 4), d(1, 9), d(1, 9)
	x := []int{n, c, h, w}
	switch op {
	case OpConv:
		g := []int{1, c}[r.IntN(2)]
		m := g * d(1, 3)
		p := &ConvParams{Strides: [2]int{d(0, 3), d(0, 3)}, Dilations: [2]int{d(0, 2), d(0, 2)},
			Pads: [4]int{d(0, 2), d(0, 2), d(0, 2), d(0, 2)}, Group: g, Relu: r.IntN(2) == 0}
		return p, [][]int{x, {m, c / g, d(1, 3), d(1, 3)}, {m}}, true
	case OpMaxPool, OpAveragePool:
		k := [2]int{d(1, 3), d(1, 3)}
		p := &PoolParams{Kernel: k, Strides: [2]int{d(0, 3), d(0, 3)}, Dilations: [2]int{d(0, 2), d(0, 2)},
			Pads:     [4]int{d(0, k[0]-1), d(0, k[1]-1), d(0, k[0]-1), d(0, k[1]-1)},
			CeilMode: r.IntN(2) == 0, CountIncludePad: r.IntN(2) == 0}
		return p, [][]int{x}, true
	case OpAdaptiveAvgPool:
		return &AdaptiveAvgPoolParams{Out: [2]int{d(1, 6), d(1, 6)}}, [][]int{x}, true
	case OpBatchNorm:
		return &BatchNormParams{Epsilon: 1e-5}, [][]int{x, {c}, {c}, {c}, {c}}, true
	case OpMatMul, OpGemm:
		m, k, nn := d(1, 9), d(1, 9), d(1, 9)
		if op == OpMatMul {
			return nil, [][]int{{m, k}, {k, nn}}, true
		}
		return &GemmParams{Alpha: 1, Beta: 1}, [][]int{{m, k}, {k, nn}, {nn}}, true
	case OpReshape:
		shape := [][]int64{{0, -1}, {-1}, {int64(n), -1, int64(w)}, {int64(n * c * h * w)}}[r.IntN(4)]
		return &ReshapeParams{Shape: shape}, [][]int{x}, true
	case OpPad:
		pads := make([]int, 8)
		for i := range pads {
			pads[i] = d(-1, 2)
		}
		return &PadParams{Pads: pads, Value: 1}, [][]int{x}, true
	}
	return nil, nil, false
}

// TestRandomNodesNeverPanic feeds every operator random params and random
// input shapes (valid or not). Compile must either reject the node or
// produce a program that runs without error on inputs of those shapes;
// nothing may panic. Half the weights are constants so the passes see them.
func TestRandomNodesNeverPanic(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 42))
	compiled := map[OpKind]int{}
	for iter := 0; iter < 4000; iter++ {
		op := OpKind(1 + r.IntN(int(numOps)-1))
		g := &Graph{Consts: map[string]*Tensor{}}
		n := &Node{Name: "n", Op: op, Params: NewParams(op)}
		if n.Params != nil {
			randomFill(r, reflect.ValueOf(n.Params))
		}
		shapes := make([][]int, 1+r.IntN(5))
		shapes[0] = randomShape(r)
		for i := 1; i < len(shapes); i++ {
			shapes[i] = shapes[0]
			if r.IntN(3) > 0 {
				shapes[i] = randomShape(r)
			}
		}
		if params, s, ok := plausible(r, op); ok && r.IntN(3) > 0 {
			n.Params, shapes = params, s
		}
		feeds := map[string]*Tensor{}
		for i, s := range shapes {
			name := fmt.Sprintf("i%d", i)
			if i > 0 && r.IntN(6) == 0 {
				n.Inputs = append(n.Inputs, "")
				continue
			}
			n.Inputs = append(n.Inputs, name)
			tv, err := NewTensor(s...)
			if err != nil {
				g.Inputs = append(g.Inputs, ValueInfo{name, s}) // Compile must reject it
				continue
			}
			for j := range tv.Data {
				tv.Data[j] = r.Float32()*4 - 2
			}
			if i > 0 && r.IntN(2) == 0 {
				g.Consts[name] = tv
			} else {
				g.Inputs = append(g.Inputs, ValueInfo{name, s})
				feeds[name] = tv
			}
		}
		n.Outputs = []string{"y"}
		if r.IntN(5) == 0 {
			n.Outputs = append(n.Outputs, "y2")
		}
		// A Relu after the node lets the fusion pass act on convs.
		g.Nodes = []*Node{n, {Name: "r", Op: OpRelu, Inputs: []string{"y"}, Outputs: []string{"z"}}}
		g.Outputs = []string{"z"}
		p, err := Compile(g, Options{Workers: 1 + r.IntN(3), NoFuse: r.IntN(2) == 0})
		if err != nil {
			continue
		}
		compiled[op]++
		if _, err := p.Run(feeds); err != nil {
			t.Fatalf("%v with params %+v, inputs %v: compiled but Run failed: %v", op, n.Params, n.Inputs, err)
		}
	}
	for k := OpConv; k < numOps; k++ {
		if compiled[k] == 0 {
			t.Errorf("no random %v node compiled; the test does not exercise it", k)
		}
	}
}
