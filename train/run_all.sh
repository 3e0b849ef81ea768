#!/bin/sh
# Trains the five built-in models in two queues of single-threaded runs (two
# single-threaded processes use both cores with no OpenMP barrier stalls when
# the machine is shared), each run with a wall-clock budget in seconds.
# Run from train/:  nohup sh run_all.sh > train.log 2>&1 &
set -e
cd "$(dirname "$0")"
PY=/usr/bin/python3
run() { nice -n 19 $PY train.py --threads 1 --net "$1" --budget "$2" > "$1.log" 2>&1; }
(run resnet20_cifar 1500; run vgg_cifar 1200; run alexnet_cifar 1500) &
(run plain20_cifar 1500; run googlenet_cifar 2700) &
wait
echo "all done $(date -u +%H:%M:%S)"
