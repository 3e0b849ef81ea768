package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"convscope/models"
	"convscope/models/preprocess"
)

func init() {
	register("classify", "classify images with a model (native run of the engine)", runClassify)
}

func runClassify(args []string) error { return classifyCmd(args, os.Stdout) }

// classifyResult is one image's line of classify -json.
type classifyResult struct {
	Model string              `json:"model"`
	Image string              `json:"image"`
	Top   []models.Prediction `json:"top"`
	MS    float64             `json:"ms"` // preprocessing + inference, without decoding
}

func classifyCmd(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	name := fs.String("model", "", "model name (see 'convscope models')")
	top := fs.Int("top", 5, "number of classes to print, 1 to the model's class count")
	jsonOut := fs.Bool("json", false, "print one JSON object per image")
	dir := addModelsDirFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: convscope classify -model NAME [-top K] [-json] [-models DIR] IMAGE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || fs.NArg() == 0 {
		fs.Usage()
		return errors.New("need -model NAME and at least one image")
	}
	m, err := models.LoadName(*dir, *name)
	if err != nil {
		return err
	}
	if *top < 1 || *top > len(m.Meta.Labels) {
		return fmt.Errorf("-top %d: model %s has %d classes", *top, *name, len(m.Meta.Labels))
	}
	var failed []error
	for _, path := range fs.Args() {
		res, err := classifyOne(m, path, *top)
		if err != nil {
			// Go on with the other images; report every failure at the end.
			failed = append(failed, err)
			fmt.Fprintln(os.Stderr, "convscope classify:", err)
			continue
		}
		if *jsonOut {
			if err := json.NewEncoder(w).Encode(res); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(w, "%s (%s, %.1f ms)\n", path, *name, res.MS)
		for i, p := range res.Top {
			fmt.Fprintf(w, "  %d. %6.2f%%  %s (%d)\n", i+1, 100*p.Prob, p.Label, p.Index)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d images could not be classified", len(failed), fs.NArg())
	}
	return nil
}

func classifyOne(m *models.Model, path string, k int) (classifyResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return classifyResult{}, err
	}
	defer f.Close()
	img, err := preprocess.Decode(f, 0)
	if err != nil {
		return classifyResult{}, fmt.Errorf("%s: %w", path, err)
	}
	start := time.Now()
	top, err := m.Classify(img, k)
	if err != nil {
		return classifyResult{}, fmt.Errorf("%s: %w", path, err)
	}
	return classifyResult{Model: m.Meta.Name, Image: path, Top: top, MS: float64(time.Since(start).Microseconds()) / 1000}, nil
}
