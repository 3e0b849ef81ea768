package models

import (
	"fmt"

	"convscope/models/modelfile"
)

// ResNet v1.5 as torchvision builds it (torchvision.models.resnet): the
// stride of a downsampling bottleneck is on its 3x3 conv, not its first
// 1x1 (that is the "v1.5" difference from the paper). Batch norm eps 1e-5.

func init() {
	for _, r := range []struct {
		name       string
		bottleneck bool
		layers     [4]int
	}{
		{"resnet18", false, [4]int{2, 2, 2, 2}},
		{"resnet34", false, [4]int{3, 4, 6, 3}},
		{"resnet50", true, [4]int{3, 4, 6, 3}},
		{"resnet101", true, [4]int{3, 4, 23, 3}},
		{"resnet152", true, [4]int{3, 8, 36, 3}},
	} {
		registerArch(r.name, "imagenet", imagenet, func(c Config) (*Def, error) {
			return resnet(r.name, c, r.bottleneck, r.layers)
		})
	}
}

const bnEps = 1e-5 // nn.BatchNorm2d's default

func resnet(name string, c Config, bottleneck bool, layers [4]int) (*Def, error) {
	b, x := NewBuilder(name, c.Height, c.Width, c.Classes)
	x = b.Conv("conv1", x, 64, 7, ConvOpts{Stride: 2, Pad: 3})
	x = b.BatchNorm("bn1", x, bnEps)
	x = b.Relu("relu", x)
	x = b.MaxPool("maxpool", x, 3, 2, 1, false)
	expansion := 1
	if bottleneck {
		expansion = 4
	}
	inplanes := 64
	for stage, n := range layers {
		planes := 64 << stage
		for i := range n {
			stride := 1
			if i == 0 && stage > 0 {
				stride = 2
			}
			block := fmt.Sprintf("layer%d.%d", stage+1, i)
			// torchvision adds a projection shortcut when the shape changes.
			down := stride != 1 || inplanes != planes*expansion
			if bottleneck {
				x = bottleneckBlock(b, block, x, planes, stride, down)
			} else {
				x = basicBlock(b, block, x, planes, stride, down)
			}
			inplanes = planes * expansion
		}
	}
	b.EndBlock()
	x = b.AdaptiveAvgPool("avgpool", x, 1, 1)
	x = b.Flatten("flatten", x)
	x = b.Linear("fc", x, c.Classes)
	return b.Finish(x)
}

// shortcut is the identity, or downsample.0 (1x1 conv, stride) +
// downsample.1 (batch norm) when the shape changes.
func shortcut(b *Builder, block string, x Value, outC, stride int, down bool) Value {
	if !down {
		return x
	}
	s := b.Conv(block+".downsample.0", x, outC, 1, ConvOpts{Stride: stride})
	return b.BatchNorm(block+".downsample.1", s, bnEps)
}

// basicBlock: 3x3 conv (stride) - bn - relu - 3x3 conv - bn, plus the
// shortcut, then relu. The block's output value is named after the block.
func basicBlock(b *Builder, block string, x Value, planes, stride int, down bool) Value {
	b.Block(block, modelfile.BlockBasic)
	y := b.Conv(block+".conv1", x, planes, 3, ConvOpts{Stride: stride, Pad: 1})
	y = b.BatchNorm(block+".bn1", y, bnEps)
	y = b.Relu(block+".relu1", y)
	y = b.Conv(block+".conv2", y, planes, 3, ConvOpts{Pad: 1})
	y = b.BatchNorm(block+".bn2", y, bnEps)
	s := shortcut(b, block, x, planes, stride, down)
	y = b.Add(block+".add", y, s)
	return b.Relu(block, y)
}

// bottleneckBlock: 1x1 conv - bn - relu - 3x3 conv (stride) - bn - relu -
// 1x1 conv (4x planes) - bn, plus the shortcut, then relu.
func bottleneckBlock(b *Builder, block string, x Value, planes, stride int, down bool) Value {
	b.Block(block, modelfile.BlockBottleneck)
	y := b.Conv(block+".conv1", x, planes, 1, ConvOpts{})
	y = b.BatchNorm(block+".bn1", y, bnEps)
	y = b.Relu(block+".relu1", y)
	y = b.Conv(block+".conv2", y, planes, 3, ConvOpts{Stride: stride, Pad: 1})
	y = b.BatchNorm(block+".bn2", y, bnEps)
	y = b.Relu(block+".relu2", y)
	y = b.Conv(block+".conv3", y, planes*4, 1, ConvOpts{})
	y = b.BatchNorm(block+".bn3", y, bnEps)
	s := shortcut(b, block, x, planes*4, stride, down)
	y = b.Add(block+".add", y, s)
	return b.Relu(block, y)
}
