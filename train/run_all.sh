#!/bin/sh
# Trains the five built-in models and turns each into models/builtin/NAME.csm
# (import_one.sh), in two queues of single-threaded runs, each run with a
# wall-clock budget in seconds (see README.md). Two single-threaded processes
# use both cores without the OpenMP barrier stalls a 2-thread run suffers on
# a shared machine, and each queue gets its fair share of the CPU.
# Run from train/:
#     nohup sh run_all.sh > train.log 2>&1 &
set -e
cd "$(dirname "$0")"
NICE=${NICE:-10}
export NICE
run() {
	nice -n "$NICE" /usr/bin/python3 train.py --threads 1 --net "$1" --budget "$2" > "$1.log" 2>&1
	sh import_one.sh "$1" > "$1.import.log" 2>&1 &
}
(run resnet20_cifar 1440; run vgg_cifar 1080; run alexnet_cifar 1200; wait) &
(run plain20_cifar 1440; run googlenet_cifar 2100; wait) &
wait
echo "all done $(date -u +%H:%M:%S)"
