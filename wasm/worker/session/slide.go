package session

import (
	"context"
	"errors"
	"runtime"

	"convscope/engine"
	"convscope/web/protocol"
)

// convOf returns the executed conv node of layer (from the session's
// program: its params say whether a ReLU is fused) and its weight tensor,
// or an error for a layer that is not a conv.
func (s *Session) convOf(layer string) (*engine.Node, *engine.ConvParams, *engine.Tensor, error) {
	i, ok := s.byName[layer]
	if !ok {
		return nil, nil, nil, fail(protocol.CodeLayer, "model %s has no layer %q", s.model.Meta.Name, layer)
	}
	for _, n := range s.prog.Nodes() {
		if n.Name != layer || n.Op != engine.OpConv || len(n.Inputs) < 2 {
			continue
		}
		p, ok := n.Params.(*engine.ConvParams)
		// The file's weights are the ones the engine runs: batch norm was
		// folded into them when the model was converted, and the session
		// keeps every conv output, which stops the engine folding more.
		w := s.model.Graph().Consts[n.Inputs[1]]
		if !ok || w == nil || len(w.Shape) != 4 {
			break
		}
		return n, p, w, nil
	}
	return nil, nil, nil, fail(protocol.CodeLayer, "layer %q (%s) is not a convolution", layer, s.layers[i].Kind)
}

// Slide returns what one kernel of conv layer does on the last classified
// image: input channel in of the layer's input, the weights from it to
// output channel out, their convolution alone (no bias) and the layer's
// real output channel out. See SlideCtx.
func (s *Session) Slide(layer string, out, in int) (*protocol.Slides, error) {
	return s.SlideCtx(context.Background(), layer, out, in, nil)
}

// SlideCtx is Slide for the worker: the layer's float32 input and output,
// which a Classify does not keep, are computed again by replaying the run
// (step is called after each node, to yield; ctx cancels).
func (s *Session) SlideCtx(ctx context.Context, layer string, out, in int, step func()) (*protocol.Slides, error) {
	if s.model == nil {
		return nil, fail(protocol.CodeNoModel, "no model is loaded yet")
	}
	_, p, w, err := s.convOf(layer)
	if err != nil {
		return nil, err
	}
	outC, inPer, kh, kw := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
	if out < 0 || out >= outC || in < 0 || in >= inPer {
		return nil, fail(protocol.CodeLayer, "layer %q has %d output channels and %d input channels per kernel; there is no kernel out %d, in %d", layer, outC, inPer, out, in)
	}
	if s.kept == nil {
		return nil, fail(protocol.CodeNoResult, "classify an image first")
	}
	src, dst, err := s.convMaps(ctx, layer, step)
	if err != nil {
		return nil, err
	}
	if src == nil || dst == nil || len(src.Shape) != 4 || len(dst.Shape) != 4 {
		return nil, fail(protocol.CodeInternal, "the run kept no input or output maps for layer %q", layer)
	}
	group := max(p.Group, 1)
	ic := out/(outC/group)*inPer + in // the input channel this kernel reads
	ih, iw := src.Shape[2], src.Shape[3]
	oh, ow := dst.Shape[2], dst.Shape[3]
	input := src.Data[ic*ih*iw : (ic+1)*ih*iw]
	kernel := w.Values((out*inPer+in)*kh*kw, (out*inPer+in+1)*kh*kw)
	partial := make([]float32, oh*ow)
	for oy := range oh {
		for ox := range ow {
			var sum float32
			for ky := range kh {
				y := oy*p.Strides[0] - p.Pads[0] + ky*p.Dilations[0]
				if y < 0 || y >= ih {
					continue
				}
				for kx := range kw {
					xx := ox*p.Strides[1] - p.Pads[1] + kx*p.Dilations[1]
					if xx < 0 || xx >= iw {
						continue
					}
					sum += kernel[ky*kw+kx] * input[y*iw+xx]
				}
			}
			partial[oy*ow+ox] = sum
		}
	}
	grid := func(w, h int, v []float32) protocol.Grid {
		return protocol.Grid{W: w, H: h, Values: append([]float32(nil), v...)}
	}
	return &protocol.Slides{
		Layer: layer, Out: out, In: in, InCh: inPer, OutCh: outC,
		Stride: clone(p.Strides[:]), Pads: clone(p.Pads[:]),
		Input:   grid(iw, ih, input),
		Kernel:  grid(kw, kh, kernel),
		Partial: protocol.Grid{W: ow, H: oh, Values: partial},
		Output:  grid(ow, oh, dst.Data[out*oh*ow:(out+1)*oh*ow]),
	}, nil
}

// slideCache is one conv layer's float32 input and output on the last
// image, kept after a Slide so that the other kernels of the same layer
// (the lesson's sliders) answer without a replay.
type slideCache struct {
	layer    string
	src, dst *engine.Tensor
}

// convMaps returns the float32 input and output of conv layer on the last
// classified image. A Classify keeps only 8-bit maps (VGG16's float32
// outputs are 180 MB), so they are computed again: the session's program
// runs on the kept input until both values are made (the same program on
// the same input gives the same bits as the Classify, so a slide's partial
// sums add up to the output the maps show) and every other value is handed
// back as the run goes. That costs at most one run, against keeping every
// layer's float32 output for a request that reads one layer; the answer is
// kept until the next Classify or Slide of another layer.
func (s *Session) convMaps(ctx context.Context, layer string, step func()) (src, dst *engine.Tensor, err error) {
	if c := s.slide; c != nil && c.layer == layer {
		return c.src, c.dst, nil
	}
	// The previous layer's maps are not held through the replay, and are
	// collected before it allocates (WebAssembly memory never shrinks).
	s.slide = nil
	runtime.GC()
	inV, outV := s.convIn[layer], s.values[layer]
	want := map[string]*engine.Tensor{outV: nil}
	if inV != s.input {
		want[inV] = nil
	}
	found := 0
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	ro := engine.RunOptions{Context: rctx, Consume: func(name string, t *engine.Tensor) bool {
		got, wanted := want[name]
		if !wanted {
			return true
		}
		if got == nil {
			want[name] = t
			if found++; found == len(want) {
				stop() // the rest of the network is not needed
			}
		}
		return false
	}}
	if step != nil {
		ro.Progress = func(int, int, engine.NodeTiming) { step() }
	}
	res, err := s.run(s.x, ro)
	if found < len(want) {
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, nil, &Error{Code: protocol.CodeCancelled, Err: errors.New("cancelled")}
		case err != nil:
			return nil, nil, fail(protocol.CodeInternal, "model %s: %v", s.model.Meta.Name, err)
		}
		// A value the engine does not offer: a graph output.
		for name, t := range want {
			if t == nil {
				want[name] = res.Kept[name]
			}
		}
	}
	src, dst = s.x, want[outV]
	if inV != s.input {
		src = want[inV]
	}
	if src == nil || dst == nil {
		return nil, nil, fail(protocol.CodeInternal, "the run kept no input or output maps for layer %q", layer)
	}
	s.slide = &slideCache{layer: layer, src: src, dst: dst}
	return src, dst, nil
}
