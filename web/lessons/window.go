package lessons

import (
	"fmt"

	"convscope/web/protocol"
)

// window is the sliding-window geometry of a conv or pooling layer.
type window struct {
	k    [2]int // kernel (kh, kw)
	s    [2]int // stride (sh, sw)
	pads [4]int // top, left, bottom, right
	d    [2]int // dilation (dh, dw)
}

// extent is the input span of one window along axis a: d*(k-1)+1.
func (w window) extent(a int) int { return w.d[a]*(w.k[a]-1) + 1 }

// windowOf returns li's window, has=false for layers that do not slide one
// (activations, batch norm, dropout, fc, ...). in and out are li's input
// and output shapes.
//
// A pooling layer without a Kernel that changes the size is an adaptive
// pool (nn.AdaptiveAvgPool2d); its windows are taken as stride in/out and
// kernel in-(out-1)*stride, which is PyTorch's exact windowing when out
// divides in and covers it otherwise.
func windowOf(li *protocol.LayerInfo, in, out []int) (w window, has bool, err error) {
	bad := func(format string, args ...any) (window, bool, error) {
		return window{}, false, fmt.Errorf("lessons: layer %s: %s", li.Name, fmt.Sprintf(format, args...))
	}
	_, ih, iw, in4 := spatial(in)
	_, oh, ow, out4 := spatial(out)
	if len(li.Kernel) == 0 {
		switch {
		case li.Kind == "conv":
			return bad("a conv without kernel geometry (the model's table lacks Kernel)")
		case (li.Kind == "maxpool" || li.Kind == "avgpool") && in4 && out4 && (ih != oh || iw != ow):
			if oh > ih || ow > iw {
				return bad("pooling from %dx%d up to %dx%d", ih, iw, oh, ow)
			}
			w = window{s: [2]int{ih / oh, iw / ow}, d: [2]int{1, 1}}
			w.k = [2]int{ih - (oh-1)*w.s[0], iw - (ow-1)*w.s[1]}
			return w, true, nil
		}
		return window{}, false, nil
	}
	if !in4 || !out4 {
		return bad("a kernel over shapes %v -> %v (want 4-D)", in, out)
	}
	if len(li.Kernel) != 2 || li.Kernel[0] < 1 || li.Kernel[1] < 1 {
		return bad("kernel %v (want two sizes >= 1)", li.Kernel)
	}
	w = window{k: [2]int{li.Kernel[0], li.Kernel[1]}, s: [2]int{1, 1}, d: [2]int{1, 1}}
	if len(li.Stride) > 0 {
		if len(li.Stride) != 2 || li.Stride[0] < 1 || li.Stride[1] < 1 {
			return bad("stride %v (want two strides >= 1)", li.Stride)
		}
		w.s = [2]int{li.Stride[0], li.Stride[1]}
	}
	if len(li.Dilation) > 0 {
		if len(li.Dilation) != 2 || li.Dilation[0] < 1 || li.Dilation[1] < 1 {
			return bad("dilation %v (want two dilations >= 1)", li.Dilation)
		}
		w.d = [2]int{li.Dilation[0], li.Dilation[1]}
	}
	if len(li.Pads) > 0 {
		if len(li.Pads) != 4 {
			return bad("pads %v (want top, left, bottom, right)", li.Pads)
		}
		for _, p := range li.Pads {
			if p < 0 {
				return bad("negative padding %v", li.Pads)
			}
		}
		w.pads = [4]int{li.Pads[0], li.Pads[1], li.Pads[2], li.Pads[3]}
	}
	// The output size must follow from the input size, with floor
	// rounding (convolutions, default pooling) or ceil rounding
	// (ceil_mode pools, as in GoogLeNet): otherwise the geometry and the shapes disagree and
	// every number derived from them would be wrong.
	for a, sz := range [2][2]int{{ih, oh}, {iw, ow}} {
		span := sz[0] + w.pads[a] + w.pads[a+2] - w.extent(a)
		if span < 0 {
			return bad("kernel %v (dilation %v) is larger than the padded input %dx%d", li.Kernel, w.d, ih, iw)
		}
		floor, ceil := span/w.s[a]+1, (span+w.s[a]-1)/w.s[a]+1
		if li.Kind == "conv" {
			ceil = floor
		}
		if sz[1] != floor && sz[1] != ceil {
			return bad("output %dx%d does not follow from input %dx%d with kernel %v, stride %v, pads %v, dilation %v (axis %d gives %d)",
				oh, ow, ih, iw, w.k, w.s, w.pads, w.d, a, floor)
		}
	}
	return w, true, nil
}
