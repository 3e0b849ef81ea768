package lessons

import (
	"fmt"

	"convscope/web/protocol"
)

// Width is one stage of the network: the main-path layers that output
// maps of one size, and how the size got there.
type Width struct {
	H, W int
	// Layers are the stage's main-path layers in table order: every conv
	// outside inception modules (a residual block's convs included) and
	// every inception module's output; Channels their output channels.
	Layers   []string
	Channels []int
	// Reduce is the layer that brought the maps down to H x W (a pooling
	// layer, or a stride-2 conv in a ResNet), "" for the first stage;
	// ReduceKind its kind; From the size before it.
	Reduce     string
	ReduceKind string
	From       [2]int
}

// Out is the stage's final width (the last layer's channels).
func (w Width) Out() int {
	if len(w.Channels) == 0 {
		return 0
	}
	return w.Channels[len(w.Channels)-1]
}

// WidthSteps returns l's stages (VGG16: 64 at 224x224, then 128, 256, 512
// and 512 after each 2x2 pool halves the size). It returns nil when
// Widths fails.
func WidthSteps(l *protocol.Loaded) []Width {
	w, err := Widths(l)
	if err != nil {
		return nil
	}
	return w
}

// Widths is WidthSteps with the reason it fails: a missing layer graph or
// shapes that disagree along it.
func Widths(l *protocol.Loaded) ([]Width, error) {
	g, err := newGraph(l)
	if err != nil {
		return nil, err
	}
	inception := map[string]bool{}
	for _, b := range l.Blocks {
		if b.Kind == "inception" {
			inception[b.Name] = true
		}
	}
	var out []Width
	for i := range l.Layers {
		li := &l.Layers[i]
		main := li.Kind == "conv" && !inception[li.Block] || li.Kind == "concat" && inception[li.Block]
		if !main {
			continue
		}
		c, h, w, ok := spatial(li.Shape)
		if !ok {
			return nil, fmt.Errorf("lessons: layer %s (%s) outputs %v, not maps", li.Name, li.Kind, li.Shape)
		}
		if n := len(out); n == 0 || out[n-1].H != h || out[n-1].W != w {
			st := Width{H: h, W: w}
			if n > 0 {
				red, err := g.reducer(li)
				if err != nil {
					return nil, err
				}
				st.Reduce, st.ReduceKind, st.From = red.Name, red.Kind, [2]int{out[n-1].H, out[n-1].W}
			}
			out = append(out, st)
		}
		st := &out[len(out)-1]
		st.Layers = append(st.Layers, li.Name)
		st.Channels = append(st.Channels, c)
	}
	return out, nil
}

// reducer follows li's first inputs back to the nearest layer whose output
// is smaller than its input (li itself when it is strided).
func (g *graph) reducer(li *protocol.LayerInfo) (*protocol.LayerInfo, error) {
	for steps := 0; steps <= len(g.l.Layers); steps++ {
		in, err := g.inShape(li)
		if err != nil {
			return nil, err
		}
		_, ih, iw, ok1 := spatial(in)
		_, oh, ow, ok2 := spatial(li.Shape)
		if ok1 && ok2 && (oh < ih || ow < iw) {
			return li, nil
		}
		if li.Inputs[0] == InputName {
			break
		}
		li = g.layer(li.Inputs[0])
	}
	return nil, fmt.Errorf("lessons: no layer before %s makes the maps smaller, yet its size differs from the stage before", li.Name)
}
