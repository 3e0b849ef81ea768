package session

import (
	"context"
	"math"
	"testing"

	"convscope/engine"
	"convscope/models"
	"convscope/web/protocol"
)

// spread returns the range of vals.
func spread(vals []float32) float64 {
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	return float64(hi - lo)
}

// TestCAM checks the class activation map of the built-in networks that
// end in global average pooling and one fully connected layer against a
// brute-force computation from an independent unfused run, and against the
// logit it decomposes: its mean plus the fc bias is the class's logit.
func TestCAM(t *testing.T) {
	for _, c := range []struct{ model, layer string }{
		{"googlenet_cifar", "inception4b"},
		{"resnet20_cifar", "layer3.2"},
	} {
		t.Run(c.model, func(t *testing.T) {
			b, m := builtinModel(t, c.model)
			s, loaded, res := classified(t, b)
			g := m.Graph()
			// Brute force, from the graph as written: the maps that reach
			// the pooling, the fc weights, one sum per position.
			p, err := m.Program(engine.Options{NoFuse: true, Keep: []string{c.layer}})
			if err != nil {
				t.Fatal(err)
			}
			run, err := p.Run(map[string]*engine.Tensor{g.Inputs[0].Name: s.x})
			if err != nil {
				t.Fatal(err)
			}
			a := run.Kept[c.layer]
			w, bias := g.Consts["fc.weight"].Dequantized(), g.Consts["fc.bias"] // (10, C), (10)
			logits := run.Outputs[g.Outputs[0]].Data
			ch, hw := a.Shape[1], a.Shape[2]*a.Shape[3]
			for class := range loaded.Labels {
				h, err := s.Explain(context.Background(), class, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if h.Method != "cam" || h.Layer != c.layer || h.W != a.Shape[3] || h.H != a.Shape[2] || h.Class != class {
					t.Fatalf("class %d: %s of %s, %dx%d", class, h.Method, h.Layer, h.W, h.H)
				}
				mean := 0.0
				for i := range hw {
					want := 0.0
					for k := range ch {
						want += float64(w.Data[class*ch+k]) * float64(a.Data[k*hw+i])
					}
					if math.Abs(float64(h.Values[i])-want) > 1e-4*(1+math.Abs(want)) {
						t.Fatalf("class %d position %d: %v, brute force %v", class, i, h.Values[i], want)
					}
					mean += float64(h.Values[i]) / float64(hw)
				}
				if got := mean + float64(bias.Data[class]); math.Abs(got-float64(logits[class])) > 1e-3 {
					t.Errorf("class %d: mean of the map + bias = %v, logit %v", class, got, logits[class])
				}
				h.ID = 1
				if _, _, err := protocol.Encode(h); err != nil {
					t.Fatal(err)
				}
			}
			top, err := s.Explain(context.Background(), res.Top[0].Index, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if spread(top.Values) < 1e-3 {
				t.Errorf("the map of the top class %s is flat: %v", res.Top[0].Label, top.Values)
			}
			t.Logf("CAM of %s (p=%.3f) on %s: %dx%d, range %.3f, %.2f ms", res.Top[0].Label, res.Top[0].Prob, c.layer, top.W, top.H, spread(top.Values), top.Ms)
		})
	}
}

// TestCAMGraph: both layouts of the fc weight, (classes, C) and (C,
// classes), and maps that reach the pooling through an Identity.
func TestCAMGraph(t *testing.T) {
	for _, transB := range []bool{true, false} {
		s, _, res := classified(t, graphModel(t, transB))
		class := res.Top[1].Index
		h, err := s.Explain(context.Background(), class, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := s.kept["same.out"]
		w := s.model.Graph().Consts["fc.w"]
		if h.Method != "cam" || h.Layer != "same" || h.W != 8 || h.H != 8 || w.Int8 == nil {
			t.Fatalf("transB %v: %s of %s, %dx%d; int8 weights %v", transB, h.Method, h.Layer, h.W, h.H, w.Int8 != nil)
		}
		wf := w.Float32()
		for i := range 64 {
			want := 0.0
			for k := range 4 {
				wk := wf[k*10+class]
				if transB {
					wk = wf[class*4+k]
				}
				want += float64(wk) * float64(a.Data[k*64+i])
			}
			if math.Abs(float64(h.Values[i])-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("transB %v position %d: %v, brute force %v", transB, i, h.Values[i], want)
			}
		}
	}
}

func TestExplainErrors(t *testing.T) {
	var s Session
	if _, err := s.Explain(context.Background(), 0, nil, nil); code(err) != protocol.CodeNoModel {
		t.Errorf("explain without a model: %v", err)
	}
	b, _ := randomModel(t, "resnet20_cifar")
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Explain(context.Background(), 0, nil, nil); code(err) != protocol.CodeNoResult {
		t.Errorf("explain before a result: %v", err)
	}
	if _, err := s.Classify(context.Background(), testImage(t), false, 5, nil); err != nil {
		t.Fatal(err)
	}
	for _, class := range []int{-1, 10} {
		if _, err := s.Explain(context.Background(), class, nil, nil); code(err) != protocol.CodeRequest {
			t.Errorf("class %d of 10: %v", class, err)
		}
	}
}

func TestOcclusionGrid(t *testing.T) {
	for side := 1; side <= 320; side++ {
		stride, patch, cell, pos := occlusionGrid(side)
		if len(pos)*len(pos) > MaxOcclusionRuns {
			t.Errorf("side %d: %d positions per axis", side, len(pos))
		}
		if pos[0] != 0 || pos[len(pos)-1] != side-patch || patch > side || stride < 1 {
			t.Errorf("side %d: stride %d patch %d positions %v", side, stride, patch, pos)
		}
		for i := 1; i < len(pos); i++ {
			if pos[i] <= pos[i-1] || pos[i]-pos[i-1] > stride {
				t.Errorf("side %d: positions %v with stride %d", side, pos, stride)
			}
		}
		if cell != 1 && side%cell != 0 {
			t.Errorf("side %d: cells of %d", side, cell)
		}
	}
	if s, p, c, pos := occlusionGrid(32); s != 4 || p != 8 || c != 4 || len(pos) != 7 {
		t.Errorf("32: stride %d patch %d cell %d positions %v", s, p, c, pos)
	}
	if s, p, c, pos := occlusionGrid(224); s != 28 || p != 56 || c != 28 || len(pos) != 7 {
		t.Errorf("224: stride %d patch %d cell %d positions %v", s, p, c, pos)
	}
}

// TestOcclusion: a network with a fully connected head gets occlusion
// sensitivity; each corner cell, covered by one patch only, is the drop an
// independent run with that patch greyed out measures.
func TestOcclusion(t *testing.T) {
	// AlexNet's head is the same case at three times the cost.
	for _, name := range []string{"vgg_cifar"} {
		t.Run(name, func(t *testing.T) {
			b, m := builtinModel(t, name)
			s, loaded, res := classified(t, b)
			class := res.Top[0].Index
			steps := 0
			var done []int // the progress reports, in order
			h, err := s.Explain(context.Background(), class, func() { steps++ }, func(d, total int) {
				if total != 49 {
					t.Errorf("progress %d of %d, want of 7 x 7 positions", d, total)
				}
				done = append(done, d)
			})
			if err != nil {
				t.Fatal(err)
			}
			if h.Method != "occlusion" || h.W != 8 || h.H != 8 || h.Patch != 8 || h.Stride != 4 || len(h.Values) != 64 {
				t.Fatalf("%s %dx%d patch %d stride %d", h.Method, h.W, h.H, h.Patch, h.Stride)
			}
			nodes := len(s.prog.Nodes())
			if steps != 50*nodes {
				t.Errorf("%d steps, want 50 runs of %d nodes", steps, nodes)
			}
			// One report per position, after its run: 1, 2, ..., 49.
			for i, d := range done {
				if d != i+1 {
					t.Fatalf("progress reports %v, want 1 to 49 in order", done)
				}
			}
			if len(done) != 49 {
				t.Errorf("%d progress reports, want 49", len(done))
			}
			p, err := m.Program(engine.Options{NoFuse: true})
			if err != nil {
				t.Fatal(err)
			}
			prob := func(x *engine.Tensor) float64 {
				r, err := p.Run(map[string]*engine.Tensor{m.Graph().Inputs[0].Name: x})
				if err != nil {
					t.Fatal(err)
				}
				return models.Softmax(r.Outputs[m.Graph().Outputs[0]].Data)[class]
			}
			base := prob(s.x)
			for _, corner := range [][2]int{{0, 0}, {0, 7}, {7, 0}, {7, 7}} {
				x := s.x.Clone()
				y0, x0 := min(corner[0]*4, 24), min(corner[1]*4, 24)
				for c := range 3 {
					for y := y0; y < y0+8; y++ {
						for xx := x0; xx < x0+8; xx++ {
							x.Data[c*1024+y*32+xx] = 0
						}
					}
				}
				want := base - prob(x)
				if got := float64(h.Values[corner[0]*8+corner[1]]); math.Abs(got-want) > 1e-4 {
					t.Errorf("cell %v: drop %v, independent run %v", corner, got, want)
				}
			}
			if spread(h.Values) < 1e-4 {
				t.Errorf("occlusion map is flat: %v", h.Values)
			}
			h.ID = 1
			if _, _, err := protocol.Encode(h); err != nil {
				t.Fatal(err)
			}
			t.Logf("occlusion for %s (p=%.3f): 50 runs in %.0f ms, drops spread over %.3f", res.Top[0].Label, res.Top[0].Prob, h.Ms, spread(h.Values))

			ctx, cancel := context.WithCancel(context.Background())
			steps = 0
			if _, err := s.Explain(ctx, class, func() {
				if steps++; steps == 3*nodes {
					cancel()
				}
			}, nil); code(err) != protocol.CodeCancelled || steps != 3*nodes {
				t.Errorf("cancelled occlusion: %v after %d steps", err, steps)
			}
			// The session is intact: the last result's maps are still there.
			if _, err := s.Slide(loaded.Layers[0].Name, 0, 0); err != nil {
				t.Errorf("slide after a cancelled explain: %v", err)
			}
		})
	}
}
