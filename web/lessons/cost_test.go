package lessons

import (
	"strings"
	"testing"

	"convscope/web/protocol"
)

func TestCosts(t *testing.T) {
	l := alexnetNet()
	r := &protocol.Result{Model: "alexnet",
		Timings: []protocol.Timing{
			{Name: "features.0", Op: "Conv", Ms: 1.5},
			{Name: "features.0", Op: "Conv", Ms: 0.25}, // a layer run as two nodes
			{Name: "classifier.1", Op: "Gemm", Ms: 4},
			{Name: "not_a_layer", Op: "Reshape", Ms: 9}, // an engine-only node: no row
		},
		Stats: []protocol.LayerStat{{Name: "features.1", Zeros: 0.5, Bytes: 1000}},
	}
	costs, err := LayerCosts(l, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(costs) != len(l.Layers) || len(Costs(l, r)) != len(costs) {
		t.Fatalf("%d costs for %d layers", len(costs), len(l.Layers))
	}
	byName := map[string]Cost{}
	var params, macs int64
	for _, c := range costs {
		byName[c.Name] = c
		params += c.Params
		macs += c.MACs
	}
	if params != l.Params || macs != l.MACs {
		t.Errorf("costs sum to %d params %d MACs, model has %d %d", params, macs, l.Params, l.MACs)
	}
	for _, tc := range []struct {
		name  string
		ms    float64
		timed bool
		bytes int64
	}{
		{"features.0", 1.75, true, 4 * 64 * 55 * 55},
		{"features.1", 0, false, 1000}, // measured statistics win over the shape
		{"classifier.1", 4, true, 4 * 4096},
		{"classifier.6", 0, false, 4 * 1000},
	} {
		c := byName[tc.name]
		if c.Ms != tc.ms || c.Timed != tc.timed || c.Bytes != tc.bytes {
			t.Errorf("%s: %v ms (timed %v), %d bytes; want %v (%v), %d", tc.name, c.Ms, c.Timed, c.Bytes, tc.ms, tc.timed, tc.bytes)
		}
	}
	if c := byName["classifier.1"]; c.Params != 37752832 || c.MACs != 37748736 || c.Kind != "fc" {
		t.Errorf("classifier.1: %+v", c)
	}
	// Before any run: shapes only.
	if c, err := LayerCosts(l, nil); err != nil || c[0].Bytes != 4*64*55*55 || c[0].Timed {
		t.Errorf("without a result: %+v, %v", c[0], err)
	}
}

func TestCostsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *protocol.Result
		want string
	}{
		{"other model", &protocol.Result{Model: "vgg16"}, "result is of model vgg16, the loaded model is alexnet"},
		{"unknown stats", &protocol.Result{Stats: []protocol.LayerStat{{Name: "fc9"}}}, `statistics of "fc9"`},
	} {
		_, err := LayerCosts(alexnetNet(), tc.r)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if Costs(alexnetNet(), tc.r) != nil {
			t.Errorf("%s: Costs returned rows", tc.name)
		}
	}
	if _, err := LayerCosts(nil, nil); err == nil {
		t.Error("no model: no error")
	}
}

func TestByBlock(t *testing.T) {
	costs := []Cost{
		{Name: "conv1", Kind: "conv", Params: 10},
		{Name: "relu", Kind: "relu"},
		{Name: "layer1.0.conv1", Kind: "conv", Block: "layer1.0", Params: 5},
		{Name: "layer1.0.bn1", Kind: "batchnorm", Block: "layer1.0", Params: 2},
		{Name: "layer1.0.add", Kind: "add", Block: "layer1.0"},
		{Name: "layer1.1.conv1", Kind: "conv", Block: "layer1.1", Params: 7},
		{Name: "fc", Kind: "fc", Params: 3},
	}
	parts := ByBlock(costs, func(c Cost) float64 { return float64(c.Params) })
	want := []Part{
		{Name: "conv1", Kind: "conv", Layers: 1, Value: 10},
		{Name: "layer1.0", Kind: "block", Layers: 2, Value: 7},
		{Name: "layer1.1", Kind: "block", Layers: 1, Value: 7},
		{Name: "fc", Kind: "fc", Layers: 1, Value: 3},
	}
	if len(parts) != len(want) {
		t.Fatalf("parts %+v, want %+v", parts, want)
	}
	for i := range want {
		if parts[i] != want[i] {
			t.Errorf("part %d: %+v, want %+v", i, parts[i], want[i])
		}
	}
}
