#!/usr/bin/python3
"""Golden data for convscope/models/preprocess: what torchvision 0.14 (PIL 9.4)
makes of a set of images, so the Go test can check that Spec.Prepare/Apply
reproduce it without needing torch at test time.

Run from the repository root with Debian's python3-torchvision:

    GOTOOLCHAIN=go1.27.3 /usr/bin/python3 tools/pytorch/preprocess_golden.py

It (re)writes models/preprocess/testdata/:

  inputs/     synthetic images (fixed seed): odd sizes, portrait, a tiny
              upscale, an extreme strip, a PNG with alpha, a palette GIF, a
              lossless WebP, sizes that need no resize, CIFAR-sized pictures,
              a grey JPEG and a JPEG with EXIF orientation 6
  golden/     want/NAME.png   torchvision's uint8 image after Resize+CenterCrop
              NAME.f32        the normalised tensor (1,3,C,C), float32 LE,
                              for a CIFAR-10 case
              normalize_SPEC.f32  ToTensor+Normalize of every byte value
              manifest.json   the cases

The reference pipeline is torchvision's default loader plus the model
transforms: Image.open -> ImageOps.exif_transpose -> convert("RGB") ->
Resize(R) -> CenterCrop(C) -> ToTensor -> Normalize(mean, std).

Lossless inputs are compared exactly. For JPEGs the decoder itself differs
(Go's image/jpeg vs libjpeg-turbo: IDCT rounding and chroma upsampling), so
each JPEG gets two goldens:
  "go"  : torchvision run on the pixels Go decodes (dumped by
          `go test ./models/preprocess -run TestDumpDecoded -dump-decoded DIR`),
          which isolates the resampler and must match exactly; the manifest
          keeps the SHA-256 of those pixels so a changed Go decoder is
          reported as such;
  "pil" : torchvision end to end on the JPEG, which measures what the
          decoder difference does to the model input.
The JPEG cases include the photos in ../shared/data/samples and a few
CIFAR-10 test pictures; the Go test skips those when the data is absent.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision import transforms

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(ROOT, "models", "preprocess")
TESTDATA = os.path.join(PKG, "testdata")
INPUTS = os.path.join(TESTDATA, "inputs")
GOLDEN = os.path.join(TESTDATA, "golden")
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))

SPECS = {
    # Keep in sync with ImageNet() and CIFAR10() in models/preprocess/spec.go.
    "imagenet": dict(resize=256, crop=224, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    "cifar10": dict(resize=32, crop=32, mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616)),
}


def load_rgb(path):
    """torchvision's default loader, plus the EXIF orientation Go applies."""
    with open(path, "rb") as f:
        im = Image.open(f)
        im = ImageOps.exif_transpose(im)
        return im.convert("RGB")


def crop_of(img, spec):
    s = SPECS[spec]
    t = transforms.Compose([transforms.Resize(s["resize"]), transforms.CenterCrop(s["crop"])])
    return t(img)


def tensor_of(crop, spec):
    s = SPECS[spec]
    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize(s["mean"], s["std"])])
    return t(crop).unsqueeze(0).contiguous()


def write_normalize_tables():
    """ToTensor + Normalize act on each byte on its own, so torch's output for
    all 256 values of every channel pins them down completely: NAME.f32 is
    (3, 256) float32, row c = normalised channel c of bytes 0..255."""
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)  # 1x256 RGB
    for spec in SPECS:
        t = tensor_of(Image.fromarray(ramp), spec)  # (1, 3, 1, 256)
        t.numpy().reshape(3, 256).astype("<f4").tofile(os.path.join(GOLDEN, "normalize_%s.f32" % spec))


def rgb_sha256(img):
    return hashlib.sha256(np.asarray(img.convert("RGB"), dtype=np.uint8).tobytes()).hexdigest()


def textured(rng, w, h, noise):
    """A smooth colour field with stripes and noise: it compresses well enough
    to commit and still has every kind of edge the filter must get right."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / (w / 7.3) + y / (h / 3.1))
    g = 128 + 100 * np.cos(x / (w / 2.2) - y / (h / 5.7))
    b = 255 * ((x // 9 + y // 13) % 2) * 0.6 + 40
    img = np.stack([r, g, b], axis=-1)
    img += rng.integers(-noise, noise + 1, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def make_inputs():
    """Writes the synthetic inputs; returns [(name, relpath, spec, kind, tensor?)]."""
    if os.path.isdir(INPUTS):
        shutil.rmtree(INPUTS)
    os.makedirs(INPUTS)
    rng = np.random.default_rng(20261127)
    cases = []

    def add(name, im, fmt, spec, kind, tensor=False, **save):
        path = os.path.join(INPUTS, name)
        im.save(path, fmt, **save)
        cases.append(dict(name=os.path.splitext(name)[0].replace(".", "_"), input="testdata/inputs/" + name,
                          spec=spec, kind=kind, tensor=tensor))

    # Pure noise is the hardest case for rounding; keep it small.
    add("noise_odd_241x229.png", Image.fromarray(rng.integers(0, 256, (229, 241, 3), dtype=np.uint8)),
        "PNG", "imagenet", "exact")
    add("portrait_301x517.png", Image.fromarray(textured(rng, 301, 517, 2)), "PNG", "imagenet", "exact")
    add("large_1200x900.png", Image.fromarray(textured(rng, 1200, 900, 0)), "PNG", "imagenet", "exact")
    add("tiny_upscale_7x5.png", Image.fromarray(rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)),
        "PNG", "imagenet", "exact")
    add("strip_1000x40.png", Image.fromarray(textured(rng, 1000, 40, 20)), "PNG", "imagenet", "exact")
    # Sizes that need no resize; (257-224)/2 = 16.5 rounds to 16 and
    # (259-224)/2 = 17.5 to 18 (Python rounds halves to even).
    add("noresize_256x257.png", Image.fromarray(textured(rng, 256, 257, 2)), "PNG", "imagenet", "exact")
    add("noresize_259x256.png", Image.fromarray(textured(rng, 259, 256, 2)), "PNG", "imagenet", "exact")
    # Alpha is dropped by convert("RGB"), transparent pixels keep their colour.
    y, x = np.mgrid[0:280, 0:300]
    alpha = ((x * 7 + y * 3) % 256).astype(np.uint8)[:, :, None]
    rgba = np.concatenate([textured(rng, 300, 280, 2), alpha], -1)
    rgba[:40, :, 3] = 0
    add("alpha_300x280.png", Image.fromarray(rgba, "RGBA"), "PNG", "imagenet", "exact")
    pal = Image.fromarray(textured(rng, 120, 90, 30)).quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    add("palette_120x90.gif", pal, "GIF", "imagenet", "exact")
    add("lossless_97x131.webp", Image.fromarray(textured(rng, 97, 131, 10)), "WEBP", "imagenet", "exact",
        lossless=True)
    add("grey_291x263.png", Image.fromarray(textured(rng, 291, 263, 10)[:, :, 0], "L"), "PNG", "imagenet", "exact")
    add("cifar_32x32.png", Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)),
        "PNG", "cifar10", "exact", tensor=True)
    add("cifar_resize_45x37.png", Image.fromarray(textured(rng, 45, 37, 20)), "PNG", "cifar10", "exact")

    # A lossy WebP for the decoding test only (its decoder differs from libwebp).
    Image.fromarray(textured(rng, 64, 48, 0)).save(os.path.join(INPUTS, "lossy_64x48.webp"), "WEBP", quality=80)

    # JPEGs: decoder-dependent.
    add("grey_jpeg_291x263.jpg", Image.fromarray(textured(rng, 291, 263, 10)[:, :, 1], "L"), "JPEG", "imagenet",
        "jpeg", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise for display
    add("exif6_200x120.jpg", Image.fromarray(textured(rng, 200, 120, 4)), "JPEG", "imagenet", "jpeg",
        quality=92, exif=exif.tobytes())
    # Chroma layouts (PIL writes 4:4:4, 4:2:2, 4:2:0), odd sizes, a plane too
    # narrow for fancy upsampling (3 pixels: 2 chroma columns), progressive.
    add("jpeg422_203x117.jpg", Image.fromarray(textured(rng, 203, 117, 6)), "JPEG", "imagenet", "jpeg",
        quality=85, subsampling=1)
    add("jpeg444_131x97.jpg", Image.fromarray(textured(rng, 131, 97, 6)), "JPEG", "imagenet", "jpeg",
        quality=85, subsampling=0)
    add("jpeg420_narrow_3x9.jpg", Image.fromarray(textured(rng, 3, 9, 40)), "JPEG", "imagenet", "jpeg",
        quality=90, subsampling=2)
    add("jpeg420_odd_5x7.jpg", Image.fromarray(textured(rng, 5, 7, 40)), "JPEG", "imagenet", "jpeg",
        quality=90, subsampling=2)
    add("jpeg420_progressive_257x191.jpg", Image.fromarray(textured(rng, 257, 191, 6)), "JPEG", "imagenet",
        "jpeg", quality=85, subsampling=2, progressive=True)
    # PIL cannot write 4:4:0 or 4:1:1; libjpeg-turbo's cjpeg (Debian
    # libjpeg-turbo-progs, only needed to regenerate) can.
    for name, sample in (("jpeg440_121x83.jpg", "1x2"), ("jpeg411_121x83.jpg", "4x1")):
        if not shutil.which("cjpeg"):
            print("no cjpeg (apt-get install libjpeg-turbo-progs): skipping", name, file=sys.stderr)
            continue
        ppm = io.BytesIO()
        Image.fromarray(textured(rng, 121, 83, 6)).save(ppm, "PPM")
        out = subprocess.run(["cjpeg", "-quality", "88", "-sample", sample], input=ppm.getvalue(),
                             stdout=subprocess.PIPE, check=True).stdout
        with open(os.path.join(INPUTS, name), "wb") as f:
            f.write(out)
        cases.append(dict(name=os.path.splitext(name)[0], input="testdata/inputs/" + name, spec="imagenet",
                          kind="jpeg", tensor=False))
    # Added last so that the random draws above, and the files, stay as they were.
    add("pixel_1x1.png", Image.fromarray(np.array([[[200, 30, 90]]], dtype=np.uint8)), "PNG", "imagenet", "exact")
    # A one-pixel-wide line: torchvision makes it 256x76800 before cropping.
    add("line_1x300.png", Image.fromarray(rng.integers(0, 256, (300, 1, 3), dtype=np.uint8)), "PNG", "imagenet",
        "exact")
    return cases


def shared_cases():
    cases = []
    samples = os.path.join(SHARED, "samples")
    if os.path.isdir(samples):
        for f in sorted(os.listdir(samples)):
            if f.lower().endswith(".jpg"):
                cases.append(dict(name="sample_" + os.path.splitext(f)[0], input="shared:samples/" + f,
                                  spec="imagenet", kind="jpeg", tensor=False))
    else:
        print("no", samples, "- sample goldens skipped", file=sys.stderr)
    cifar = os.path.join(SHARED, "cifar10", "test")
    for cls in ("airplane", "cat", "frog"):
        p = os.path.join(cifar, cls, "0000.jpg")
        if os.path.exists(p):
            cases.append(dict(name="cifar_" + cls + "_0000", input="shared:cifar10/test/%s/0000.jpg" % cls,
                              spec="cifar10", kind="jpeg", tensor=False))
    return cases


def input_path(rel):
    if rel.startswith("shared:"):
        return os.path.join(SHARED, rel[len("shared:"):])
    return os.path.join(PKG, rel)


def dump_go_decoded(cases, tmp):
    """Has the Go package decode every JPEG case (Decode: Go's decoder plus
    EXIF orientation) into tmp/NAME.png, losslessly."""
    with open(os.path.join(tmp, "list.txt"), "w") as f:
        for c in cases:
            if c["kind"] == "jpeg":
                f.write("%s\t%s\n" % (c["name"], input_path(c["input"])))
    env = dict(os.environ)
    env.setdefault("GOTOOLCHAIN", "go1.27.3")
    subprocess.run(["go", "test", "./models/preprocess/", "-count=1", "-run", "^TestDumpDecoded$",
                    "-dump-decoded", tmp], cwd=ROOT, env=env, check=True)


def main():
    cases = make_inputs() + shared_cases()
    if os.path.isdir(GOLDEN):
        shutil.rmtree(GOLDEN)
    os.makedirs(os.path.join(GOLDEN, "want"))
    tmp = tempfile.mkdtemp(prefix="preprocess_golden_")
    try:
        dump_go_decoded(cases, tmp)
        manifest = []
        for c in cases:
            src = load_rgb(input_path(c["input"]))
            entry = dict(name=c["name"], input=c["input"], spec=c["spec"], kind=c["kind"],
                         size=list(src.size))
            variants = {"exact": src}
            if c["kind"] == "jpeg":
                with Image.open(os.path.join(tmp, c["name"] + ".png")) as g:
                    go_img = g.convert("RGB")
                entry["go_decoded_sha256"] = rgb_sha256(go_img)
                variants = {"go": go_img, "pil": src}
            for variant, img in variants.items():
                crop = crop_of(img, c["spec"])
                key = c["name"] if variant == "exact" else c["name"] + "." + variant
                crop.save(os.path.join(GOLDEN, "want", key + ".png"), "PNG", optimize=True)
                entry.setdefault("want", {})[variant] = "testdata/golden/want/%s.png" % key
                if c["tensor"] and variant in ("exact", "go"):
                    t = tensor_of(crop, c["spec"])
                    assert t.dtype == torch.float32
                    t.numpy().astype("<f4").tofile(os.path.join(GOLDEN, key + ".f32"))
                    entry["tensor"] = "testdata/golden/%s.f32" % key
                    entry["tensor_variant"] = variant
            manifest.append(entry)
        write_normalize_tables()
        with open(os.path.join(GOLDEN, "manifest.json"), "w") as f:
            json.dump(dict(torchvision=__import__("torchvision").__version__,
                           pil=Image.__version__, cases=manifest), f, indent=1)
            f.write("\n")
    finally:
        shutil.rmtree(tmp)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(TESTDATA) for f in fs)
    print("%d cases, testdata is %.1f MB" % (len(manifest), total / 1e6))


if __name__ == "__main__":
    main()
