#!/bin/sh
# After train.py has written out/NAME.pth: float32 accuracy under PyTorch,
# import through the project's importer, int8 accuracy with the Go engine,
# then the accuracy and training provenance stamped into the file, which
# becomes models/builtin/NAME.csm, and its float32 twin models/twins/NAME.csm.
# Run from train/ as
#     sh import_one.sh NAME
# CONVSCOPE is the convscope binary to use (default: built from the tree
# into out/convscope; it must not embed an older NAME.csm, since eval
# prefers a built-in model over a file of the same name).
set -eu
cd "$(dirname "$0")"
NAME=$1
export GOTOOLCHAIN=go1.27.3
NICE=${NICE:-10}
BIN=${CONVSCOPE:-out/convscope}
if [ ! -x "$BIN" ]; then (cd .. && go build -o train/out/convscope .); fi
nice -n "$NICE" /usr/bin/python3 eval.py "$NAME"
mkdir -p out/csm
rm -f "out/csm/$NAME.csm"
nice -n "$NICE" "$BIN" import -models out/csm -name "$NAME" -arch "$NAME" "out/$NAME.pth"
start=$(date +%s)
nice -n "$NICE" "$BIN" eval -json -models out/csm -model "$NAME" ../../shared/data/cifar10/test > "out/$NAME.eval.json"
echo "$NAME: go eval took $(( $(date +%s) - start ))s: $(cat "out/$NAME.eval.json")"
(cd .. && go run ./train/stamp -model "train/out/csm/$NAME.csm" -eval "train/out/$NAME.eval.json" -record "train/records/$NAME.json")
cp "out/csm/$NAME.csm" "../models/builtin/$NAME.csm"
ls -l "../models/builtin/$NAME.csm"
# The float32 twin (the "what int8 costs" lesson's reference): the same
# checkpoint imported with -float32 into out/csm/float32/NAME.csm, which the
# import checks against out/csm/NAME.csm (its weights must quantize to that
# file's int8 bytes exactly), then copied to models/twins/NAME.csm. Built
# from the current tree: $BIN may predate -float32. Last, so that a failure
# here never costs the int8 model above.
TWINBIN=out/convscope-twin
(cd .. && nice -n "$NICE" go build -o "train/$TWINBIN" .)
rm -f "out/csm/float32/$NAME.csm"
nice -n "$NICE" "$TWINBIN" import -float32 -models out/csm -name "$NAME" -arch "$NAME" "out/$NAME.pth"
cp "out/csm/float32/$NAME.csm" "../models/twins/$NAME.csm"
ls -l "../models/twins/$NAME.csm"
