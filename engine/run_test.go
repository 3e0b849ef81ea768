package engine

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestBadInputs: every malformed feed is an error, never a panic.
func TestBadInputs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	p, err := Compile(convBNReluGraph(r), Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := randTensor(r, 1, 3, 7, 7)
	for _, c := range []struct {
		name  string
		feeds map[string]*Tensor
		want  string
	}{
		{"missing", map[string]*Tensor{}, "not given"},
		{"nil tensor", map[string]*Tensor{"x": nil}, "not given"},
		{"extra", map[string]*Tensor{"x": good, "z": good}, "not an input"},
		{"channels", map[string]*Tensor{"x": randTensor(r, 1, 4, 7, 7)}, "want [1 3 7 7]"},
		{"rank", map[string]*Tensor{"x": randTensor(r, 3, 7, 7)}, "want [1 3 7 7]"},
		{"short data", map[string]*Tensor{"x": {Shape: []int{1, 3, 7, 7}, Data: make([]float32, 10)}}, "needs 147"},
		{"zero dim", map[string]*Tensor{"x": {Shape: []int{0, 3, 7, 7}}}, "not positive"},
		{"huge shape", map[string]*Tensor{"x": {Shape: []int{1 << 40, 3, 7, 7}}}, "too large"},
		{"rank 0", map[string]*Tensor{"x": {Data: []float32{1}}}, "want [1 3 7 7]"},
	} {
		_, err := p.Run(c.feeds)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestBatch: a program compiled for batch 1 runs batch 3, and each image's
// result equals its batch-1 run. A graph that pins the batch with Reshape
// reports an error for other batch sizes.
func TestBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	p, err := Compile(convBNReluGraph(r), Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := randTensor(r, 3, 3, 7, 7)
	res, err := p.Run(map[string]*Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	y := res.Outputs["y"]
	if !sameShape(y.Shape, []int{3, 4, 1, 1}) {
		t.Fatalf("batch 3 output %v", y.Shape)
	}
	for b := 0; b < 3; b++ {
		one := tensor(t, []int{1, 3, 7, 7}, x.Data[b*147:(b+1)*147]...)
		r1, err := p.Run(map[string]*Tensor{"x": one})
		if err != nil {
			t.Fatal(err)
		}
		wantTensor(t, &Tensor{Shape: []int{4}, Data: y.Data[b*4 : (b+1)*4]}, []int{4}, r1.Outputs["y"].Data, 1e-6)
	}

	g := &Graph{
		Inputs:  []ValueInfo{{"x", []int{1, 4}}},
		Outputs: []string{"y"},
		Nodes:   []*Node{{Name: "r", Op: OpReshape, Inputs: []string{"x"}, Outputs: []string{"y"}, Params: &ReshapeParams{Shape: []int64{2, 2}}}},
	}
	q, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Run(map[string]*Tensor{"x": tensor(t, []int{2, 4})}); err == nil || !strings.Contains(err.Error(), "reshape") {
		t.Fatalf("batch 2 through a fixed Reshape: %v", err)
	}
}

// TestRunCancelAndProgress: progress is reported per node, and a cancelled
// context stops the run between nodes with an error wrapping the cause.
func TestRunCancelAndProgress(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	p, err := Compile(convBNReluGraph(r), Options{NoFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	feeds := map[string]*Tensor{"x": randTensor(r, 1, 3, 7, 7)}
	var seen []string
	res, err := p.RunWith(feeds, RunOptions{Progress: func(done, total int, nt NodeTiming) {
		if done != len(seen)+1 || total != 5 {
			t.Errorf("progress %d/%d after %d calls", done, total, len(seen))
		}
		seen = append(seen, nt.Node)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "conv,bn,relu,id,gap" {
		t.Fatalf("progress order %v", seen)
	}
	for i, tm := range res.Timings {
		if tm.Node != seen[i] || tm.Duration < 0 {
			t.Fatalf("timing %d: %+v", i, tm)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err = p.RunWith(feeds, RunOptions{Context: ctx, Progress: func(done, total int, _ NodeTiming) {
		calls++
		if done == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	if calls != 2 {
		t.Fatalf("%d nodes ran after cancel at 2", calls)
	}
}

// TestOutputsDoNotAliasInputs: an output that is a renamed input (skipped
// Identity) is a copy, so callers may modify results freely.
func TestOutputsDoNotAliasInputs(t *testing.T) {
	g := &Graph{
		Inputs:  []ValueInfo{{"x", []int{2}}},
		Outputs: []string{"y"},
		Nodes:   []*Node{{Name: "id", Op: OpIdentity, Inputs: []string{"x"}, Outputs: []string{"y"}}},
	}
	x := tensor(t, []int{2}, 1, 2)
	_, res := runGraph(t, g, Options{Keep: []string{"y"}}, map[string]*Tensor{"x": x})
	res.Outputs["y"].Data[0] = 9
	res.Kept["y"].Data[1] = 9
	if x.Data[0] != 1 || x.Data[1] != 2 {
		t.Fatal("result aliases the input")
	}
}

// TestWorkersBitIdentical: whole-graph results are identical for 1 and 3
// workers.
func TestWorkersBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	g := convBNReluGraph(r)
	g.Inputs[0].Shape = []int{2, 3, 40, 40}
	feeds := map[string]*Tensor{"x": randTensor(r, 2, 3, 40, 40)}
	_, a := runGraph(t, g, Options{Workers: 1, Keep: []string{"*"}}, feeds)
	_, b := runGraph(t, g, Options{Workers: 3, Keep: []string{"*"}}, feeds)
	for name, ta := range a.Kept {
		tb := b.Kept[name]
		for i := range ta.Data {
			if ta.Data[i] != tb.Data[i] {
				t.Fatalf("%s[%d]: %v vs %v", name, i, ta.Data[i], tb.Data[i])
			}
		}
	}
}

// TestNodeJSON: nodes round-trip through JSON with typed params and the
// operator by name.
func TestNodeJSON(t *testing.T) {
	in := []*Node{
		{Name: "c", Op: OpConv, Inputs: []string{"x", "w", ""}, Outputs: []string{"y"}, Params: &ConvParams{Kernel: [2]int{3, 3}, Pads: [4]int{1, 1, 1, 1}, Relu: true}},
		{Name: "r", Op: OpRelu, Inputs: []string{"y"}, Outputs: []string{"z"}},
		{Name: "s", Op: OpSoftmax, Inputs: []string{"z"}, Outputs: []string{"p"}, Params: &SoftmaxParams{Axis: -1}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"op":"Conv"`) {
		t.Fatalf("op not written by name: %s", b)
	}
	var out []*Node
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if cp, ok := out[0].Params.(*ConvParams); !ok || *cp != *in[0].Params.(*ConvParams) {
		t.Fatalf("conv params %#v", out[0].Params)
	}
	if out[1].Params != nil || out[2].Params.(*SoftmaxParams).Axis != -1 || out[0].Inputs[2] != "" {
		t.Fatalf("round trip: %s", b)
	}
	var bad Node
	if err := json.Unmarshal([]byte(`{"op":"Frobnicate"}`), &bad); err == nil {
		t.Fatal("unknown op accepted")
	}
	if err := json.Unmarshal([]byte(`{"op":"Relu","params":{"Axis":1}}`), &bad); err == nil {
		t.Fatal("params on a param-less op accepted")
	}
}

func TestParseOpKind(t *testing.T) {
	for k := OpConv; k < numOps; k++ {
		got, err := ParseOpKind(k.String())
		if err != nil || got != k {
			t.Errorf("%v: %v, %v", k, got, err)
		}
	}
	if k, _ := ParseOpKind("BatchNormalization"); k != OpBatchNorm {
		t.Error("BatchNormalization does not parse to OpBatchNorm")
	}
	if _, err := ParseOpKind("Conv2d"); err == nil {
		t.Error("Conv2d accepted")
	}
}

// TestRunsDoNotShareResults: buffers are recycled across runs, but never
// ones a previous Result holds.
func TestRunsDoNotShareResults(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	p, err := Compile(convBNReluGraph(r), Options{NoFuse: true, Keep: []string{"n"}})
	if err != nil {
		t.Fatal(err)
	}
	x1, x2 := randTensor(r, 1, 3, 7, 7), randTensor(r, 1, 3, 7, 7)
	a, err := p.Run(map[string]*Tensor{"x": x1})
	if err != nil {
		t.Fatal(err)
	}
	y, n := a.Outputs["y"].Clone(), a.Kept["n"].Clone()
	for i := 0; i < 3; i++ {
		if _, err := p.Run(map[string]*Tensor{"x": x2}); err != nil {
			t.Fatal(err)
		}
	}
	wantTensor(t, a.Outputs["y"], y.Shape, y.Data, 0)
	wantTensor(t, a.Kept["n"], n.Shape, n.Data, 0)
	b, err := p.Run(map[string]*Tensor{"x": x1})
	if err != nil {
		t.Fatal(err)
	}
	wantTensor(t, b.Outputs["y"], y.Shape, y.Data, 0)
}

// TestConcurrentRuns: one program run from several goroutines at once, with
// different batch sizes, gives each the result of a lone run.
func TestConcurrentRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	p, err := Compile(convBNReluGraph(r), Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	feeds := make([]*Tensor, 6)
	want := make([]*Tensor, len(feeds))
	for i := range feeds {
		feeds[i] = randTensor(r, 1+i%3, 3, 7, 7)
		res, err := p.Run(map[string]*Tensor{"x": feeds[i]})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.Outputs["y"]
	}
	errs := make(chan error, len(feeds))
	for i := range feeds {
		go func() {
			res, err := p.Run(map[string]*Tensor{"x": feeds[i]})
			if err == nil && !sameShape(res.Outputs["y"].Shape, want[i].Shape) {
				err = errors.New("shape differs")
			}
			if err == nil {
				for j, v := range res.Outputs["y"].Data {
					if v != want[i].Data[j] {
						err = errors.New("value differs")
						break
					}
				}
			}
			errs <- err
		}()
	}
	for range feeds {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
