#!/bin/sh
# Trains the five built-in models and turns each into models/builtin/NAME.csm
# with import_one.sh. Two queues of single-threaded runs (bfloat16 autocast,
# channels-last: about 2x faster than float32 on this AVX512-BF16 CPU,
# measured with --time-batches): a 2-thread run stalls in OpenMP barriers as
# soon as anything else runs on a 2-core machine (measured: 1,059 s for a
# ResNet-20 epoch that takes 52 s on an idle machine). Queue A, the
# ResNet-20 / Plain-20 pair the degradation lesson compares, runs at a
# higher priority than queue B. Run from train/:
#     nohup sh run_all.sh > train.log 2>&1 &
set -e
cd "$(dirname "$0")"
run() {
	nice -n "$1" /usr/bin/python3 train.py --threads 1 --bf16 --channels-last --net "$2" --epochs "$3" > "$2.log" 2>&1
	sh import_one.sh "$2" > "$2.import.log" 2>&1 &
}
(run 0 resnet20_cifar 15; run 0 plain20_cifar 15; run 0 googlenet_cifar 4; wait) &
(run 10 vgg_cifar 15; run 10 alexnet_cifar 6; wait) &
wait
echo "all done $(date -u +%H:%M:%S)"
