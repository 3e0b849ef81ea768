#!/usr/bin/python3
"""Fixtures that prove ConvScope's Go side reads and computes what PyTorch does.

Run with Debian's interpreter and python3-torch / python3-torchvision
(1.13 / 0.14):

    /usr/bin/python3 tools/pytorch/make_fixtures.py unit    # models/testdata/pth/*
    /usr/bin/python3 tools/pytorch/make_fixtures.py golden  # models/testdata/golden/*

Everything is seeded, so a re-run writes the same tensors (the zip container
itself may differ in timestamps).

unit: tiny checkpoints that exercise the checkpoint reader, not a network:
    contiguous float32, a transposed (non-contiguous) view, a slice with a
    storage offset sharing its storage with another tensor, float16, float64,
    an int64 scalar (like BatchNorm's num_batches_tracked). Each is written in
    the zip format (PyTorch >= 1.6) and the legacy format
    (_use_new_zipfile_serialization=False, like vgg16-397923af.pth), and the
    values PyTorch sees are written to expected.json.

golden: PyTorch's logits for torchvision's own classes (alexnet, vgg11_bn,
    vgg16, googlenet, resnet18, resnet50) at FULL width, with weights that both
    sides generate from a seed instead of committing them (see synth()): the
    weights of these networks are 25 to 550 MB in float32 and CI has no torch,
    so committing .pth files of them is out, and reduced-width variants would
    need a second, test-only copy of every Go definition, which could drift
    from the real one. Generating the same float32 values bit for bit in
    Python (numpy) and Go is a few lines of integer hashing, so the Go test
    runs the REAL definitions (models.ArchConfig) against torchvision's REAL
    classes. Only the logits are committed (a few kB per network). The inputs
    are smaller than 224x224 (every network here accepts them thanks to
    adaptive pooling; for AlexNet and VGG that pool then upsamples, which the
    test exercises too), to keep CI fast.

    The importer itself is proven end to end by tinynet_{zip,legacy}.pth: a
    9,000-parameter network built from torchvision's own BasicBlock with the
    state_dict names of the Go definition "tinynet" (models/tinynet.go), with
    PyTorch's default initialisation (seeded) and randomised BatchNorm
    statistics, plus its logits on a seeded input.

fullsize: PyTorch's logits for torchvision's alexnet, vgg16, googlenet,
    resnet18 and resnet50 at 224x224 with synthetic weights (seed 11), on the
    photos of ../shared/data/samples preprocessed by torchvision's transforms
    (Resize(256) bilinear with antialiasing as PIL does it, CenterCrop(224),
    ToTensor, Normalize). Written to models/testdata/fullsize/ (logits only,
    about 20 kB per photo and network); PyTorch's preprocessed inputs go to
    $TMPDIR/convscope-fullsize (not committed) so that the Go side can also
    measure the engine alone on identical inputs. Read by
    `go test -tags fullsize -run FullSize ./models/importpth`.

onnx: small.onnx, a small CNN exported by torch.onnx (conv, batch norm, relu,
    max/avg pool, flatten, gemm) with its logits, and unsupported.onnx, which
    uses an operator the engine lacks (HardSwish), for the error path.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
TESTDATA = os.path.join(ROOT, "models", "testdata")


def unit():
    out = os.path.join(TESTDATA, "pth")
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(1)
    base = torch.randn(4, 6, generator=g)
    sd = {
        # plain contiguous float32 (like a conv weight)
        "conv.weight": torch.randn(3, 2, 2, 2, generator=g),
        # a transposed view: strides (1, 6), not row-major
        "fc.weight": base.t(),
        # rows 1..2 of base: a storage offset of 6, same storage as fc.weight
        "fc.bias": base[1:3, 2],
        "half": torch.randn(2, 3, generator=g).half(),
        "double": torch.randn(5, generator=g).double(),
        "bn.num_batches_tracked": torch.tensor(7, dtype=torch.long),
    }
    expected = {
        k: {"shape": list(v.shape), "data": v.double().flatten().tolist()}
        for k, v in sd.items()
    }
    # The slice and the transpose share one storage: check we really wrote views.
    assert sd["fc.weight"].storage().data_ptr() == sd["fc.bias"].storage().data_ptr()
    assert not sd["fc.weight"].is_contiguous() and sd["fc.bias"].storage_offset() > 0
    torch.save(sd, os.path.join(out, "tensors_zip.pth"))
    torch.save(sd, os.path.join(out, "tensors_legacy.pth"),
               _use_new_zipfile_serialization=False)
    # A checkpoint that wraps the state dict, as training scripts often do.
    torch.save({"epoch": 3, "state_dict": {"w": sd["conv.weight"]}},
               os.path.join(out, "wrapped_zip.pth"))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
        f.write("\n")


# --- synthetic weights, generated identically in Go (models/goldens_test.go) ---

FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3
M64 = (1 << 64) - 1


def fnv1a(s):
    h = FNV_OFFSET
    for b in s.encode():
        h = ((h ^ b) * FNV_PRIME) & M64
    return h


def uniform(key, n):
    """n values in [-1, 1), multiples of 2^-23 (exact in float32): element i
    is splitmix64(fnv1a(key) + (i+1) * golden ratio), top 24 bits."""
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a(key)) + (np.arange(n, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / float(1 << 23) - 1.0


def synth_param(seed, name, shape):
    """The value of state_dict entry name: BatchNorm statistics and affine
    parameters near their usual ranges, biases small, weights uniform with
    He's variance 2/fan_in (so activations keep their scale through ReLUs)."""
    n = int(np.prod(shape))
    u = uniform("%d:%s" % (seed, name), n)
    if name.endswith(".running_var"):
        a, b = 0.5, 1.0
    elif name.endswith(".running_mean"):
        a, b = 0.1, 0.0
    elif len(shape) == 1 and name.endswith(".weight"):
        a, b = 0.25, 1.0
    elif len(shape) == 1:
        a, b = 0.05, 0.0
    else:
        a, b = float(np.sqrt(6.0 / (n // shape[0]))), 0.0
    return torch.from_numpy((u * a + b).astype(np.float32).reshape(shape))


def synth_state_dict(model, seed):
    sd = model.state_dict()
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            continue
        sd[k] = synth_param(seed, k, tuple(v.shape))
    model.load_state_dict(sd)


GOLDEN_ARCHS = [
    # (name, torchvision constructor, input height = width)
    ("alexnet", lambda: torchvision.models.alexnet(), 96),
    ("vgg11_bn", lambda: torchvision.models.vgg11_bn(), 64),
    ("vgg16", lambda: torchvision.models.vgg16(), 64),
    ("googlenet", lambda: torchvision.models.googlenet(aux_logits=False, transform_input=True, init_weights=False), 64),
    ("resnet18", lambda: torchvision.models.resnet18(), 64),
    ("resnet50", lambda: torchvision.models.resnet50(), 64),
]
GOLDEN_SEED = 7


def golden():
    out = os.path.join(TESTDATA, "golden")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for name, ctor, size in GOLDEN_ARCHS:
        model = ctor().eval()
        synth_state_dict(model, GOLDEN_SEED)
        x = torch.from_numpy(uniform("%d:input" % GOLDEN_SEED, 3 * size * size)
                             .astype(np.float32).reshape(1, 3, size, size))
        with torch.no_grad():
            logits = model(x)[0]
        write_golden(os.path.join(out, name + ".json"), {
            "arch": name, "size": size, "seed": GOLDEN_SEED,
            "logits": logits.tolist()})
        print(name, size, "max |logit| %.3f" % logits.abs().max().item())
    tinynet(out)


class TinyMix(nn.Module):
    """The inception-style block of models/tinynet.go: 1x1 conv, 3x3 conv,
    3x3 max pool, concatenated."""

    def __init__(self, c):
        super().__init__()
        self.branch1 = nn.Conv2d(c, 8, 1)
        self.branch2 = nn.Conv2d(c, 8, 3, padding=1)
        self.branch3 = nn.MaxPool2d(3, 1, 1, ceil_mode=True)

    def forward(self, x):
        return torch.cat([torch.relu(self.branch1(x)), torch.relu(self.branch2(x)), self.branch3(x)], 1)


class TinyNet(nn.Module):
    """models/tinynet.go in PyTorch, same state_dict names and shapes."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 0, ceil_mode=True)
        down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
        self.layer1 = nn.Sequential(BasicBlock(8, 16, stride=2, downsample=down))
        self.mix = TinyMix(16)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.mix(self.layer1(x))
        return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))


def tinynet(out):
    torch.manual_seed(3)
    model = TinyNet()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.75, 1.25)
                m.bias.uniform_(-0.1, 0.1)
    model.eval()
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        logits = model(x)[0]
    sd = model.state_dict()
    torch.save(sd, os.path.join(out, "tinynet_zip.pth"))
    torch.save(sd, os.path.join(out, "tinynet_legacy.pth"), _use_new_zipfile_serialization=False)
    write_golden(os.path.join(out, "tinynet.json"), {
        "arch": "tinynet", "size": 32, "input": x.flatten().tolist(), "logits": logits.tolist()})


def write_golden(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


class SmallCNN(nn.Module):
    def __init__(self, act=None):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), act or nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


def onnx():
    out = os.path.join(TESTDATA, "onnx")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(5)
    model = SmallCNN()
    with torch.no_grad():
        bn = model.features[1]
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
    model.eval()
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        logits = model(x)[0]
    torch.onnx.export(model, x, os.path.join(out, "small.onnx"), input_names=["input"],
                      output_names=["logits"], opset_version=13)
    write_golden(os.path.join(out, "small.json"), {
        "input": x.flatten().tolist(), "logits": logits.tolist()})
    bad = SmallCNN(act=nn.Hardswish()).eval()
    torch.onnx.export(bad, x, os.path.join(out, "unsupported.onnx"), input_names=["input"],
                      output_names=["logits"], opset_version=14)


FULLSIZE_ARCHS = [
    ("alexnet", lambda: torchvision.models.alexnet()),
    ("vgg16", lambda: torchvision.models.vgg16()),
    ("googlenet", lambda: torchvision.models.googlenet(aux_logits=False, transform_input=True, init_weights=False)),
    ("resnet18", lambda: torchvision.models.resnet18()),
    ("resnet50", lambda: torchvision.models.resnet50()),
]
FULLSIZE_SEED = 11
SAMPLES = os.path.join(ROOT, "..", "shared", "data", "samples")


def fullsize():
    import tempfile
    from PIL import Image
    from torchvision import transforms
    out = os.path.join(TESTDATA, "fullsize")
    os.makedirs(out, exist_ok=True)
    tmp = os.path.join(tempfile.gettempdir(), "convscope-fullsize")
    os.makedirs(tmp, exist_ok=True)
    tf = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    photos = sorted(f for f in os.listdir(SAMPLES) if f.lower().endswith((".jpg", ".jpeg", ".png")))
    inputs = {}
    for p in photos:
        with Image.open(os.path.join(SAMPLES, p)) as im:
            x = tf(im.convert("RGB")).unsqueeze(0)
        inputs[p] = x
        x.numpy().astype("<f4").tofile(os.path.join(tmp, p + ".f32"))
    torch.set_num_threads(1)
    for name, ctor in FULLSIZE_ARCHS:
        model = ctor().eval()
        synth_state_dict(model, FULLSIZE_SEED)
        logits = {}
        with torch.no_grad():
            for p, x in inputs.items():
                logits[p] = model(x)[0].tolist()
        write_golden(os.path.join(out, name + ".json"), {"arch": name, "seed": FULLSIZE_SEED, "logits": logits})
        # Real-size checkpoints for the importer, in the container the
        # published file uses (vgg16-397923af.pth is legacy, resnet18's zip).
        if name == "vgg16":
            torch.save(model.state_dict(), os.path.join(tmp, "vgg16_legacy.pth"), _use_new_zipfile_serialization=False)
        if name == "resnet18":
            torch.save(model.state_dict(), os.path.join(tmp, "resnet18_zip.pth"))
        print(name, "done")


def main(argv):
    what = argv[1:] or ["unit", "golden", "onnx"]
    for w in what:
        {"unit": unit, "golden": golden, "onnx": onnx, "fullsize": fullsize}[w]()


if __name__ == "__main__":
    main(sys.argv)
