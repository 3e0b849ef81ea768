package lessons

import (
	"fmt"

	"convscope/web/protocol"
)

// FCShare returns the learnable parameters of l's fully connected layers
// and of all its layers: AlexNet and VGG16 keep most of theirs in the
// classifier head (58.6 M of 61.1 M, 123.6 M of 138.4 M), GoogLeNet and
// ResNet, which average-pool before one fc layer, very few. Both are sums
// over the layer table, so they agree with the per-layer costs; (0, 0)
// without a model.
func FCShare(l *protocol.Loaded) (fc, total int64) {
	if l == nil {
		return 0, 0
	}
	for _, li := range l.Layers {
		if li.Kind == "fc" {
			fc += li.Params
		}
		total += li.Params
	}
	return fc, total
}

// ConvFC compares a conv layer with the fully connected layer that maps
// the same input volume to the same output volume.
type ConvFC struct {
	Conv int64 // the conv's parameters (weights, plus biases when it has them)
	FC   int64 // the fully connected layer's (biases included on the same terms)
	// Weights is the conv's weight count, OutC*(InC/group)*kh*kw, and
	// Bias whether it also has OutC biases.
	Weights int64
	Bias    bool
	// InUnits and OutUnits are the volumes, C*H*W of the input and the
	// output: the fc layer has InUnits*OutUnits weights.
	InUnits, OutUnits int64
}

// ConvVsFC returns CompareConvFC's two counts, (0, 0) for a layer that is
// not a consistent conv.
func ConvVsFC(li protocol.LayerInfo) (conv, fc int64) {
	c, err := CompareConvFC(li)
	if err != nil {
		return 0, 0
	}
	return c.Conv, c.FC
}

// CompareConvFC prices li, a conv layer, against a fully connected layer
// with the same input and output sizes: parameter sharing (one small
// kernel slid everywhere) against one weight per input-output pair.
// AlexNet's first layer: 23,296 against 29,142,414,400. It fails when li is not a
// conv, lacks its kernel or input shape, or has a parameter count that is
// neither its weights nor its weights plus one bias per output channel.
func CompareConvFC(li protocol.LayerInfo) (ConvFC, error) {
	bad := func(format string, args ...any) (ConvFC, error) {
		return ConvFC{}, fmt.Errorf("lessons: layer %s: %s", li.Name, fmt.Sprintf(format, args...))
	}
	if li.Kind != "conv" {
		return bad("is a %s layer, not a conv", li.Kind)
	}
	inC, _, _, ok := spatial(li.InShape)
	if !ok {
		return bad("input shape %v unknown or not a set of maps", li.InShape)
	}
	outC, _, _, ok := spatial(li.Shape)
	if !ok {
		return bad("output shape %v is not a set of maps", li.Shape)
	}
	k := kernelOf(&li)
	if k[0] < 1 || k[1] < 1 {
		return bad("kernel %v", li.Kernel)
	}
	group := max(li.Group, 1)
	if inC%group != 0 || outC%group != 0 {
		return bad("%d -> %d channels do not split into %d groups", inC, outC, group)
	}
	var c ConvFC
	var err error
	if c.Weights, err = mul(int64(outC), int64(inC/group), int64(k[0]), int64(k[1])); err != nil {
		return bad("%v", err)
	}
	switch li.Params {
	case c.Weights:
	case c.Weights + int64(outC):
		c.Bias = true
	default:
		return bad("%d parameters is neither its %d weights nor those plus %d biases", li.Params, c.Weights, outC)
	}
	c.Conv = li.Params
	if c.InUnits, err = units(li.InShape); err != nil {
		return bad("%v", err)
	}
	if c.OutUnits, err = units(li.Shape); err != nil {
		return bad("%v", err)
	}
	if c.FC, err = mul(c.InUnits, c.OutUnits); err != nil {
		return bad("a fully connected equivalent: %v", err)
	}
	if c.Bias {
		c.FC += c.OutUnits
	}
	return c, nil
}
