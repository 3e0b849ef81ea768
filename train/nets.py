"""The five CIFAR-10 architectures ConvScope ships as built-in models.

Every module is named so that its state_dict keys follow torchvision's
conventions (conv1, bn1, layer1.0.conv1, features.3, classifier.1,
inception3a.branch2.1.conv, fc, ...). The Go definitions in models/cifar*.go
build the same graphs with the same names; models/cifar_test.go checks the
parameter counts printed by train.py.

Only operators the ConvScope engine runs are used: Conv, BatchNorm (folded
into the conv at import), ReLU, MaxPool, GlobalAveragePool, LRN, Linear
(Gemm), Flatten, Concat, Add, Dropout.
"""

import torch
from torch import nn

NUM_CLASSES = 10


class BasicBlock(nn.Module):
    """Two 3x3 convs with BN. With shortcut=True the input is added back
    (He et al. 2016). Where the shape changes (stride 2, channels doubled) the
    shortcut is option B of the paper: a 1x1 stride-2 projection conv + BN,
    named downsample.0 / downsample.1 as in torchvision. Option A (identity
    with strided subsampling and zero channel padding) would need strided
    slicing and channel padding, which the engine does not have; option B
    adds 2 projections (2,560 weights) to the 20-layer net."""

    def __init__(self, inp, out, stride, shortcut):
        super().__init__()
        self.shortcut = shortcut
        self.conv1 = nn.Conv2d(inp, out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if shortcut and (stride != 1 or inp != out):
            self.downsample = nn.Sequential(
                nn.Conv2d(inp, out, 1, stride, 0, bias=False),
                nn.BatchNorm2d(out),
            )

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.shortcut:
            y = y + (x if self.downsample is None else self.downsample(x))
        return self.relu(y)


class ResNetCIFAR(nn.Module):
    """ResNet-20 (n=3) of He et al. 2016, section 4.2: a 3x3 conv with 16
    channels, then 3 stages of n basic blocks at 32x32/16x16/8x8 with 16/32/64
    channels, global average pooling and a 10-way fully connected layer:
    6n+2 = 20 weighted layers. shortcut=False gives the plain twin."""

    def __init__(self, n=3, shortcut=True):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        layers = []
        inp = 16
        for i, width in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(BasicBlock(inp, width, stride, shortcut))
                inp = width
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, NUM_CLASSES)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if shortcut:
            # Zero-init the last BN of each residual branch: every block starts
            # as the identity, which speeds up short schedules.
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def conv_bn_relu(inp, out):
    return [nn.Conv2d(inp, out, 3, 1, 1, bias=False), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]


class VGGCIFAR(nn.Module):
    """VGG-style: pairs of 3x3 convs (BN, ReLU), 2x2 max pooling, width
    doubling after each pool: 32-32-P-64-64-P-128-128-P, then the 128x4x4
    map flattened into one fully connected layer."""

    CFG = (32, 32, "P", 64, 64, "P", 128, 128, "P")

    def __init__(self):
        super().__init__()
        layers, inp = [], 3
        for v in self.CFG:
            if v == "P":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += conv_bn_relu(inp, v)
                inp = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(128 * 4 * 4, NUM_CLASSES))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class BasicConv2d(nn.Module):
    """Conv (no bias) + BN + ReLU, named conv/bn as torchvision's GoogLeNet."""

    def __init__(self, inp, out, k):
        super().__init__()
        self.conv = nn.Conv2d(inp, out, k, 1, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(out)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four branches concatenated along channels: 1x1; 1x1 bottleneck -> 3x3;
    1x1 bottleneck -> 5x5; 3x3 max pool (stride 1) -> 1x1."""

    def __init__(self, inp, c1, c3r, c3, c5r, c5, pp):
        super().__init__()
        self.branch1 = BasicConv2d(inp, c1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(inp, c3r, 1), BasicConv2d(c3r, c3, 3))
        self.branch3 = nn.Sequential(BasicConv2d(inp, c5r, 1), BasicConv2d(c5r, c5, 5))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1), BasicConv2d(inp, pp, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


# (in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) for each module.
GOOGLENET_CFG = {
    "inception3a": (64, 32, 48, 64, 8, 16, 16),     # 16x16 -> 128 channels
    "inception3b": (128, 48, 64, 96, 16, 32, 32),   # 16x16 -> 208
    "inception4a": (208, 96, 64, 128, 16, 32, 32),  # 8x8 -> 288
    "inception4b": (288, 112, 96, 160, 24, 48, 64), # 8x8 -> 384
}


class GoogLeNetCIFAR(nn.Module):
    """GoogLeNet-style: a 3x3 stem conv (64) and a 3x3/2 max pool to 16x16,
    two inception modules, a 3x3/2 max pool to 8x8, two more inception
    modules, global average pooling, dropout and one fully connected layer
    (no large fully connected head)."""

    def __init__(self):
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, 3)
        self.maxpool1 = nn.MaxPool2d(3, 2, 1)
        self.inception3a = Inception(*GOOGLENET_CFG["inception3a"])
        self.inception3b = Inception(*GOOGLENET_CFG["inception3b"])
        self.maxpool2 = nn.MaxPool2d(3, 2, 1)
        self.inception4a = Inception(*GOOGLENET_CFG["inception4a"])
        self.inception4b = Inception(*GOOGLENET_CFG["inception4b"])
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(384, NUM_CLASSES)

    def forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.inception3b(self.inception3a(x)))
        x = self.inception4b(self.inception4a(x))
        return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))


class AlexNetCIFAR(nn.Module):
    """AlexNet-style: a large (5x5) first kernel, ReLU, overlapping 3x3/2 max
    pooling, local response normalisation after the first two conv stages
    (AlexNet's constants: size 5, alpha 1e-4, beta 0.75, k 2), three 3x3
    convs, and three fully connected layers with dropout. No BatchNorm, as in
    the original."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 5, 1, 2),        # 0: 32x32
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),            # 2: -> 16x16
            nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0),
            nn.Conv2d(64, 128, 3, 1, 1),      # 4
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),            # 6: -> 8x8
            nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0),
            nn.Conv2d(128, 192, 3, 1, 1),     # 8
            nn.ReLU(inplace=True),
            nn.Conv2d(192, 192, 3, 1, 1),     # 10
            nn.ReLU(inplace=True),
            nn.Conv2d(192, 128, 3, 1, 1),     # 12
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),            # 14: -> 4x4
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5),
            nn.Linear(128 * 4 * 4, 256),      # 1
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(256, 256),              # 4
            nn.ReLU(inplace=True),
            nn.Linear(256, NUM_CLASSES),      # 6
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


NETS = {
    "resnet20_cifar": lambda: ResNetCIFAR(3, True),
    "plain20_cifar": lambda: ResNetCIFAR(3, False),
    "vgg_cifar": VGGCIFAR,
    "googlenet_cifar": GoogLeNetCIFAR,
    "alexnet_cifar": AlexNetCIFAR,
}


def build(name):
    if name not in NETS:
        raise SystemExit(f"unknown net {name!r}; known: {', '.join(NETS)}")
    return NETS[name]()


def count_macs(model):
    """Multiply-accumulates of one 32x32 forward pass (convs and linears)."""
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        if isinstance(m, nn.Conv2d):
            macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs += m.in_features * m.out_features

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    model.train(was)
    for h in hs:
        h.remove()
    return macs


def describe():
    """Params, MACs and state_dict entries (name, shape; num_batches_tracked
    left out) of every net: what models/cifar_test.go checks the Go
    definitions against (state_dicts.json)."""
    out = {}
    for name in NETS:
        m = build(name)
        out[name] = {
            "params": sum(p.numel() for p in m.parameters()),
            "macs": count_macs(m),
            "state_dict": [[k, list(v.shape)] for k, v in m.state_dict().items()
                           if not k.endswith("num_batches_tracked")],
        }
    return out


if __name__ == "__main__":
    import json
    import sys

    d = describe()
    if sys.argv[1:] == ["--json"]:
        json.dump(d, sys.stdout, indent=None, separators=(",", ":"))
        print()
    else:
        for name, v in d.items():
            print(f"{name}: params {v['params']:,} MACs {v['macs']:,}")
