#!/bin/sh
# Trains the five built-in models one after the other, each with both cores
# (2 threads, bfloat16 autocast, channels-last: about 2x faster than float32
# on this AVX512-BF16 CPU, measured with --time-batches), and turns each into
# models/builtin/NAME.csm with import_one.sh while the next one trains.
# Epoch counts fit one 2-core machine for about 90 minutes (see README.md).
# Run from train/:
#     nohup sh run_all.sh > train.log 2>&1 &
set -e
cd "$(dirname "$0")"
run() {
	/usr/bin/python3 train.py --threads 2 --bf16 --channels-last --net "$1" --epochs "$2" > "$1.log" 2>&1
	sh import_one.sh "$1" > "$1.import.log" 2>&1 &
}
run resnet20_cifar 20
run plain20_cifar 20
run vgg_cifar 20
run alexnet_cifar 8
run googlenet_cifar 6
wait
echo "all done $(date -u +%H:%M:%S)"
