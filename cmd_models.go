package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"convscope/models"
)

func init() {
	register("models", "list the models: architecture, params, MACs, file size, accuracy, availability", runModels)
}

func runModels(args []string) error { return modelsCmd(args, os.Stdout) }

// addModelsDirFlag adds the -models flag every command takes; its default
// is models.DefaultDir() (empty when there is no user cache directory).
func addModelsDirFlag(fs *flag.FlagSet) *string {
	def, _ := models.DefaultDir()
	return fs.String("models", def, "directory of fetched and imported models")
}

func modelsCmd(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print the catalog as JSON")
	dir := addModelsDirFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: convscope models [-json] [-models DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	infos, err := models.Catalog(*dir)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	return printCatalog(w, infos)
}

// printCatalog writes the catalog as an aligned table.
func printCatalog(w io.Writer, infos []models.Info) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tARCH\tDATASET\tPARAMS\tGMACS\tSIZE\tTOP-1\tTOP-5\tSTATUS\t")
	for _, m := range infos {
		size := fmt.Sprintf("%.1f MB", float64(m.Bytes)/1e6)
		if m.BytesEstimated {
			size = "~" + size
		}
		status := "available"
		switch {
		case m.BuiltIn:
			status = "built-in"
		case !m.Available && m.Arch == "?":
			status = "unreadable"
		case !m.Available:
			status = "fetch"
		}
		acc1, acc5 := "-", "-"
		if m.Top1 > 0 {
			acc1, acc5 = fmt.Sprintf("%.2f%%", m.Top1), fmt.Sprintf("%.2f%%", m.Top5)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t\n",
			m.Name, m.Arch, m.Dataset, groupDigits(m.Params), float64(m.MACs)/1e9, size, acc1, acc5, status)
	}
	if err := tw.Flush(); err != nil {
		return errors.Join(errors.New("write catalog"), err)
	}
	return nil
}

// groupDigits writes n with thousands separators: 11,689,512.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
