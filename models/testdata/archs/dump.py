#!/usr/bin/python3
"""Writes torchvision_params.json: for each architecture ConvScope defines,
torchvision's state_dict entries (name, shape; num_batches_tracked and the
auxiliary classifiers of GoogLeNet left out, as ConvScope does) and its
parameter count. models/arch_test.go checks the Go definitions against it.

Run with Debian's python3-torchvision: /usr/bin/python3 dump.py
(no weights are downloaded: the models are built with random weights)."""
import json
import torchvision

ARCHS = ["alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn",
         "vgg19", "vgg19_bn", "googlenet", "resnet18", "resnet34", "resnet50",
         "resnet101", "resnet152"]

out = {"torchvision": torchvision.__version__, "archs": {}}
for name in ARCHS:
    kwargs = {}
    if name == "googlenet":
        # As the pretrained weights are used: no auxiliary heads.
        kwargs = {"aux_logits": False, "init_weights": False}
    m = getattr(torchvision.models, name)(weights=None, **kwargs)
    entries = [[k, list(v.shape)] for k, v in m.state_dict().items()
               if not k.endswith("num_batches_tracked")]
    out["archs"][name] = {
        "params": sum(p.numel() for p in m.parameters()),
        "state_dict": entries,
    }
# One state_dict entry per line: small diffs when torchvision changes.
with open("torchvision_params.json", "w") as f:
    f.write('{"torchvision": %s, "archs": {\n' % json.dumps(out["torchvision"]))
    for i, (name, a) in enumerate(out["archs"].items()):
        f.write('%s: {"params": %d, "state_dict": [\n' % (json.dumps(name), a["params"]))
        f.write(",\n".join(json.dumps(e) for e in a["state_dict"]))
        f.write("\n]}%s\n" % ("," if i < len(out["archs"]) - 1 else ""))
    f.write("}}\n")
