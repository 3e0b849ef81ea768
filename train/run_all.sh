#!/bin/sh
# Trains the five built-in models and turns each into models/builtin/NAME.csm
# (and its float32 twin, models/twins/NAME.csm) with import_one.sh: the
# commands that made the shipped files. A run is deterministic for a given
# seed and thread count, so the thread counts are part of the recipe.
#
# Step 1, third session: ResNet-20 then Plain-20, the pair the degradation
# lesson compares, 40 epochs each, one after the other with 2 threads on a
# machine kept free for them (a 2-thread run stalls in OpenMP barriers as
# soon as anything else runs on a 2-core machine: measured 1,059 s for a
# ResNet-20 epoch that takes 52 s on an idle machine).
# Step 2, second session: the other three in two single-threaded queues
# (the machine was shared with the team's builds and tests).
# bfloat16 autocast and channels-last: about 2x faster than float32 on this
# AVX512-BF16 CPU, measured with --time-batches. Run from train/:
#     nohup sh run_all.sh > train.log 2>&1 &
set -e
cd "$(dirname "$0")"
run() {
	/usr/bin/python3 train.py --threads "$1" --bf16 --channels-last --net "$2" --epochs "$3" > "$2.log" 2>&1
	sh import_one.sh "$2" > "$2.import.log" 2>&1
}
run 2 resnet20_cifar 40
run 2 plain20_cifar 40
(run 1 vgg_cifar 15) &
(run 1 googlenet_cifar 4; run 1 alexnet_cifar 6) &
wait
echo "all done $(date -u +%H:%M:%S)"
