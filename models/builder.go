package models

import (
	"fmt"
	"slices"

	"convscope/engine"
	"convscope/models/modelfile"
)

// Value is a graph value while a definition is being built: its name and
// its shape, which the builder infers itself (PyTorch's rules) so that the
// table does not need the engine.
type Value struct {
	Name  string
	Shape []int // (N, C, H, W) or (N, F)
}

// Builder emits a definition layer by layer. Each method adds one node
// named after the torchvision module (its output value has the same name),
// creates the module's state_dict entries, and adds a row to the table.
// The first error sticks: later calls do nothing and Finish returns it, so
// architecture code reads as a list of layers.
type Builder struct {
	def   *Def
	block int // index into def.Blocks of the open block, or -1
	names map[string]bool
	err   error
}

// NewBuilder starts a definition of arch whose input is (1, 3, h, w).
func NewBuilder(arch string, h, w, classes int) (*Builder, Value) {
	in := Value{Name: InputName, Shape: []int{1, 3, h, w}}
	b := &Builder{
		def: &Def{
			Name:       arch,
			Input:      slices.Clone(in.Shape),
			NumClasses: classes,
			graph:      &engine.Graph{Inputs: []engine.ValueInfo{{Name: in.Name, Shape: slices.Clone(in.Shape)}}},
			fixed:      map[string]*engine.Tensor{},
		},
		block: -1,
		names: map[string]bool{InputName: true},
	}
	if h <= 0 || w <= 0 || classes <= 0 {
		b.err = fmt.Errorf("%s: bad input %dx%d or class count %d", arch, h, w, classes)
	}
	return b, in
}

// Finish closes the definition; out is the logits, (1, NumClasses).
func (b *Builder) Finish(out Value) (*Def, error) {
	b.EndBlock()
	if b.err != nil {
		return nil, b.err
	}
	if !slices.Equal(out.Shape, []int{1, b.def.NumClasses}) {
		return nil, fmt.Errorf("%s: output %s has shape %v, want [1 %d]", b.def.Name, out.Name, out.Shape, b.def.NumClasses)
	}
	b.def.graph.Outputs = []string{out.Name}
	return b.def, nil
}

// Block opens a group (residual block, inception module): the layers added
// until EndBlock belong to it. Blocks do not nest: opening one closes the
// previous one.
func (b *Builder) Block(name string, kind modelfile.BlockKind) {
	b.EndBlock()
	if b.err != nil {
		return
	}
	b.def.Blocks = append(b.def.Blocks, Block{Name: name, Kind: kind})
	b.block = len(b.def.Blocks) - 1
}

// EndBlock closes the open block; its output is the last layer added.
func (b *Builder) EndBlock() {
	if b.block < 0 {
		return
	}
	blk := &b.def.Blocks[b.block]
	for _, l := range b.def.Layers {
		if l.Block == blk.Name {
			blk.Params += l.Params
			blk.MACs += l.MACs
			blk.Output = l.Value
		}
	}
	b.block = -1
}

// add appends node and table row; it returns the output value.
func (b *Builder) add(name string, kind modelfile.LayerKind, op engine.OpKind, params any, inputs []string, shape []int, nparams, macs int64) Value {
	if b.names[name] {
		b.fail(fmt.Errorf("%s: layer name %q used twice", b.def.Name, name))
		return Value{Name: name, Shape: shape}
	}
	b.names[name] = true
	b.def.graph.Nodes = append(b.def.graph.Nodes, &engine.Node{
		Name: name, Op: op, Inputs: inputs, Outputs: []string{name}, Params: params,
	})
	l := Layer{Name: name, Kind: kind, Value: name, Shape: slices.Clone(shape), Params: nparams, MACs: macs}
	if b.block >= 0 {
		l.Block = b.def.Blocks[b.block].Name
	}
	b.def.Layers = append(b.def.Layers, l)
	return Value{Name: name, Shape: shape}
}

// param records a state_dict entry and returns its name.
func (b *Builder) param(name string, buffer bool, shape ...int) string {
	b.def.params = append(b.def.params, ParamSpec{Name: name, Shape: shape, Buffer: buffer})
	return name
}

func (b *Builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// ok reports whether building may go on with x as a 4-D input.
func (b *Builder) ok4(name string, x Value) bool {
	if b.err != nil {
		return false
	}
	if len(x.Shape) != 4 {
		b.fail(fmt.Errorf("%s: layer %s needs a 4-D input, %s is %v", b.def.Name, name, x.Name, x.Shape))
		return false
	}
	return true
}

// ConvOpts are the optional settings of Conv; the zero value means
// stride 1, no padding, one group, no bias.
type ConvOpts struct {
	Stride, Pad, Group int
	Bias               bool
}

// Conv adds nn.Conv2d(inC, outC, k) as module name: weight (outC, inC/group,
// k, k) and, with Bias, bias (outC).
func (b *Builder) Conv(name string, x Value, outC, k int, o ConvOpts) Value {
	if !b.ok4(name, x) {
		return x
	}
	stride, group := max(o.Stride, 1), max(o.Group, 1)
	inC, h, w := x.Shape[1], x.Shape[2], x.Shape[3]
	if outC <= 0 || k <= 0 || inC%group != 0 || outC%group != 0 {
		b.fail(fmt.Errorf("%s: conv %s: bad channels %d->%d, kernel %d or group %d", b.def.Name, name, inC, outC, k, group))
		return x
	}
	oh := (h+2*o.Pad-k)/stride + 1
	ow := (w+2*o.Pad-k)/stride + 1
	if oh <= 0 || ow <= 0 {
		b.fail(fmt.Errorf("%s: conv %s: input %dx%d too small for kernel %d", b.def.Name, name, h, w, k))
		return x
	}
	inputs := []string{x.Name, b.param(name+".weight", false, outC, inC/group, k, k)} // (outC, inC/group, kH, kW)
	nparams := int64(outC * inC / group * k * k)
	if o.Bias {
		inputs = append(inputs, b.param(name+".bias", false, outC)) // (outC)
		nparams += int64(outC)
	}
	p := &engine.ConvParams{
		Kernel: [2]int{k, k}, Strides: [2]int{stride, stride},
		Pads: [4]int{o.Pad, o.Pad, o.Pad, o.Pad}, Dilations: [2]int{1, 1}, Group: group,
	}
	macs := int64(oh) * int64(ow) * int64(outC) * int64(inC/group) * int64(k*k)
	return b.add(name, modelfile.LayerConv, engine.OpConv, p, inputs, []int{x.Shape[0], outC, oh, ow}, nparams, macs)
}

// BatchNorm adds nn.BatchNorm2d(C, eps) as module name: weight, bias,
// running_mean, running_var, each (C).
func (b *Builder) BatchNorm(name string, x Value, eps float32) Value {
	if !b.ok4(name, x) {
		return x
	}
	c := x.Shape[1]
	inputs := []string{x.Name,
		b.param(name+".weight", false, c), b.param(name+".bias", false, c),
		b.param(name+".running_mean", true, c), b.param(name+".running_var", true, c)}
	return b.add(name, modelfile.LayerBatchNorm, engine.OpBatchNorm, &engine.BatchNormParams{Epsilon: eps}, inputs, x.Shape, int64(2*c), 0)
}

// Relu adds a ReLU; torchvision's is in-place, here it is its own value so
// the UI can show it (the engine fuses it into the conv before it).
func (b *Builder) Relu(name string, x Value) Value {
	if b.err != nil {
		return x
	}
	return b.add(name, modelfile.LayerRelu, engine.OpRelu, nil, []string{x.Name}, x.Shape, 0, 0)
}

// MaxPool adds nn.MaxPool2d(k, stride, pad, ceil_mode).
func (b *Builder) MaxPool(name string, x Value, k, stride, pad int, ceil bool) Value {
	if !b.ok4(name, x) {
		return x
	}
	oh, ow := poolOut(x.Shape[2], k, stride, pad, ceil), poolOut(x.Shape[3], k, stride, pad, ceil)
	if oh <= 0 || ow <= 0 || pad*2 > k {
		b.fail(fmt.Errorf("%s: maxpool %s: input %v too small for kernel %d or bad padding %d", b.def.Name, name, x.Shape, k, pad))
		return x
	}
	p := &engine.PoolParams{
		Kernel: [2]int{k, k}, Strides: [2]int{stride, stride},
		Pads: [4]int{pad, pad, pad, pad}, Dilations: [2]int{1, 1}, CeilMode: ceil,
	}
	return b.add(name, modelfile.LayerMaxPool, engine.OpMaxPool, p, []string{x.Name}, []int{x.Shape[0], x.Shape[1], oh, ow}, 0, 0)
}

// poolOut is PyTorch's pooling output size, including its ceil_mode rule
// that the last window must start inside the input or the left padding.
func poolOut(n, k, stride, pad int, ceil bool) int {
	span := n + 2*pad - k
	if span < 0 {
		return 0
	}
	out := span/stride + 1
	if ceil && span%stride != 0 {
		out++
		if (out-1)*stride >= n+pad {
			out--
		}
	}
	return out
}

// AdaptiveAvgPool adds nn.AdaptiveAvgPool2d((oh, ow)); (1, 1) becomes a
// GlobalAveragePool, which every runtime has.
func (b *Builder) AdaptiveAvgPool(name string, x Value, oh, ow int) Value {
	if !b.ok4(name, x) {
		return x
	}
	shape := []int{x.Shape[0], x.Shape[1], oh, ow}
	if oh == 1 && ow == 1 {
		return b.add(name, modelfile.LayerAvgPool, engine.OpGlobalAveragePool, nil, []string{x.Name}, shape, 0, 0)
	}
	return b.add(name, modelfile.LayerAvgPool, engine.OpAdaptiveAvgPool, &engine.AdaptiveAvgPoolParams{Out: [2]int{oh, ow}}, []string{x.Name}, shape, 0, 0)
}

// Flatten adds torch.flatten(x, 1).
func (b *Builder) Flatten(name string, x Value) Value {
	if !b.ok4(name, x) {
		return x
	}
	n := x.Shape[1] * x.Shape[2] * x.Shape[3]
	return b.add(name, modelfile.LayerFlatten, engine.OpFlatten, &engine.FlattenParams{Axis: 1}, []string{x.Name}, []int{x.Shape[0], n}, 0, 0)
}

// Dropout adds nn.Dropout(ratio): the identity at inference, kept so the
// layer list shows where the network was regularised.
func (b *Builder) Dropout(name string, x Value, ratio float32) Value {
	if b.err != nil {
		return x
	}
	return b.add(name, modelfile.LayerDropout, engine.OpDropout, &engine.DropoutParams{Ratio: ratio}, []string{x.Name}, x.Shape, 0, 0)
}

// Linear adds nn.Linear(in, out) as a Gemm with TransB: weight (out, in),
// bias (out).
func (b *Builder) Linear(name string, x Value, out int) Value {
	if b.err != nil {
		return x
	}
	if len(x.Shape) != 2 || out <= 0 {
		b.fail(fmt.Errorf("%s: linear %s needs a 2-D input, %s is %v", b.def.Name, name, x.Name, x.Shape))
		return x
	}
	in := x.Shape[1]
	inputs := []string{x.Name,
		b.param(name+".weight", false, out, in), // (out, in)
		b.param(name+".bias", false, out)}       // (out)
	p := &engine.GemmParams{Alpha: 1, Beta: 1, TransB: true}
	return b.add(name, modelfile.LayerFC, engine.OpGemm, p, inputs, []int{x.Shape[0], out}, int64(out*in+out), int64(out)*int64(in))
}

// Add adds the elementwise sum of a residual connection.
func (b *Builder) Add(name string, x, y Value) Value {
	if b.err != nil {
		return x
	}
	if !slices.Equal(x.Shape, y.Shape) {
		b.fail(fmt.Errorf("%s: add %s: shapes %v and %v differ", b.def.Name, name, x.Shape, y.Shape))
		return x
	}
	return b.add(name, modelfile.LayerAdd, engine.OpAdd, nil, []string{x.Name, y.Name}, x.Shape, 0, 0)
}

// Concat concatenates 4-D values along the channels (inception modules).
func (b *Builder) Concat(name string, xs ...Value) Value {
	if b.err != nil || len(xs) == 0 {
		b.fail(fmt.Errorf("%s: concat %s of nothing", b.def.Name, name))
		return Value{}
	}
	shape := slices.Clone(xs[0].Shape)
	names := make([]string, len(xs))
	for i, x := range xs {
		if !b.ok4(name, x) {
			return x
		}
		if i > 0 {
			if x.Shape[0] != shape[0] || x.Shape[2] != shape[2] || x.Shape[3] != shape[3] {
				b.fail(fmt.Errorf("%s: concat %s: shapes %v and %v differ outside the channels", b.def.Name, name, xs[0].Shape, x.Shape))
				return x
			}
			shape[1] += x.Shape[1]
		}
		names[i] = x.Name
	}
	return b.add(name, modelfile.LayerConcat, engine.OpConcat, &engine.ConcatParams{Axis: 1}, names, shape, 0, 0)
}

// ChannelAffine adds y[c] = x[c]*scale[c] + shift[c] with constants the
// definition supplies (not state_dict entries), as a depthwise 1x1 conv:
// weight name.weight (C, 1, 1, 1), bias name.bias (C). No runtime needs a
// broadcasting Mul/Add for it, and it is exact under per-channel int8
// quantization (one weight per channel). Its H*W*C multiplies are not
// counted as MACs, like torchvision's published figures, which count conv
// and linear layers only.
func (b *Builder) ChannelAffine(name string, x Value, scale, shift []float32) Value {
	if !b.ok4(name, x) {
		return x
	}
	c := x.Shape[1]
	if len(scale) != c || len(shift) != c {
		b.fail(fmt.Errorf("%s: %s: %d channels, %d scales, %d shifts", b.def.Name, name, c, len(scale), len(shift)))
		return x
	}
	w := &engine.Tensor{Shape: []int{c, 1, 1, 1}, Data: slices.Clone(scale)} // (C, 1, 1, 1)
	bias := &engine.Tensor{Shape: []int{c}, Data: slices.Clone(shift)}       // (C)
	b.def.fixed[name+".weight"], b.def.fixed[name+".bias"] = w, bias
	p := &engine.ConvParams{Kernel: [2]int{1, 1}, Strides: [2]int{1, 1}, Dilations: [2]int{1, 1}, Group: c}
	return b.add(name, modelfile.LayerInputTransform, engine.OpConv, p, []string{x.Name, name + ".weight", name + ".bias"}, x.Shape, 0, 0)
}

// AvgPool adds nn.AvgPool2d(k, stride, pad) (count_include_pad=True, as
// PyTorch's default).
func (b *Builder) AvgPool(name string, x Value, k, stride, pad int) Value {
	if !b.ok4(name, x) {
		return x
	}
	oh, ow := poolOut(x.Shape[2], k, stride, pad, false), poolOut(x.Shape[3], k, stride, pad, false)
	if oh <= 0 || ow <= 0 || pad*2 > k {
		b.fail(fmt.Errorf("%s: avgpool %s: input %v too small for kernel %d or bad padding %d", b.def.Name, name, x.Shape, k, pad))
		return x
	}
	p := &engine.PoolParams{
		Kernel: [2]int{k, k}, Strides: [2]int{stride, stride},
		Pads: [4]int{pad, pad, pad, pad}, Dilations: [2]int{1, 1}, CountIncludePad: true,
	}
	return b.add(name, modelfile.LayerAvgPool, engine.OpAveragePool, p, []string{x.Name}, []int{x.Shape[0], x.Shape[1], oh, ow}, 0, 0)
}

// LRN adds nn.LocalResponseNorm(size, alpha, beta, k), the normalisation
// of the original AlexNet.
func (b *Builder) LRN(name string, x Value, size int, alpha, beta, k float32) Value {
	if !b.ok4(name, x) {
		return x
	}
	return b.add(name, modelfile.LayerLRN, engine.OpLRN, &engine.LRNParams{Size: size, Alpha: alpha, Beta: beta, Bias: k}, []string{x.Name}, x.Shape, 0, 0)
}
