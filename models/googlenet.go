package models

import "convscope/models/modelfile"

// GoogLeNet (Inception v1) as torchvision builds it
// (torchvision.models.googlenet) for inference with its pretrained weights:
//   - transform_input=True: the weights were trained on inputs normalised
//     with mean 0.5 and std 0.5, so the model first maps the ImageNet
//     normalisation onto that one, x' = x*std/0.5 + (mean-0.5)/0.5 per
//     channel (a ChannelAffine layer here, not a state_dict entry);
//   - every conv is BasicConv2d: conv without bias, batch norm with
//     eps 0.001 (not the default 1e-5), ReLU;
//   - max pools use ceil_mode=True;
//   - no auxiliary classifiers (aux1, aux2 exist only in training; their
//     state_dict entries are not needed and not counted);
//   - the "5x5" branch of each inception module uses a 3x3 conv: a known
//     quirk of torchvision's port that its pretrained weights depend on.

func init() {
	registerArch("googlenet", "imagenet", imagenet, googlenet)
}

const googlenetBNEps = 0.001

// basicConv is torchvision's BasicConv2d: NAME.conv, NAME.bn, then a ReLU
// whose output value is NAME.
func basicConv(b *Builder, name string, x Value, outC, k, stride, pad int) Value {
	x = b.Conv(name+".conv", x, outC, k, ConvOpts{Stride: stride, Pad: pad})
	x = b.BatchNorm(name+".bn", x, googlenetBNEps)
	return b.Relu(name, x)
}

// inception is torchvision's Inception module: four branches concatenated
// along the channels, output value NAME.
func inception(b *Builder, name string, x Value, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj int) Value {
	b.Block(name, modelfile.BlockInception)
	b1 := basicConv(b, name+".branch1", x, ch1x1, 1, 1, 0)
	b2 := basicConv(b, name+".branch2.0", x, ch3x3red, 1, 1, 0)
	b2 = basicConv(b, name+".branch2.1", b2, ch3x3, 3, 1, 1)
	b3 := basicConv(b, name+".branch3.0", x, ch5x5red, 1, 1, 0)
	// torchvision's quirk: kernel 3, not the paper's 5 (see the file comment).
	b3 = basicConv(b, name+".branch3.1", b3, ch5x5, 3, 1, 1)
	b4 := b.MaxPool(name+".branch4.0", x, 3, 1, 1, true)
	b4 = basicConv(b, name+".branch4.1", b4, poolProj, 1, 1, 0)
	out := b.Concat(name, b1, b2, b3, b4)
	b.EndBlock()
	return out
}

func googlenet(c Config) (*Def, error) {
	b, x := NewBuilder("googlenet", c.Height, c.Width, c.Classes)
	mean, std := [3]float32{0.485, 0.456, 0.406}, [3]float32{0.229, 0.224, 0.225}
	scale, shift := make([]float32, 3), make([]float32, 3)
	for i := range 3 {
		scale[i] = std[i] / 0.5
		shift[i] = (mean[i] - 0.5) / 0.5
	}
	x = b.ChannelAffine("transform_input", x, scale, shift)
	x = basicConv(b, "conv1", x, 64, 7, 2, 3)
	x = b.MaxPool("maxpool1", x, 3, 2, 0, true)
	x = basicConv(b, "conv2", x, 64, 1, 1, 0)
	x = basicConv(b, "conv3", x, 192, 3, 1, 1)
	x = b.MaxPool("maxpool2", x, 3, 2, 0, true)
	x = inception(b, "inception3a", x, 64, 96, 128, 16, 32, 32)
	x = inception(b, "inception3b", x, 128, 128, 192, 32, 96, 64)
	x = b.MaxPool("maxpool3", x, 3, 2, 0, true)
	x = inception(b, "inception4a", x, 192, 96, 208, 16, 48, 64)
	x = inception(b, "inception4b", x, 160, 112, 224, 24, 64, 64)
	x = inception(b, "inception4c", x, 128, 128, 256, 24, 64, 64)
	x = inception(b, "inception4d", x, 112, 144, 288, 32, 64, 64)
	x = inception(b, "inception4e", x, 256, 160, 320, 32, 128, 128)
	x = b.MaxPool("maxpool4", x, 2, 2, 0, true)
	x = inception(b, "inception5a", x, 256, 160, 320, 32, 128, 128)
	x = inception(b, "inception5b", x, 384, 192, 384, 48, 128, 128)
	x = b.AdaptiveAvgPool("avgpool", x, 1, 1)
	x = b.Flatten("flatten", x)
	x = b.Dropout("dropout", x, 0.2)
	x = b.Linear("fc", x, c.Classes)
	return b.Finish(x)
}
