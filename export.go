package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"convscope/train/records"
)

func init() {
	register("export", "write the whole app and its models as static files for any static host or CDN", runExport)
}

func runExport(args []string) error {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	out := fl.String("o", "", "output folder (required); replaced only if it holds an earlier export")
	modelsDir := addModelsDirFlag(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *out == "" || fl.NArg() > 0 {
		return errors.New("usage: export -o DIR [-models DIR]")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	root, err := findModuleRoot(".")
	if err != nil {
		return err
	}
	b := newBuilder(root, log)
	if err := b.build(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	cat, err := newCatalog(*modelsDir)
	if err != nil {
		return err
	}
	start := time.Now()
	n, err := exportSite(b.siteDir(), cat, *out)
	if err != nil {
		return err
	}
	fmt.Printf("exported the app and %d model files to %s in %v\n", n, *out, time.Since(start).Round(time.Millisecond))
	return nil
}

// exportMarker is the file that marks a folder as an export, so that a
// second export may replace it and nothing else is ever deleted.
const exportMarker = "api/models"

// headersFile tells hosts that read a _headers file (Netlify, Cloudflare
// Pages and others) to send the same security and caching headers as the
// server, cross-origin isolation included, so the first visit already
// splits models over every core (elsewhere the service worker adds those
// two headers from the second load on). Other hosts ignore it.
const headersFile = `/*
  Content-Security-Policy: ` + contentSecurityPolicy + `
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  Cross-Origin-Resource-Policy: same-origin
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp
/models/*
  Cache-Control: public, max-age=31536000, immutable
`

// exportSite writes the site, api/models, api/training (the embedded
// training records) and the available model files into a temporary folder
// beside out, then renames it to out. It returns the number of model files
// written.
func exportSite(site string, cat catalog, out string) (int, error) {
	out = filepath.Clean(out)
	if err := checkReplaceable(out); err != nil {
		return 0, err
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, err
	}
	if err := copyTree(site, tmp); err != nil {
		return 0, err
	}
	list, err := modelList(cat)
	if err != nil {
		return 0, fmt.Errorf("model catalog: %w", err)
	}
	n := 0
	for _, m := range list {
		if m.URL == "" {
			continue
		}
		if err := exportModel(cat, m.modelInfo, filepath.Join(tmp, filepath.FromSlash(m.URL))); err != nil {
			return 0, err
		}
		n++
		if m.Float32 != nil {
			if err := exportTwin(cat, m, filepath.Join(tmp, filepath.FromSlash(m.Float32.URL))); err != nil {
				return 0, err
			}
			n++
		}
	}
	body, err := json.Marshal(list)
	if err != nil {
		return 0, err
	}
	body = append(body, '\n')
	apiFile := filepath.Join(tmp, filepath.FromSlash(exportMarker))
	if err := writeFileAtomic(apiFile, body); err != nil {
		return 0, err
	}
	runs, err := records.Runs()
	if err != nil {
		return 0, err
	}
	body, err = json.Marshal(trainingList{Runs: runs})
	if err != nil {
		return 0, err
	}
	body = append(body, '\n')
	if err := writeFileAtomic(filepath.Join(tmp, "api", "training"), body); err != nil {
		return 0, err
	}
	if err := writeFileAtomic(filepath.Join(tmp, "_headers"), []byte(headersFile)); err != nil {
		return 0, err
	}

	// Swap: move an earlier export aside, move the new one in, delete the old.
	var old string
	if _, err := os.Stat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return 0, err
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		return 0, err
	}
	ok = true
	if old != "" {
		os.RemoveAll(old)
	}
	return n, nil
}

// checkReplaceable refuses to replace a folder that is neither empty nor an
// earlier export.
func checkReplaceable(out string) error {
	st, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s exists and is not a folder", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(exportMarker))); err != nil {
		return fmt.Errorf("%s is not empty and is not an earlier export (no %s): refusing to replace it", out, exportMarker)
	}
	return nil
}

// copyTree copies the regular files and folders of src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			return nil // a temporary file of an interrupted build
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chtimes(dst, st.ModTime(), st.ModTime())
}

// exportModel copies one model file and checks that its bytes hash to what
// the catalog says, so the content-addressed name cannot lie.
func exportModel(cat catalog, m modelInfo, dst string) error {
	f, _, err := cat.Open(m.Name)
	if err != nil {
		return fmt.Errorf("model %s: %w", m.Name, err)
	}
	defer f.Close()
	return copyChecked(f, dst, m.SHA256, "model "+m.Name)
}

// copyChecked writes r to the new file dst and fails unless its bytes hash
// to want (what names the file in errors).
func copyChecked(r io.Reader, dst, want, what string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), r); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := out.Close(); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s: file hashes to %s, the catalog says %s (changed while exporting?)", what, got, want)
	}
	return nil
}
