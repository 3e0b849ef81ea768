"""Float32 PyTorch accuracy of the trained checkpoints on the 8,000 test
images (../../shared/data/cifar10/test): the reference for the "int8 within
0.5 points of float32" check against `go run . eval` (the Go engine, int8
weights).

Usage (from train/):  /usr/bin/python3 eval.py [NET ...]   (default: all five)
Prints one line per net and adds the figures to records/NET.json under
"float32_eval".
"""

import json
import os
import sys
import time

import torch

import nets
import train


def main():
    # One thread: on a shared machine 2-thread runs stall in OpenMP barriers.
    torch.set_num_threads(1)
    names = sys.argv[1:] or list(nets.NETS)
    x, y = train.load_split("test")
    for name in names:
        ckpt = os.path.join(train.HERE, "out", f"{name}.pth")
        if not os.path.exists(ckpt):
            print(f"{name}: no checkpoint at {ckpt}", file=sys.stderr)
            continue
        model = nets.build(name)
        model.load_state_dict(torch.load(ckpt, map_location="cpu"))
        t0 = time.time()
        model.eval()
        top1 = top5 = 0
        with torch.no_grad():
            for i in range(0, len(x), 500):
                out = model(train.normalise(x[i:i + 500]))
                yb = y[i:i + 500]
                top1 += (out.argmax(1) == yb).sum().item()
                top5 += (out.topk(5, 1).indices == yb[:, None]).any(1).sum().item()
        r = {"images": len(x), "top1": round(100.0 * top1 / len(x), 2),
             "top5": round(100.0 * top5 / len(x), 2),
             "source": "PyTorch float32, train/eval.py on ../shared/data/cifar10/test (8,000 images, decoded with PIL)"}
        print(f"{name}: float32 top-1 {r['top1']}% top-5 {r['top5']}% ({time.time() - t0:.1f}s)", flush=True)
        path = os.path.join(train.HERE, "records", f"{name}.json")
        with open(path) as f:
            record = json.load(f)
        record["float32_eval"] = r
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1)
        os.replace(tmp, path)


if __name__ == "__main__":
    main()
