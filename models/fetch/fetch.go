// Package fetch downloads published checkpoints, verifies them against the
// SHA-256 prefix in their file names, and hands them to a converter that
// writes the model file. Nothing is left in the models directory unless the
// whole sequence succeeded: the download streams into a temporary file there
// (so the final rename never crosses file systems), and every failure path,
// cancellation included, removes it.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrExists is returned by Fetch when the model file is already there.
var ErrExists = errors.New("already fetched")

// ConvertFunc turns the verified checkpoint at path checkpoint into a model
// file written at dst (a temporary name in the models directory; Fetch
// renames it into place once ConvertFunc returns nil).
type ConvertFunc func(ctx context.Context, src Source, checkpoint, dst string) error

// Fetcher downloads and converts checkpoints into Dir. Only Dir and Convert
// are required.
type Fetcher struct {
	Dir     string      // the models directory
	Convert ConvertFunc // checkpoint -> model file
	// Ext is the model file extension, ".csm" if empty.
	Ext string
	// BaseURL is prefixed to Source.File; DefaultBaseURL if empty.
	BaseURL string
	// Client makes the request; http.DefaultClient if nil.
	Client *http.Client
	// Progress receives the progress report (nil: none). Terminal says
	// whether it is a terminal: if so a one-line bar is redrawn in place,
	// otherwise only a start and an end line are written, so logs stay short.
	Progress io.Writer
	Terminal bool
}

// Path returns where the model file for src is stored.
func (f *Fetcher) Path(src Source) string {
	ext := f.Ext
	if ext == "" {
		ext = ".csm"
	}
	return filepath.Join(f.Dir, src.Name+ext)
}

// Fetch downloads src.File, checks its SHA-256 prefix, converts it and
// stores the model file, returning its path. If the model file exists it
// returns that path and ErrExists without any download. Cancelling ctx (for
// example on SIGINT) aborts the download and leaves nothing behind.
func (f *Fetcher) Fetch(ctx context.Context, src Source) (path string, err error) {
	path = f.Path(src)
	if _, err := os.Stat(path); err == nil {
		return path, ErrExists
	}
	want, err := hashPrefix(src.File)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return "", err
	}
	base := f.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	url := strings.TrimSuffix(base, "/") + "/" + src.File

	// Both temporary files start with '.', so a concurrent catalog listing
	// never mistakes them for models.
	part, err := os.CreateTemp(f.Dir, "."+src.File+".*.part")
	if err != nil {
		return "", err
	}
	out := strings.TrimSuffix(part.Name(), ".part") + ".convert"
	defer func() {
		part.Close()
		os.Remove(part.Name())
		if err != nil {
			os.Remove(out)
		}
	}()

	sum, err := f.download(ctx, url, part)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("download of %s interrupted: %w", url, context.Cause(ctx))
		}
		return "", err
	}
	if got := hex.EncodeToString(sum); !strings.HasPrefix(got, want) {
		return "", fmt.Errorf("%s: SHA-256 is %s, but the file name promises %s...: the download is corrupt or was tampered with; nothing was stored", src.File, got, want)
	}
	if err := part.Close(); err != nil {
		return "", err
	}
	if err := f.Convert(ctx, src, part.Name(), out); err != nil {
		return "", fmt.Errorf("convert %s: %w", src.File, err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("interrupted: %w", context.Cause(ctx))
	}
	if err := os.Rename(out, path); err != nil {
		return "", err
	}
	syncDir(f.Dir)
	return path, nil
}

// download streams url into w and returns the SHA-256 of the bytes. A body
// shorter than its Content-Length is an error (net/http reports it as
// io.ErrUnexpectedEOF).
func (f *Fetcher) download(ctx context.Context, url string, w *os.File) ([]byte, error) {
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	h := sha256.New()
	p := newProgress(f.Progress, f.Terminal, filepath.Base(url), resp.ContentLength)
	n, err := io.Copy(io.MultiWriter(w, h, p), resp.Body)
	p.done(err)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("GET %s: connection closed after %d of %d bytes: the download is truncated", url, n, resp.ContentLength)
		}
		return nil, fmt.Errorf("GET %s: after %d bytes: %w", url, n, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return nil, fmt.Errorf("GET %s: got %d of %d bytes: the download is truncated", url, n, resp.ContentLength)
	}
	if err := w.Sync(); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// syncDir flushes a directory entry after a rename (best effort: not every
// file system supports it, and the rename itself is already atomic).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// now is replaced in tests that check the rate shown by the progress bar.
var now = time.Now
