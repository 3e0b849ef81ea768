package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"convscope/models"
	"convscope/models/fetch"
)

func init() {
	register("fetch", "download torchvision's ImageNet weights, verify, quantize and store them", runFetch)
}

// fetchBaseURL is where checkpoints are downloaded from; tests point it at a
// local server (the real host is not reachable from CI).
var fetchBaseURL = models.TorchvisionBaseURL

// fetchCatalog looks a name up in the catalog of published weights; tests
// replace it to serve small fixture checkpoints.
var fetchCatalog = models.TorchvisionWeights

func runFetch(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fetchCmd(ctx, args, os.Stdout, os.Stderr, isTerminal(os.Stderr))
}

func fetchCmd(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) error {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	dir := addModelsDirFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: convscope fetch [-models DIR] NAME...")
		fs.PrintDefaults()
		var names []string
		for _, w := range models.Torchvision() {
			names = append(names, w.Name)
		}
		fmt.Fprintf(fs.Output(), "names: %s\n", strings.Join(names, ", "))
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("name at least one model to fetch")
	}
	if *dir == "" {
		return errors.New("no models directory: pass -models DIR")
	}
	// Check every name before downloading anything.
	var ws []models.Weights
	for _, name := range fs.Args() {
		w, ok := fetchCatalog(name)
		if !ok {
			return fmt.Errorf("%q is not in torchvision's catalog (see 'convscope models'); use 'convscope import' for other checkpoints", name)
		}
		ws = append(ws, w)
	}
	f := &fetch.Fetcher{
		Dir: *dir, Ext: models.Ext, BaseURL: fetchBaseURL,
		Progress: stderr, Terminal: terminal,
		Convert: convertFetched,
	}
	var failed []string
	for _, w := range ws {
		path, err := f.Fetch(ctx, fetch.Source{Name: w.Name, File: w.File, Arch: w.Name})
		switch {
		case errors.Is(err, fetch.ErrExists):
			fmt.Fprintf(stdout, "%s: already in %s, not fetched again\n", w.Name, path)
		case err != nil:
			fmt.Fprintf(stderr, "%s: %v\n", w.Name, err)
			failed = append(failed, w.Name)
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted; nothing of %s was kept", w.Name)
			}
		default:
			st, err := os.Stat(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: stored %s (%.1f MB)\n", w.Name, path, float64(st.Size())/(1<<20))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not fetch %s", strings.Join(failed, ", "))
	}
	return nil
}

// convertFetched converts a verified torchvision checkpoint into a model
// file at dst.
func convertFetched(_ context.Context, src fetch.Source, checkpoint, dst string) error {
	w, _ := fetchCatalog(src.Name)
	def, err := models.Arch(src.Arch)
	if err != nil {
		return err
	}
	dataset, err := models.ArchDataset(src.Arch)
	if err != nil {
		return err
	}
	meta, err := importMeta(src.Name, dataset, "")
	if err != nil {
		return err
	}
	meta.Source = "torchvision " + src.File
	if w.Top1 > 0 {
		meta.Accuracy = torchvisionAccuracy(w)
	}
	f, err := convertPth(checkpoint, def, meta)
	if err != nil {
		return err
	}
	return storeModel(dst, f)
}

// isTerminal reports whether f is a character device (a terminal), so the
// progress bar redraws in place only where someone watches it.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
