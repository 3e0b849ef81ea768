package lessons

import (
	"fmt"

	"convscope/web/protocol"
)

// The layer tables the tests use, built by hand the way models/builder.go
// builds the real ones (same layer names, kinds, shapes, parameter and MAC
// counts), plus the geometry and edges the worker adds to LayerInfo. The
// totals are checked against torchvision's published parameter counts in
// TestNetsMatchPublishedCounts, so these are the real networks' tables.

// tval is a value while a table is built: the layer that outputs it.
type tval struct {
	name  string
	shape []int
}

type tnet struct {
	l     protocol.Loaded
	block string
}

func newNet(name string, crop int) (*tnet, tval) {
	return &tnet{l: protocol.Loaded{Name: name, Arch: name, Crop: crop}}, tval{InputName, []int{1, 3, crop, crop}}
}

func (n *tnet) add(li protocol.LayerInfo, ins ...tval) tval {
	li.Block = n.block
	li.Maps = true
	for _, in := range ins {
		li.Inputs = append(li.Inputs, in.name)
	}
	if len(ins) > 0 {
		li.InShape = append([]int(nil), ins[0].shape...)
	}
	n.l.Layers = append(n.l.Layers, li)
	return tval{li.Name, li.Shape}
}

func (n *tnet) startBlock(name, kind string) {
	n.endBlock()
	n.block = name
	n.l.Blocks = append(n.l.Blocks, protocol.BlockInfo{Name: name, Kind: kind})
}

func (n *tnet) endBlock() {
	if n.block == "" {
		return
	}
	b := &n.l.Blocks[len(n.l.Blocks)-1]
	for _, li := range n.l.Layers {
		if li.Block == b.Name {
			b.Params += li.Params
			b.MACs += li.MACs
		}
	}
	n.block = ""
}

func outSize(in, k, s, p, d int, ceil bool) int {
	span := in + 2*p - d*(k-1) - 1
	o := span/s + 1
	if ceil && span%s != 0 {
		o++
		if (o-1)*s >= in+p {
			o--
		}
	}
	return o
}

func (n *tnet) conv(name string, x tval, outC, k, s, p int, bias bool) tval {
	return n.convDG(name, x, outC, k, s, p, 1, 1, bias)
}

func (n *tnet) convDG(name string, x tval, outC, k, s, p, d, g int, bias bool) tval {
	inC, h, w := x.shape[1], x.shape[2], x.shape[3]
	oh, ow := outSize(h, k, s, p, d, false), outSize(w, k, s, p, d, false)
	params := int64(outC * inC / g * k * k)
	if bias {
		params += int64(outC)
	}
	return n.add(protocol.LayerInfo{
		Name: name, Kind: "conv", Shape: []int{1, outC, oh, ow}, Params: params,
		MACs:   int64(oh*ow) * int64(outC*inC/g*k*k),
		Kernel: []int{k, k}, Stride: []int{s, s}, Pads: []int{p, p, p, p}, Dilation: []int{d, d}, Group: g,
	}, x)
}

func (n *tnet) pool(kind, name string, x tval, k, s, p int, ceil bool) tval {
	oh, ow := outSize(x.shape[2], k, s, p, 1, ceil), outSize(x.shape[3], k, s, p, 1, ceil)
	return n.add(protocol.LayerInfo{
		Name: name, Kind: kind, Shape: []int{1, x.shape[1], oh, ow},
		Kernel: []int{k, k}, Stride: []int{s, s}, Pads: []int{p, p, p, p}, Dilation: []int{1, 1},
	}, x)
}

// gap is a global average pool: Kernel is the input's size.
func (n *tnet) gap(name string, x tval) tval {
	return n.add(protocol.LayerInfo{
		Name: name, Kind: "avgpool", Shape: []int{1, x.shape[1], 1, 1},
		Kernel: []int{x.shape[2], x.shape[3]}, Stride: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilation: []int{1, 1},
	}, x)
}

// adaptive is nn.AdaptiveAvgPool2d((oh, ow)) with no geometry in the table.
func (n *tnet) adaptive(name string, x tval, oh, ow int) tval {
	return n.add(protocol.LayerInfo{Name: name, Kind: "avgpool", Shape: []int{1, x.shape[1], oh, ow}}, x)
}

// same is a layer that keeps the shape: relu, dropout, lrn.
func (n *tnet) same(kind, name string, x tval) tval {
	return n.add(protocol.LayerInfo{Name: name, Kind: kind, Shape: x.shape}, x)
}

func (n *tnet) bn(name string, x tval) tval {
	return n.add(protocol.LayerInfo{Name: name, Kind: "batchnorm", Shape: x.shape, Params: int64(2 * x.shape[1])}, x)
}

func (n *tnet) flatten(name string, x tval) tval {
	return n.add(protocol.LayerInfo{Name: name, Kind: "flatten", Shape: []int{1, x.shape[1] * x.shape[2] * x.shape[3]}}, x)
}

func (n *tnet) fc(name string, x tval, out int) tval {
	in := x.shape[1]
	return n.add(protocol.LayerInfo{Name: name, Kind: "fc", Shape: []int{1, out}, Params: int64(out*in + out), MACs: int64(out * in)}, x)
}

func (n *tnet) sum(name string, x, y tval) tval {
	return n.add(protocol.LayerInfo{Name: name, Kind: "add", Shape: x.shape}, x, y)
}

func (n *tnet) concat(name string, xs ...tval) tval {
	shape := append([]int(nil), xs[0].shape...)
	for _, x := range xs[1:] {
		shape[1] += x.shape[1]
	}
	return n.add(protocol.LayerInfo{Name: name, Kind: "concat", Shape: shape}, xs...)
}

func (n *tnet) done() *protocol.Loaded {
	n.endBlock()
	for _, li := range n.l.Layers {
		n.l.Params += li.Params
		n.l.MACs += li.MACs
	}
	return &n.l
}

func f(i int) string { return fmt.Sprintf("features.%d", i) }

// alexnetNet is models/alexnet.go at 224x224.
func alexnetNet() *protocol.Loaded {
	n, x := newNet("alexnet", 224)
	x = n.conv(f(0), x, 64, 11, 4, 2, true)
	x = n.same("relu", f(1), x)
	x = n.pool("maxpool", f(2), x, 3, 2, 0, false)
	x = n.conv(f(3), x, 192, 5, 1, 2, true)
	x = n.same("relu", f(4), x)
	x = n.pool("maxpool", f(5), x, 3, 2, 0, false)
	x = n.conv(f(6), x, 384, 3, 1, 1, true)
	x = n.same("relu", f(7), x)
	x = n.conv(f(8), x, 256, 3, 1, 1, true)
	x = n.same("relu", f(9), x)
	x = n.conv(f(10), x, 256, 3, 1, 1, true)
	x = n.same("relu", f(11), x)
	x = n.pool("maxpool", f(12), x, 3, 2, 0, false)
	x = n.adaptive("avgpool", x, 6, 6)
	x = n.flatten("flatten", x)
	x = n.same("dropout", "classifier.0", x)
	x = n.fc("classifier.1", x, 4096)
	x = n.same("relu", "classifier.2", x)
	x = n.same("dropout", "classifier.3", x)
	x = n.fc("classifier.4", x, 4096)
	x = n.same("relu", "classifier.5", x)
	n.fc("classifier.6", x, 1000)
	return n.done()
}

// vggNet is models/vgg.go (without batch norm) for one configuration.
func vggNet(name string, cfg []int, crop, classes int) *protocol.Loaded {
	n, x := newNet(name, crop)
	i := 0
	next := func() string { s := f(i); i++; return s }
	for _, ch := range cfg {
		if ch == 0 {
			x = n.pool("maxpool", next(), x, 2, 2, 0, false)
			continue
		}
		x = n.conv(next(), x, ch, 3, 1, 1, true)
		x = n.same("relu", next(), x)
	}
	x = n.adaptive("avgpool", x, 7, 7)
	x = n.flatten("flatten", x)
	x = n.fc("classifier.0", x, 4096)
	x = n.same("relu", "classifier.1", x)
	x = n.same("dropout", "classifier.2", x)
	x = n.fc("classifier.3", x, 4096)
	x = n.same("relu", "classifier.4", x)
	x = n.same("dropout", "classifier.5", x)
	n.fc("classifier.6", x, classes)
	return n.done()
}

func vgg16Net() *protocol.Loaded {
	return vggNet("vgg16", []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}, 224, 1000)
}

// basicConv is GoogLeNet's BasicConv2d: conv (no bias), bn, relu named
// after the module.
func (n *tnet) basicConv(name string, x tval, outC, k, s, p int) tval {
	x = n.conv(name+".conv", x, outC, k, s, p, false)
	x = n.bn(name+".bn", x)
	return n.same("relu", name, x)
}

// inception is torchvision's module (big=3, its "5x5" quirk) or the CIFAR
// one (big=5, pool without ceil mode).
func (n *tnet) inception(name string, x tval, big int, ceil bool, c1, c3r, c3, c5r, c5, pp int) tval {
	n.startBlock(name, "inception")
	b1 := n.basicConv(name+".branch1", x, c1, 1, 1, 0)
	b2 := n.basicConv(name+".branch2.0", x, c3r, 1, 1, 0)
	b2 = n.basicConv(name+".branch2.1", b2, c3, 3, 1, 1)
	b3 := n.basicConv(name+".branch3.0", x, c5r, 1, 1, 0)
	b3 = n.basicConv(name+".branch3.1", b3, c5, big, 1, big/2)
	b4 := n.pool("maxpool", name+".branch4.0", x, 3, 1, 1, ceil)
	b4 = n.basicConv(name+".branch4.1", b4, pp, 1, 1, 0)
	out := n.concat(name, b1, b2, b3, b4)
	n.endBlock()
	return out
}

// googlenetNet is models/googlenet.go (torchvision's port) at 224x224.
func googlenetNet() *protocol.Loaded {
	n, x := newNet("googlenet", 224)
	x = n.add(protocol.LayerInfo{Name: "transform_input", Kind: "input_transform", Shape: x.shape,
		Kernel: []int{1, 1}, Stride: []int{1, 1}, Pads: []int{0, 0, 0, 0}, Dilation: []int{1, 1}, Group: 3}, x)
	x = n.basicConv("conv1", x, 64, 7, 2, 3)
	x = n.pool("maxpool", "maxpool1", x, 3, 2, 0, true)
	x = n.basicConv("conv2", x, 64, 1, 1, 0)
	x = n.basicConv("conv3", x, 192, 3, 1, 1)
	x = n.pool("maxpool", "maxpool2", x, 3, 2, 0, true)
	x = n.inception("inception3a", x, 3, true, 64, 96, 128, 16, 32, 32)
	x = n.inception("inception3b", x, 3, true, 128, 128, 192, 32, 96, 64)
	x = n.pool("maxpool", "maxpool3", x, 3, 2, 0, true)
	x = n.inception("inception4a", x, 3, true, 192, 96, 208, 16, 48, 64)
	x = n.inception("inception4b", x, 3, true, 160, 112, 224, 24, 64, 64)
	x = n.inception("inception4c", x, 3, true, 128, 128, 256, 24, 64, 64)
	x = n.inception("inception4d", x, 3, true, 112, 144, 288, 32, 64, 64)
	x = n.inception("inception4e", x, 3, true, 256, 160, 320, 32, 128, 128)
	x = n.pool("maxpool", "maxpool4", x, 2, 2, 0, true)
	x = n.inception("inception5a", x, 3, true, 256, 160, 320, 32, 128, 128)
	x = n.inception("inception5b", x, 3, true, 384, 192, 384, 48, 128, 128)
	x = n.gap("avgpool", x)
	x = n.flatten("flatten", x)
	x = n.same("dropout", "dropout", x)
	n.fc("fc", x, 1000)
	return n.done()
}

// googlenetCIFARNet is models/cifar.go's googlenet_cifar (real 5x5 branch).
func googlenetCIFARNet() *protocol.Loaded {
	n, x := newNet("googlenet_cifar", 32)
	x = n.basicConv("conv1", x, 64, 3, 1, 1)
	x = n.pool("maxpool", "maxpool1", x, 3, 2, 1, false)
	x = n.inception("inception3a", x, 5, false, 32, 48, 64, 8, 16, 16)
	x = n.inception("inception3b", x, 5, false, 48, 64, 96, 16, 32, 32)
	x = n.pool("maxpool", "maxpool2", x, 3, 2, 1, false)
	x = n.inception("inception4a", x, 5, false, 96, 64, 128, 16, 32, 32)
	x = n.inception("inception4b", x, 5, false, 112, 96, 160, 24, 48, 64)
	x = n.gap("avgpool", x)
	x = n.flatten("flatten", x)
	x = n.same("dropout", "dropout", x)
	n.fc("fc", x, 10)
	return n.done()
}

// inception3aPaper is GoogLeNet's first module as the paper draws it (a
// real 5x5 branch), alone, reading a 192x28x28 stand-in for maxpool2.
func inception3aPaper() *protocol.Loaded {
	n, x := newNet("inception3a_paper", 28)
	x = n.conv("stem", x, 192, 1, 1, 0, false)
	n.inception("inception3a", x, 5, true, 64, 96, 128, 16, 32, 32)
	return n.done()
}

// basicBlock is ResNet's two-3x3 residual block, as models/resnet.go.
func (n *tnet) basicBlock(block string, x tval, planes, stride int, down, residual bool) tval {
	if residual {
		n.startBlock(block, "basic_block")
	}
	y := n.conv(block+".conv1", x, planes, 3, stride, 1, false)
	y = n.bn(block+".bn1", y)
	y = n.same("relu", block+".relu1", y)
	y = n.conv(block+".conv2", y, planes, 3, 1, 1, false)
	y = n.bn(block+".bn2", y)
	if !residual {
		return n.same("relu", block, y)
	}
	s := x
	if down {
		s = n.conv(block+".downsample.0", x, planes, 1, stride, 0, false)
		s = n.bn(block+".downsample.1", s)
	}
	y = n.sum(block+".add", y, s)
	return n.same("relu", block, y)
}

// resnet18Net is models/resnet.go's resnet18 at 224x224.
func resnet18Net() *protocol.Loaded {
	n, x := newNet("resnet18", 224)
	x = n.conv("conv1", x, 64, 7, 2, 3, false)
	x = n.bn("bn1", x)
	x = n.same("relu", "relu", x)
	x = n.pool("maxpool", "maxpool", x, 3, 2, 1, false)
	inplanes := 64
	for stage := range 4 {
		planes := 64 << stage
		for i := range 2 {
			stride := 1
			if i == 0 && stage > 0 {
				stride = 2
			}
			x = n.basicBlock(fmt.Sprintf("layer%d.%d", stage+1, i), x, planes, stride, stride != 1 || inplanes != planes, true)
			inplanes = planes
		}
	}
	n.endBlock()
	x = n.gap("avgpool", x)
	x = n.flatten("flatten", x)
	n.fc("fc", x, 1000)
	return n.done()
}

// resnetCIFARNet is models/cifar.go's resnet20_cifar (residual) or
// plain20_cifar.
func resnetCIFARNet(residual bool) *protocol.Loaded {
	name := "plain20_cifar"
	if residual {
		name = "resnet20_cifar"
	}
	n, x := newNet(name, 32)
	x = n.conv("conv1", x, 16, 3, 1, 1, false)
	x = n.bn("bn1", x)
	x = n.same("relu", "relu", x)
	inplanes := 16
	for stage := range 3 {
		planes := 16 << stage
		for i := range 3 {
			stride := 1
			if i == 0 && stage > 0 {
				stride = 2
			}
			x = n.basicBlock(fmt.Sprintf("layer%d.%d", stage+1, i), x, planes, stride, stride != 1 || inplanes != planes, residual)
			inplanes = planes
		}
	}
	n.endBlock()
	x = n.gap("avgpool", x)
	x = n.flatten("flatten", x)
	n.fc("fc", x, 10)
	return n.done()
}

// alexnetCIFARNet is models/cifar.go's alexnet_cifar.
func alexnetCIFARNet() *protocol.Loaded {
	n, x := newNet("alexnet_cifar", 32)
	x = n.conv(f(0), x, 64, 5, 1, 2, true)
	x = n.same("relu", f(1), x)
	x = n.pool("maxpool", f(2), x, 3, 2, 1, false)
	x = n.same("lrn", f(3), x)
	x = n.conv(f(4), x, 128, 3, 1, 1, true)
	x = n.same("relu", f(5), x)
	x = n.pool("maxpool", f(6), x, 3, 2, 1, false)
	x = n.same("lrn", f(7), x)
	x = n.conv(f(8), x, 192, 3, 1, 1, true)
	x = n.same("relu", f(9), x)
	x = n.conv(f(10), x, 192, 3, 1, 1, true)
	x = n.same("relu", f(11), x)
	x = n.conv(f(12), x, 128, 3, 1, 1, true)
	x = n.same("relu", f(13), x)
	x = n.pool("maxpool", f(14), x, 3, 2, 1, false)
	x = n.flatten("flatten", x)
	x = n.same("dropout", "classifier.0", x)
	x = n.fc("classifier.1", x, 256)
	x = n.same("relu", "classifier.2", x)
	x = n.same("dropout", "classifier.3", x)
	x = n.fc("classifier.4", x, 256)
	x = n.same("relu", "classifier.5", x)
	n.fc("classifier.6", x, 10)
	return n.done()
}

// vggCIFARNet is models/cifar.go's vgg_cifar: 3x3 convs without bias, batch
// norm, ReLU, 2x2 pools, one fc.
func vggCIFARNet() *protocol.Loaded {
	n, x := newNet("vgg_cifar", 32)
	i := 0
	next := func() string { s := f(i); i++; return s }
	for _, ch := range []int{32, 32, 0, 64, 64, 0, 128, 128, 0} {
		if ch == 0 {
			x = n.pool("maxpool", next(), x, 2, 2, 0, false)
			continue
		}
		x = n.conv(next(), x, ch, 3, 1, 1, false)
		x = n.bn(next(), x)
		x = n.same("relu", next(), x)
	}
	x = n.flatten("flatten", x)
	n.fc("classifier.0", x, 10)
	return n.done()
}

// allNets are every table above, for tests that hold for any network.
func allNets() []*protocol.Loaded {
	return []*protocol.Loaded{
		alexnetNet(), vgg16Net(), googlenetNet(), googlenetCIFARNet(), inception3aPaper(),
		resnet18Net(), resnetCIFARNet(true), resnetCIFARNet(false), alexnetCIFARNet(),
		vggCIFARNet(),
	}
}
