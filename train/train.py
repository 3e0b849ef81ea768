"""Train one ConvScope built-in CIFAR-10 model on the CPU.

Usage (from train/, see README.md):
    /usr/bin/python3 train.py --net resnet20_cifar --epochs 12
    /usr/bin/python3 train.py --net vgg_cifar --time-batches 50   # seconds/epoch estimate

Reads ../../shared/data/cifar10/train (50,000 JPEGs) once, decodes it with PIL
into a uint8 array and caches it under cache/ (gitignored); the test accuracy
of every epoch is measured on ../../shared/data/cifar10/test (8,000 images),
which is never used for training. Writes records/NET.json after every epoch
and out/NET.pth (state_dict) at the end.
"""

import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

import nets

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "cifar10"))
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def load_split(split):
    """Returns (images uint8 (N, 3, 32, 32), labels int64 (N,)) of an
    ImageFolder split, in class order then file-name order."""
    cache = os.path.join(HERE, "cache", f"cifar10_{split}.npz")
    if os.path.exists(cache):
        z = np.load(cache)
        return torch.from_numpy(z["x"]), torch.from_numpy(z["y"])
    root = os.path.join(DATA, split)
    if not os.path.isdir(root):
        raise SystemExit(f"CIFAR-10 {split} split not found at {root}")
    xs, ys = [], []
    for label, cls in enumerate(CLASSES):
        d = os.path.join(root, cls)
        for f in sorted(os.listdir(d)):
            with Image.open(os.path.join(d, f)) as im:
                a = np.asarray(im.convert("RGB"), dtype=np.uint8)
            if a.shape != (32, 32, 3):
                raise SystemExit(f"{d}/{f}: expected 32x32 RGB, got {a.shape}")
            xs.append(a)
            ys.append(label)
    x = np.ascontiguousarray(np.stack(xs).transpose(0, 3, 1, 2))
    y = np.asarray(ys, dtype=np.int64)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    tmp = cache + ".tmp.npz"
    np.savez(tmp, x=x, y=y)
    os.replace(tmp, cache)
    return torch.from_numpy(x), torch.from_numpy(y)


def normalise(xb):
    """uint8 (B, 3, 32, 32) -> float32, scaled to [0, 1] then standardised
    with the CIFAR-10 mean/std (models/preprocess CIFAR10() uses the same)."""
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (xb.float().div_(255) - mean) / std


def augment(xb, gen):
    """Random crop 32 from the image zero-padded by 4 on each side, and a
    random horizontal flip, for a whole batch at once (uint8 in, uint8 out)."""
    b = xb.shape[0]
    padded = F.pad(xb, (4, 4, 4, 4))
    oy = torch.randint(0, 9, (b,), generator=gen)
    ox = torch.randint(0, 9, (b,), generator=gen)
    ar = torch.arange(32)
    rows = (oy[:, None] + ar)[:, None, :, None]  # (B, 1, 32, 1)
    cols = (ox[:, None] + ar)[:, None, None, :]  # (B, 1, 1, 32)
    bi = torch.arange(b)[:, None, None, None]
    ci = torch.arange(3)[None, :, None, None]
    out = padded[bi, ci, rows, cols]
    flip = torch.rand(b, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def evaluate(model, x, y, batch=500, channels_last=False):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = normalise(x[i:i + batch])
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            correct += (model(xb).argmax(1) == y[i:i + batch]).sum().item()
    return 100.0 * correct / len(x)


def lr_at(p, peak, warm=0.15):
    """Learning rate at progress p in [0, 1] of the run: linear warm-up from
    peak/10 to peak over the first 15%, then cosine decay to 0."""
    p = min(max(p, 0.0), 1.0)
    if p < warm:
        return peak * (0.1 + 0.9 * p / warm)
    t = (p - warm) / (1 - warm)
    return peak * 0.5 * (1 + math.cos(math.pi * t))


# Peak learning rates: the BN nets take 0.1-0.2; AlexNet (no BN) diverges
# above about 0.05 with this schedule.
PEAK_LR = {"alexnet_cifar": 0.04}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", required=True, choices=list(nets.NETS))
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--smoothing", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--bf16", action="store_true",
                    help="forward and backward under torch.cpu.amp.autocast(bfloat16); "
                         "weights, optimizer and evaluation stay float32")
    ap.add_argument("--budget", type=float, default=0,
                    help="train for this many wall-clock seconds instead of a fixed number "
                         "of epochs: the schedule runs on elapsed time (see README)")
    ap.add_argument("--time-batches", type=int, default=0,
                    help="only time this many training batches and print seconds/epoch")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    t0 = time.time()
    xtr, ytr = load_split("train")
    xte, yte = load_split("test")
    print(f"data: train {tuple(xtr.shape)} test {tuple(xte.shape)} loaded in {time.time() - t0:.1f}s", flush=True)

    model = nets.build(args.net)
    nparams = sum(p.numel() for p in model.parameters())
    macs = nets.count_macs(model)
    print(f"{args.net}: params {nparams} MACs {macs}", flush=True)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)

    peak = args.lr or PEAK_LR.get(args.net, 0.1)
    # No weight decay on BN parameters and biases.
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": args.wd},
                           {"params": no_decay, "weight_decay": 0}],
                          lr=peak, momentum=0.9, nesterov=True)
    n = len(xtr)
    steps_per_epoch = n // args.batch  # drop the last partial batch
    total = steps_per_epoch * args.epochs
    if args.budget:
        args.epochs = 0  # decided by the budget

    if args.time_batches:
        model.train()
        perm = torch.randperm(n, generator=gen)
        times = []
        for i in range(args.time_batches + 3):
            idx = perm[i * args.batch:(i + 1) * args.batch]
            ts = time.time()
            xb = normalise(augment(xtr[idx], gen))
            if args.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.cpu.amp.autocast(enabled=args.bf16, dtype=torch.bfloat16):
                loss = F.cross_entropy(model(xb), ytr[idx], label_smoothing=args.smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if i >= 3:
                times.append(time.time() - ts)
        per = sum(times) / len(times)
        te = time.time()
        evaluate(model, xte[:1000], yte[:1000], channels_last=args.channels_last)
        ev = (time.time() - te) * len(xte) / 1000
        print(json.dumps({"net": args.net, "s_per_batch": round(per, 4),
                          "s_per_epoch": round(per * steps_per_epoch + ev, 1),
                          "channels_last": args.channels_last,
                          "threads": args.threads, "bf16": args.bf16}), flush=True)
        return

    os.makedirs(os.path.join(HERE, "records"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    record = {
        "net": args.net,
        "dataset": "cifar10",
        "train_dir": "../shared/data/cifar10/train (50,000 images)",
        "test_dir": "../shared/data/cifar10/test (8,000 images)",
        "params": nparams,
        "macs": macs,
        "command": " ".join(["/usr/bin/python3", "train.py"] + sys.argv[1:]),
        "config": {"epochs": args.epochs or None, "budget_seconds": args.budget or None, "batch": args.batch, "peak_lr": peak,
                   "schedule": ("linear warm-up over the first 15% from peak/10, then cosine to 0, "
                                "updated every step; progress = " +
                                ("wall-clock seconds since the start / budget" if args.budget else "step / total steps")),
                   "optimizer": "SGD momentum 0.9 nesterov", "weight_decay": args.wd,
                   "label_smoothing": args.smoothing, "seed": args.seed,
                   "threads": args.threads, "channels_last": args.channels_last, "bf16": args.bf16,
                   "augmentation": "random crop 32 with zero padding 4, horizontal flip",
                   "mean": MEAN, "std": STD},
        "torch": torch.__version__,
        "epochs": [],
    }
    rec_path = os.path.join(HERE, "records", f"{args.net}.json")
    step = 0
    start = time.time()
    train_time = 0.0  # seconds spent in training steps (test evaluation excluded)
    epoch = 0
    done = False
    while not done:
        epoch += 1
        te0 = time.time()
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct, seen = 0.0, 0, 0
        for i in range(steps_per_epoch):
            # Progress drives the schedule: steps for a fixed number of epochs,
            # or wall-clock seconds (training and per-epoch tests) out of the
            # budget, so that a run on a busy shared machine still ends on time
            # with its learning rate annealed to 0.
            p = (time.time() - start) / args.budget if args.budget else step / total
            if p >= 1:
                done = True
                break
            lr = lr_at(p, peak)
            for g in opt.param_groups:
                g["lr"] = lr
            ts = time.time()
            idx = perm[i * args.batch:(i + 1) * args.batch]
            xb = normalise(augment(xtr[idx], gen))
            if args.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            yb = ytr[idx]
            with torch.cpu.amp.autocast(enabled=args.bf16, dtype=torch.bfloat16):
                out = model(xb)
                loss = F.cross_entropy(out.float(), yb, label_smoothing=args.smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            train_time += time.time() - ts
            step += 1
            loss_sum += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(idx)
        if not args.budget and step >= total:
            done = True
        if seen == 0:
            break
        test_acc = evaluate(model, xte, yte, channels_last=args.channels_last)
        e = {"epoch": epoch, "steps": step, "images": seen, "lr": round(lr, 6),
             "train_loss": round(loss_sum / seen, 4),
             "train_acc": round(100.0 * correct / seen, 2), "test_acc": round(test_acc, 2),
             "seconds": round(time.time() - te0, 1)}
        record["epochs"].append(e)
        record["steps"] = step
        record["train_seconds"] = round(train_time, 1)
        record["wall_seconds"] = round(time.time() - start, 1)
        tmp = rec_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1)
        os.replace(tmp, rec_path)
        print(json.dumps(e), flush=True)

    model = model.to(memory_format=torch.contiguous_format)
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    torch.save(sd, os.path.join(HERE, "out", f"{args.net}.pth"))
    print(f"done: {args.net} test {record['epochs'][-1]['test_acc']}% after {step} steps, "
          f"{record['train_seconds']}s of training", flush=True)


if __name__ == "__main__":
    main()
