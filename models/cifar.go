package models

import (
	"fmt"
	"strconv"

	"convscope/models/modelfile"
)

// The five CIFAR-10 architectures ConvScope trains itself and ships as
// built-in models (models/builtin). Each mirrors a PyTorch module of
// train/nets.py with the same state_dict names; the input is 32x32 and
// every batch norm has PyTorch's default eps 1e-5.

func init() {
	registerArch("resnet20_cifar", "cifar10", cifar10, func(c Config) (*Def, error) { return resnetCIFAR("resnet20_cifar", c, 3, true) })
	registerArch("plain20_cifar", "cifar10", cifar10, func(c Config) (*Def, error) { return resnetCIFAR("plain20_cifar", c, 3, false) })
	registerArch("vgg_cifar", "cifar10", cifar10, vggCIFAR)
	registerArch("googlenet_cifar", "cifar10", cifar10, googlenetCIFAR)
	registerArch("alexnet_cifar", "cifar10", cifar10, alexnetCIFAR)
}

var cifar10 = Config{Height: 32, Width: 32, Classes: 10}

// resnetCIFAR is the CIFAR-10 ResNet of He et al. 2016, section 4.2: a 3x3
// conv with 16 channels, then 3 stages of n basic blocks with 16, 32 and 64
// channels (the first block of stages 2 and 3 has stride 2), global
// average pooling and a 10-way fc: 6n+2 weighted layers (n=3: ResNet-20).
// Where the shape changes the shortcut is the paper's option B, a 1x1
// stride-2 projection conv + batch norm (downsample.0/.1); option A's
// strided zero-padded identity is not an engine operator. With shortcut
// false it is the plain net of the paper's degradation experiment: the
// same layers, no additions.
func resnetCIFAR(name string, c Config, n int, shortcut bool) (*Def, error) {
	b, x := NewBuilder(name, c.Height, c.Width, c.Classes)
	x = b.Conv("conv1", x, 16, 3, ConvOpts{Pad: 1})
	x = b.BatchNorm("bn1", x, bnEps)
	x = b.Relu("relu", x)
	inplanes := 16
	for stage := range 3 {
		planes := 16 << stage
		for i := range n {
			stride := 1
			if i == 0 && stage > 0 {
				stride = 2
			}
			block := fmt.Sprintf("layer%d.%d", stage+1, i)
			if shortcut {
				x = basicBlock(b, block, x, planes, stride, stride != 1 || inplanes != planes)
			} else {
				x = plainBlock(b, block, x, planes, stride)
			}
			inplanes = planes
		}
	}
	b.EndBlock()
	x = b.AdaptiveAvgPool("avgpool", x, 1, 1)
	x = b.Flatten("flatten", x)
	x = b.Linear("fc", x, c.Classes)
	return b.Finish(x)
}

// plainBlock is basicBlock without the shortcut: 3x3 conv (stride) - bn -
// relu - 3x3 conv - bn - relu, output value named after the block. It is
// not a Block of the table: there is no residual to group.
func plainBlock(b *Builder, block string, x Value, planes, stride int) Value {
	y := b.Conv(block+".conv1", x, planes, 3, ConvOpts{Stride: stride, Pad: 1})
	y = b.BatchNorm(block+".bn1", y, bnEps)
	y = b.Relu(block+".relu1", y)
	y = b.Conv(block+".conv2", y, planes, 3, ConvOpts{Pad: 1})
	y = b.BatchNorm(block+".bn2", y, bnEps)
	return b.Relu(block, y)
}

// vggCIFARCfg is the VGG-style net's convs (output channels, 0 = 2x2 max
// pool): pairs of 3x3 convs, width doubling after each pool.
var vggCIFARCfg = []int{32, 32, 0, 64, 64, 0, 128, 128, 0}

// vggCIFAR: each conv is 3x3 pad 1 without bias + batch norm + ReLU (module
// indices count conv, bn, relu and pool as torchvision's VGG does), then
// the 128x4x4 map flattened into one fc layer.
func vggCIFAR(c Config) (*Def, error) {
	b, x := NewBuilder("vgg_cifar", c.Height, c.Width, c.Classes)
	i := 0
	next := func() string { s := "features." + strconv.Itoa(i); i++; return s }
	for _, ch := range vggCIFARCfg {
		if ch == 0 {
			x = b.MaxPool(next(), x, 2, 2, 0, false)
			continue
		}
		x = b.Conv(next(), x, ch, 3, ConvOpts{Pad: 1})
		x = b.BatchNorm(next(), x, bnEps)
		x = b.Relu(next(), x)
	}
	x = b.Flatten("flatten", x)
	x = b.Linear("classifier.0", x, c.Classes)
	return b.Finish(x)
}

// basicConvCIFAR is BasicConv2d of train/nets.py: conv k x k with "same"
// padding and no bias, batch norm (eps 1e-5), ReLU; output value NAME.
func basicConvCIFAR(b *Builder, name string, x Value, outC, k int) Value {
	x = b.Conv(name+".conv", x, outC, k, ConvOpts{Pad: k / 2})
	x = b.BatchNorm(name+".bn", x, bnEps)
	return b.Relu(name, x)
}

// inceptionCIFAR is an inception module with a real 5x5 branch (unlike
// torchvision's port): 1x1; 1x1 bottleneck -> 3x3; 1x1 bottleneck -> 5x5;
// 3x3 stride-1 max pool -> 1x1; concatenated along the channels.
func inceptionCIFAR(b *Builder, name string, x Value, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj int) Value {
	b.Block(name, modelfile.BlockInception)
	b1 := basicConvCIFAR(b, name+".branch1", x, ch1x1, 1)
	b2 := basicConvCIFAR(b, name+".branch2.0", x, ch3x3red, 1)
	b2 = basicConvCIFAR(b, name+".branch2.1", b2, ch3x3, 3)
	b3 := basicConvCIFAR(b, name+".branch3.0", x, ch5x5red, 1)
	b3 = basicConvCIFAR(b, name+".branch3.1", b3, ch5x5, 5)
	b4 := b.MaxPool(name+".branch4.0", x, 3, 1, 1, false)
	b4 = basicConvCIFAR(b, name+".branch4.1", b4, poolProj, 1)
	out := b.Concat(name, b1, b2, b3, b4)
	b.EndBlock()
	return out
}

// googlenetCIFAR: a 3x3 stem conv (64) and a 3x3/2 max pool to 16x16, two
// inception modules, a 3x3/2 max pool to 8x8, two more, global average
// pooling, dropout and a single fc (no large fully connected head).
// The module widths are GOOGLENET_CFG of train/nets.py.
func googlenetCIFAR(c Config) (*Def, error) {
	b, x := NewBuilder("googlenet_cifar", c.Height, c.Width, c.Classes)
	x = basicConvCIFAR(b, "conv1", x, 64, 3)
	x = b.MaxPool("maxpool1", x, 3, 2, 1, false)
	x = inceptionCIFAR(b, "inception3a", x, 32, 48, 64, 8, 16, 16)    // -> 128 channels
	x = inceptionCIFAR(b, "inception3b", x, 48, 64, 96, 16, 32, 32)   // -> 208
	x = b.MaxPool("maxpool2", x, 3, 2, 1, false)                      // 16x16 -> 8x8
	x = inceptionCIFAR(b, "inception4a", x, 96, 64, 128, 16, 32, 32)  // -> 288
	x = inceptionCIFAR(b, "inception4b", x, 112, 96, 160, 24, 48, 64) // -> 384
	x = b.AdaptiveAvgPool("avgpool", x, 1, 1)
	x = b.Flatten("flatten", x)
	x = b.Dropout("dropout", x, 0.2)
	x = b.Linear("fc", x, c.Classes)
	return b.Finish(x)
}

// alexnetCIFAR keeps AlexNet's defining ideas at 32x32: a large (5x5)
// first kernel, ReLU, overlapping 3x3/2 max pooling, local response
// normalisation after the first two stages (AlexNet's size 5, alpha 1e-4,
// beta 0.75, k 2), three 3x3 convs, and three fc layers with dropout. No
// batch norm, as in the original. Module indices as in train/nets.py.
func alexnetCIFAR(c Config) (*Def, error) {
	b, x := NewBuilder("alexnet_cifar", c.Height, c.Width, c.Classes)
	f := func(i int) string { return "features." + strconv.Itoa(i) }
	x = b.Conv(f(0), x, 64, 5, ConvOpts{Pad: 2, Bias: true})
	x = b.Relu(f(1), x)
	x = b.MaxPool(f(2), x, 3, 2, 1, false) // 32x32 -> 16x16
	x = b.LRN(f(3), x, 5, 1e-4, 0.75, 2)
	x = b.Conv(f(4), x, 128, 3, ConvOpts{Pad: 1, Bias: true})
	x = b.Relu(f(5), x)
	x = b.MaxPool(f(6), x, 3, 2, 1, false) // -> 8x8
	x = b.LRN(f(7), x, 5, 1e-4, 0.75, 2)
	x = b.Conv(f(8), x, 192, 3, ConvOpts{Pad: 1, Bias: true})
	x = b.Relu(f(9), x)
	x = b.Conv(f(10), x, 192, 3, ConvOpts{Pad: 1, Bias: true})
	x = b.Relu(f(11), x)
	x = b.Conv(f(12), x, 128, 3, ConvOpts{Pad: 1, Bias: true})
	x = b.Relu(f(13), x)
	x = b.MaxPool(f(14), x, 3, 2, 1, false) // -> 4x4
	x = b.Flatten("flatten", x)
	x = b.Dropout("classifier.0", x, 0.5)
	x = b.Linear("classifier.1", x, 256)
	x = b.Relu("classifier.2", x)
	x = b.Dropout("classifier.3", x, 0.5)
	x = b.Linear("classifier.4", x, 256)
	x = b.Relu("classifier.5", x)
	x = b.Linear("classifier.6", x, c.Classes)
	return b.Finish(x)
}
