package models

import "strconv"

// VGG as torchvision builds it (torchvision.models.vgg): 3x3 convs with
// padding 1, 2x2 max pools, optional batch norm after every conv, an
// adaptive 7x7 average pool and a three-layer classifier. Module indices
// count every module of the features Sequential (conv, [bn,] relu, pool).

// vggCfgs are torchvision's configurations A, B, D, E: output channels of
// each conv, 0 for a max pool.
var vggCfgs = map[string][]int{
	"vgg11": {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0},
	"vgg13": {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0},
	"vgg16": {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0},
	"vgg19": {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0},
}

func init() {
	for name, cfg := range vggCfgs {
		registerArch(name, "imagenet", imagenet, func(c Config) (*Def, error) { return vgg(name, c, cfg, false) })
		registerArch(name+"_bn", "imagenet", imagenet, func(c Config) (*Def, error) { return vgg(name+"_bn", c, cfg, true) })
	}
}

func vgg(name string, c Config, cfg []int, bn bool) (*Def, error) {
	b, x := NewBuilder(name, c.Height, c.Width, c.Classes)
	i := 0
	next := func() string { s := "features." + strconv.Itoa(i); i++; return s }
	for _, ch := range cfg {
		if ch == 0 {
			x = b.MaxPool(next(), x, 2, 2, 0, false)
			continue
		}
		x = b.Conv(next(), x, ch, 3, ConvOpts{Pad: 1, Bias: true})
		if bn {
			x = b.BatchNorm(next(), x, bnEps)
		}
		x = b.Relu(next(), x)
	}
	x = b.AdaptiveAvgPool("avgpool", x, 7, 7)
	x = b.Flatten("flatten", x)
	x = b.Linear("classifier.0", x, 4096)
	x = b.Relu("classifier.1", x)
	x = b.Dropout("classifier.2", x, 0.5)
	x = b.Linear("classifier.3", x, 4096)
	x = b.Relu("classifier.4", x)
	x = b.Dropout("classifier.5", x, 0.5)
	x = b.Linear("classifier.6", x, c.Classes)
	return b.Finish(x)
}
