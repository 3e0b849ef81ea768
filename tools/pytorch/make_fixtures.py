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

golden: see golden() below for why the networks are reduced in width.
"""
import json
import os
import sys

import torch

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


def main(argv):
    what = argv[1:] or ["unit"]
    for w in what:
        {"unit": unit}[w]()


if __name__ == "__main__":
    main(sys.argv)
