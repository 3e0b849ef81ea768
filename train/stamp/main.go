// Command stamp records in an imported CIFAR-10 model file where its weights
// come from and how accurate it is: the Go engine's top-1/top-5 (the JSON
// `go run . eval -json` printed), which the catalog shows and
// models/builtin's test re-measures, then PyTorch's float32 figure for the
// same weights (train/eval.py), and the training run (train/records).
//
// Run from the repository root (train/import_all.sh does):
//
//	go run ./train/stamp -model FILE.csm -eval EVAL.json -record train/records/NAME.json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"convscope/models/modelfile"
)

// GoEvalSource is the accuracy source of the built-in models' first entry.
const GoEvalSource = "go run . eval on ../shared/data/cifar10/test (8,000 images)"

// Split names the test split in the accuracy entries.
const Split = "cifar10-test (8,000 JPEG images)"

type evalJSON struct {
	Model  string  `json:"model"`
	Images int     `json:"images"`
	Top1   float64 `json:"top1"`
	Top5   float64 `json:"top5"`
}

type recordJSON struct {
	Net          string  `json:"net"`
	Command      string  `json:"command"`
	Steps        int     `json:"steps"`
	TrainSeconds float64 `json:"train_seconds"`
	WallSeconds  float64 `json:"wall_seconds"`
	Float32      *struct {
		Images int     `json:"images"`
		Top1   float64 `json:"top1"`
		Top5   float64 `json:"top5"`
	} `json:"float32_eval"` // added by train/eval.py
	Epochs []struct {
		Epoch  int `json:"epoch"`
		Images int `json:"images"`
	} `json:"epochs"`
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func run() error {
	model := flag.String("model", "", "model file to stamp (rewritten atomically)")
	evalPath := flag.String("eval", "", "output of `go run . eval -json -model NAME ../shared/data/cifar10/test`")
	recPath := flag.String("record", "", "train/records/NAME.json (train/train.py, then train/eval.py)")
	flag.Parse()
	if *model == "" || *evalPath == "" || *recPath == "" || flag.NArg() != 0 {
		flag.Usage()
		return errors.New("need -model, -eval and -record")
	}
	f, err := modelfile.ReadFile(*model)
	if err != nil {
		return err
	}
	name := f.Meta.Name
	var ev evalJSON
	if err := readJSON(*evalPath, &ev); err != nil {
		return err
	}
	if ev.Model != name || ev.Images != 8000 {
		return fmt.Errorf("%s: eval of %q on %d images, want %q on 8000", *evalPath, ev.Model, ev.Images, name)
	}
	var rec recordJSON
	if err := readJSON(*recPath, &rec); err != nil {
		return err
	}
	if rec.Net != name || len(rec.Epochs) == 0 {
		return fmt.Errorf("%s: record of %q with %d epochs, want %q", *recPath, rec.Net, len(rec.Epochs), name)
	}
	ref := rec.Float32
	if ref == nil || ref.Images != 8000 {
		return fmt.Errorf("%s: no float32 figure on 8000 images (run train/eval.py %s)", *recPath, name)
	}
	epochs := float64(rec.Steps*128) / 50000
	f.Meta.Source = fmt.Sprintf("trained by ConvScope: train/train.py (%s), %.2f epochs (%d steps of 128) in %.0f min on a shared 2-core CPU; per-epoch record train/records/%s.json",
		rec.Command, epochs, rec.Steps, rec.WallSeconds/60, name)
	f.Meta.Accuracy = []modelfile.Accuracy{
		{Split: Split, Top1: ev.Top1, Top5: ev.Top5, Source: GoEvalSource},
		{Split: Split, Top1: ref.Top1, Top5: ref.Top5, Source: "PyTorch float32 weights before quantization (train/eval.py)"},
	}
	if err := modelfile.Write(*model, f); err != nil {
		return err
	}
	fmt.Printf("%s: int8 top-1 %.2f%% (float32 %.2f%%, %+.2f points), %.2f epochs\n", name, ev.Top1, ref.Top1, ev.Top1-ref.Top1, epochs)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "stamp:", err)
		os.Exit(1)
	}
}
