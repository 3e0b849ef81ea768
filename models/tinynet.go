package models

import "convscope/models/modelfile"

// tinynet is a small network (about 9,000 parameters, 32x32 input) with
// every kind of layer the real definitions use: conv + batch norm + ReLU, a
// residual block with a projection shortcut, an inception-style concat,
// max pooling with ceil_mode, global average pooling, dropout and fc. Tests
// of the converter, the file format, the commands and the server use it;
// it has no trained weights.

func init() {
	registerArch("tinynet", "cifar10", Config{Height: 32, Width: 32, Classes: 10}, tinynet)
}

func tinynet(c Config) (*Def, error) {
	b, x := NewBuilder("tinynet", c.Height, c.Width, c.Classes)
	x = b.Conv("conv1", x, 8, 3, ConvOpts{Stride: 1, Pad: 1})
	x = b.BatchNorm("bn1", x, bnEps)
	x = b.Relu("relu", x)
	x = b.MaxPool("maxpool", x, 3, 2, 0, true)
	x = basicBlock(b, "layer1.0", x, 16, 2, true)
	b.Block("mix", modelfile.BlockInception)
	b1 := b.Conv("mix.branch1", x, 8, 1, ConvOpts{Bias: true})
	b1 = b.Relu("mix.branch1.relu", b1)
	b2 := b.Conv("mix.branch2", x, 8, 3, ConvOpts{Pad: 1, Bias: true})
	b2 = b.Relu("mix.branch2.relu", b2)
	b3 := b.MaxPool("mix.branch3", x, 3, 1, 1, true)
	x = b.Concat("mix", b1, b2, b3)
	b.EndBlock()
	x = b.AdaptiveAvgPool("avgpool", x, 1, 1)
	x = b.Flatten("flatten", x)
	x = b.Dropout("dropout", x, 0.2)
	x = b.Linear("fc", x, c.Classes)
	return b.Finish(x)
}
