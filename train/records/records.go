// Package records embeds the per-epoch records of the built-in models'
// training (train/train.py writes NAME.json here after every epoch; see
// train/README.md), so the server and an export can serve them without
// the repository around. The files are embedded as they are when the
// binary is built: retraining changes what the next build serves.
package records

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"sync"
)

//go:embed *.json
var files embed.FS

// Run is one training run as the app plots it: the fields of the record
// that web.TrainingRun declares (same JSON names; the server does not
// import package web, which is the page's).
type Run struct {
	Net     string  `json:"net"`     // the model name, also the file name: NET.json
	Command string  `json:"command"` // the exact command that trained it
	Params  int64   `json:"params"`
	MACs    int64   `json:"macs"`
	Epochs  []Epoch `json:"epochs"`
}

// Epoch is one epoch of a run. Accuracies are percentages; TestAcc is on
// the 8,000 CIFAR-10 test images. The last epoch of a run trained on a time
// budget may be partial (Steps says how far it got).
type Epoch struct {
	Epoch     int     `json:"epoch"`
	Steps     int     `json:"steps"` // optimizer steps since the start of the run
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	TestAcc   float64 `json:"test_acc"`
	Seconds   float64 `json:"seconds"` // wall-clock seconds of this epoch (training and test)
}

// Runs returns the embedded runs, sorted by net name, parsed and checked
// once per process. The slice is shared: do not modify it.
var Runs = sync.OnceValues(func() ([]Run, error) { return parse(files) })

// parse reads and checks every *.json file at the top of fsys.
func parse(fsys fs.FS) ([]Run, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	runs := make([]Run, 0, len(names))
	for _, name := range names { // fs.Glob sorts
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var r Run
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("training record %s: %w", name, err)
		}
		if err := r.check(strings.TrimSuffix(name, ".json")); err != nil {
			return nil, fmt.Errorf("training record %s: %w", name, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// check rejects a record the lesson would plot wrongly: another net than
// the file name says, epochs out of order, impossible figures.
func (r *Run) check(file string) error {
	if r.Net != file {
		return fmt.Errorf("net is %q, the file name says %q", r.Net, file)
	}
	if r.Params <= 0 || r.MACs <= 0 {
		return fmt.Errorf("params %d and macs %d must be positive", r.Params, r.MACs)
	}
	if len(r.Epochs) == 0 {
		return fmt.Errorf("no epochs")
	}
	steps := 0
	for i, e := range r.Epochs {
		if e.Epoch != i+1 {
			return fmt.Errorf("epoch %d is numbered %d", i+1, e.Epoch)
		}
		if e.Steps <= steps {
			return fmt.Errorf("epoch %d: %d steps since the start, not more than the %d before", e.Epoch, e.Steps, steps)
		}
		steps = e.Steps
		for _, acc := range []float64{e.TrainAcc, e.TestAcc} {
			if !(acc >= 0 && acc <= 100) {
				return fmt.Errorf("epoch %d: accuracy %v is not a percentage", e.Epoch, acc)
			}
		}
		if !(e.TrainLoss >= 0) || math.IsInf(e.TrainLoss, 0) || !(e.Seconds > 0) || math.IsInf(e.Seconds, 0) {
			return fmt.Errorf("epoch %d: train loss %v or seconds %v out of range", e.Epoch, e.TrainLoss, e.Seconds)
		}
	}
	return nil
}
