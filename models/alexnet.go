package models

import "strconv"

// AlexNet as torchvision builds it (torchvision.models.alexnet, the "one
// weird trick" variant: 64-192-384-256-256 channels, no LRN), with module
// indices as in its nn.Sequential containers.

func init() {
	registerArch("alexnet", "imagenet", imagenet, alexnet)
}

func alexnet(c Config) (*Def, error) {
	b, x := NewBuilder("alexnet", c.Height, c.Width, c.Classes)
	f := func(i int) string { return "features." + strconv.Itoa(i) }
	x = b.Conv(f(0), x, 64, 11, ConvOpts{Stride: 4, Pad: 2, Bias: true})
	x = b.Relu(f(1), x)
	x = b.MaxPool(f(2), x, 3, 2, 0, false)
	x = b.Conv(f(3), x, 192, 5, ConvOpts{Pad: 2, Bias: true})
	x = b.Relu(f(4), x)
	x = b.MaxPool(f(5), x, 3, 2, 0, false)
	x = b.Conv(f(6), x, 384, 3, ConvOpts{Pad: 1, Bias: true})
	x = b.Relu(f(7), x)
	x = b.Conv(f(8), x, 256, 3, ConvOpts{Pad: 1, Bias: true})
	x = b.Relu(f(9), x)
	x = b.Conv(f(10), x, 256, 3, ConvOpts{Pad: 1, Bias: true})
	x = b.Relu(f(11), x)
	x = b.MaxPool(f(12), x, 3, 2, 0, false)
	x = b.AdaptiveAvgPool("avgpool", x, 6, 6)
	x = b.Flatten("flatten", x)
	x = b.Dropout("classifier.0", x, 0.5)
	x = b.Linear("classifier.1", x, 4096)
	x = b.Relu("classifier.2", x)
	x = b.Dropout("classifier.3", x, 0.5)
	x = b.Linear("classifier.4", x, 4096)
	x = b.Relu("classifier.5", x)
	x = b.Linear("classifier.6", x, c.Classes)
	return b.Finish(x)
}
