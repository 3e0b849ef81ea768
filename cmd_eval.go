package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/models/preprocess"
)

func init() {
	register("eval", "top-1/top-5 accuracy of a model over an ImageFolder directory (DIR/<class>/*)", runEval)
}

func runEval(args []string) error { return evalCmd(args, os.Stdout) }

// evalResult is eval's outcome; top1 and top5 are percentages.
type evalResult struct {
	Model  string  `json:"model"`
	Dir    string  `json:"dir"`
	Images int     `json:"images"`
	Top1   float64 `json:"top1"`
	Top5   float64 `json:"top5"`
}

// evalItem is one image and the label indices its directory names: one
// index, except for the names ImageNet-1k uses twice ("crane" the bird and
// the machine, "maillot"), where either counts as right.
type evalItem struct {
	path   string
	labels []int
}

func evalCmd(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	name := fs.String("model", "", "model name (see 'convscope models')")
	jsonOut := fs.Bool("json", false, `print {"model","dir","images","top1","top5"} (percentages)`)
	limit := fs.Int("limit", 0, "use at most this many images per class (0: all)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "images classified in parallel")
	dir := addModelsDirFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: convscope eval -model NAME [-json] [-limit N] [-models DIR] DIR\n\nDIR holds one directory per class, named exactly as the model's label.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("need -model NAME and one directory")
	}
	if *limit < 0 || *workers < 1 {
		return fmt.Errorf("-limit must be >= 0 and -workers >= 1")
	}
	m, err := models.LoadName(*dir, *name)
	if err != nil {
		return err
	}
	root := fs.Arg(0)
	items, err := evalItems(root, m.Meta.Labels, *limit)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := evaluate(m, items, *workers)
	if err != nil {
		return err
	}
	res.Model, res.Dir = *name, root
	if *jsonOut {
		return json.NewEncoder(w).Encode(res)
	}
	fmt.Fprintf(w, "%s on %s: %d images, top-1 %.2f%%, top-5 %.2f%% (%.1fs)\n",
		res.Model, res.Dir, res.Images, res.Top1, res.Top5, time.Since(start).Seconds())
	return nil
}

// evalItems lists DIR/<class>/* with each class directory mapped to the
// model's label of the same name. A class directory that is not a label is
// an error (a misspelt class would silently count as wrong otherwise).
func evalItems(root string, labels []string, limit int) ([]evalItem, error) {
	index := make(map[string][]int, len(labels))
	for i, l := range labels {
		index[l] = append(index[l], i)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var items []evalItem
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		label, ok := index[e.Name()]
		if !ok {
			return nil, fmt.Errorf("class directory %q is not a label of the model (labels are e.g. %q, %q)", e.Name(), labels[0], labels[len(labels)-1])
		}
		files, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, err
		}
		n := 0
		for _, f := range files {
			if f.IsDir() || strings.HasPrefix(f.Name(), ".") {
				continue
			}
			if limit > 0 && n == limit {
				break
			}
			items = append(items, evalItem{filepath.Join(root, e.Name(), f.Name()), label})
			n++
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: no images in class directories", root)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].path < items[j].path })
	return items, nil
}

// evaluate classifies items on workers goroutines sharing one program
// compiled for one kernel thread each (engine programs are safe for
// concurrent use), so all cores work on different images.
func evaluate(m *models.Model, items []evalItem, workers int) (evalResult, error) {
	prog, err := m.Program(engine.Options{Workers: 1})
	if err != nil {
		return evalResult{}, err
	}
	k := min(5, len(m.Meta.Labels))
	jobs := make(chan evalItem)
	var (
		mu         sync.Mutex
		top1, top5 int
		firstErr   error
		wg         sync.WaitGroup
	)
	for range min(workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				preds, err := classifyPath(m, prog, it.path, k)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for i, p := range preds {
					if slices.Contains(it.labels, p.Index) {
						top5++
						if i == 0 {
							top1++
						}
						break
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, it := range items {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop {
			break
		}
		jobs <- it
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return evalResult{}, firstErr
	}
	n := float64(len(items))
	return evalResult{Images: len(items), Top1: 100 * float64(top1) / n, Top5: 100 * float64(top5) / n}, nil
}

func classifyPath(m *models.Model, prog *engine.Program, path string, k int) ([]models.Prediction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := preprocess.Decode(f, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	preds, err := m.ClassifyWith(prog, img, k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return preds, nil
}
