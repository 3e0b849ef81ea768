package session

import (
	"context"
	"math"
	"slices"
	"testing"

	"convscope/web/protocol"
)

// checkSlides checks every conv layer of a classified session: for one
// output channel, the partials of all its input channels plus the bias
// (and the ReLU when one is fused) are the layer's real output, and each
// answer's grids are the real input and weights.
func checkSlides(t *testing.T, s *Session, loaded *protocol.Loaded) {
	t.Helper()
	convs := 0
	for li, l := range loaded.Layers {
		if l.Kind != "conv" {
			continue
		}
		convs++
		n, p, w, err := s.convOf(l.Name)
		if err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		var bias float32
		out := li % w.Shape[0] // a different channel per layer
		if len(n.Inputs) > 2 && n.Inputs[2] != "" {
			bias = s.model.Graph().Consts[n.Inputs[2]].Data[out]
		}
		var sum []float64
		var output []float32
		for in := range w.Shape[1] {
			sl, err := s.Slide(l.Name, out, in)
			if err != nil {
				t.Fatalf("%s out %d in %d: %v", l.Name, out, in, err)
			}
			if in == 0 {
				sl.ID = 1
				if _, _, err := protocol.Encode(sl); err != nil {
					t.Fatal(err)
				}
				if sl.InCh != w.Shape[1] || sl.OutCh != w.Shape[0] || sl.Kernel.W != l.Kernel[1] || sl.Kernel.H != l.Kernel[0] ||
					sl.Input.H != l.InShape[2] || sl.Input.W != l.InShape[3] || sl.Output.H != l.Shape[2] || sl.Output.W != l.Shape[3] || sl.Partial.W != sl.Output.W {
					t.Fatalf("%s: slides %d->%d channels, kernel %dx%d, input %dx%d, output %dx%d; layer %+v", l.Name, sl.InCh, sl.OutCh, sl.Kernel.W, sl.Kernel.H, sl.Input.W, sl.Input.H, sl.Output.W, sl.Output.H, l)
				}
				sum = make([]float64, len(sl.Partial.Values))
				output = sl.Output.Values
			}
			k := w.Values((out*w.Shape[1]+in)*len(sl.Kernel.Values), (out*w.Shape[1]+in+1)*len(sl.Kernel.Values))
			for i, v := range sl.Kernel.Values {
				if v != k[i] {
					t.Fatalf("%s: kernel value %d is %v, weight %v", l.Name, i, v, k[i])
				}
			}
			for i, v := range sl.Partial.Values {
				sum[i] += float64(v)
			}
		}
		for i, v := range sum {
			v += float64(bias)
			if p.Relu {
				v = max(v, 0)
			}
			if math.Abs(v-float64(output[i])) > 1e-4*(1+math.Abs(v)) {
				t.Fatalf("%s out %d position %d: partials + bias = %v, output %v", l.Name, out, i, v, output[i])
			}
		}
	}
	if convs == 0 {
		t.Fatal("no conv layer")
	}
}

func TestSlide(t *testing.T) {
	for _, name := range []string{"resnet20_cifar", "googlenet_cifar"} {
		t.Run(name, func(t *testing.T) {
			b, _ := builtinModel(t, name)
			s, loaded, _ := classified(t, b)
			checkSlides(t, s, loaded)
			// The first conv reads the image as the model sees it.
			first := loaded.Layers[0]
			sl, err := s.Slide(first.Name, 0, 2)
			if err != nil {
				t.Fatal(err)
			}
			side := loaded.Crop
			for i, v := range sl.Input.Values {
				if v != s.x.Data[2*side*side+i] {
					t.Fatalf("%s input value %d: %v, the blue channel %v", first.Name, i, v, s.x.Data[2*side*side+i])
				}
			}
		})
	}
}

// TestSlideGraph: a strided conv and a grouped, dilated one (where input
// channel In of output channel Out is the In-th channel of Out's group).
func TestSlideGraph(t *testing.T) {
	s, loaded, _ := classified(t, graphModel(t, true))
	checkSlides(t, s, loaded)
	// b: 6 -> 4 channels in 2 groups, so output 3 reads input channels
	// 3..5; its input 1 is channel 4 of a.relu.
	sl, err := s.Slide("b", 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	a := floatRun(t, s)["a.relu.out"]
	hw := a.Shape[2] * a.Shape[3]
	for i, v := range sl.Input.Values {
		if v != a.Data[4*hw+i] {
			t.Fatalf("input value %d: %v, channel 4 has %v", i, v, a.Data[4*hw+i])
		}
	}
	if sl.InCh != 3 || sl.OutCh != 4 {
		t.Errorf("%d -> %d channels", sl.InCh, sl.OutCh)
	}
}

func TestSlideErrors(t *testing.T) {
	var s Session
	if _, err := s.Slide("conv1", 0, 0); code(err) != protocol.CodeNoModel {
		t.Errorf("slide without a model: %v", err)
	}
	b, _ := randomModel(t, "resnet20_cifar")
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Slide("conv1", 0, 0); code(err) != protocol.CodeNoResult {
		t.Errorf("slide before a result: %v", err)
	}
	if _, err := s.Classify(t.Context(), testImage(t), false, 5, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		layer   string
		out, in int
	}{
		{"bn1", 0, 0}, {"relu", 0, 0}, {"fc", 0, 0}, {"no.such.layer", 0, 0},
		{"conv1", 16, 0}, {"conv1", 0, 3}, {"conv1", -1, 0}, {"layer1.0.conv1", 0, 16},
	} {
		if _, err := s.Slide(c.layer, c.out, c.in); code(err) != protocol.CodeLayer {
			t.Errorf("%s out %d in %d: %v", c.layer, c.out, c.in, err)
		} else {
			t.Logf("%s out %d in %d: %v", c.layer, c.out, c.in, err)
		}
	}
	if sl, err := s.Slide("layer1.0.conv1", 15, 15); err != nil || sl.Out != 15 || sl.In != 15 {
		t.Errorf("the last kernel: %v", err)
	}
}

// TestSlideReplay: a Classify keeps no float32 maps but the CAM's; Slide
// replays the run for a layer's input and output, which are the bits a
// float32 run computes, keeps them for the next kernel of the same layer,
// and a cancelled replay is a cancellation.
func TestSlideReplay(t *testing.T) {
	b, _ := builtinModel(t, "resnet20_cifar")
	s, loaded, _ := classified(t, b)
	if len(s.kept) > 1 || (s.cam != nil && s.kept[s.cam.value] == nil) {
		t.Fatalf("the session keeps %d float32 values after a Classify, want only the CAM's maps", len(s.kept))
	}
	ref := floatRun(t, s)
	last := ""
	for _, l := range loaded.Layers {
		if l.Kind == "conv" {
			last = l.Name
		}
	}
	if _, err := s.SlideCtx(cancelled(), last, 0, 0, nil); code(err) != protocol.CodeCancelled {
		t.Fatalf("cancelled slide: %v", err)
	}
	steps := 0
	sl, err := s.SlideCtx(context.Background(), last, 3, 1, func() { steps++ })
	if err != nil {
		t.Fatal(err)
	}
	in, out := ref[s.convIn[last]], ref[s.values[last]]
	hw, ohw := in.Shape[2]*in.Shape[3], out.Shape[2]*out.Shape[3]
	if !slices.Equal(sl.Input.Values, in.Data[hw:2*hw]) || !slices.Equal(sl.Output.Values, out.Data[3*ohw:4*ohw]) {
		t.Fatal("the replayed input or output differs from a float32 run's")
	}
	if steps == 0 || steps >= len(s.prog.Nodes()) {
		t.Errorf("the replay ran %d of %d nodes, want it to stop after the layer's last reader", steps, len(s.prog.Nodes()))
	}
	cached := s.slide.dst
	steps = 0
	if _, err := s.SlideCtx(context.Background(), last, 5, 2, func() { steps++ }); err != nil || steps != 0 || s.slide.dst != cached {
		t.Errorf("a second kernel of the same layer ran %d nodes (%v)", steps, err)
	}
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
