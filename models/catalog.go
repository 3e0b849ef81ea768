package models

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"convscope/models/builtin"
	"convscope/models/modelfile"
)

// Ext is the model file extension.
const Ext = builtin.Ext

// Info describes one model of the catalog.
type Info struct {
	Name    string `json:"name"`
	Arch    string `json:"arch"`
	Dataset string `json:"dataset"` // "imagenet" | "cifar10"
	Params  int64  `json:"params"`
	MACs    int64  `json:"macs"`
	Bytes   int64  `json:"bytes"` // model file size (expected size if not yet fetched)
	// BytesEstimated is set when Bytes is computed from the definition
	// for a model not fetched yet (exact data size, estimated metadata).
	BytesEstimated bool    `json:"bytes_estimated,omitempty"`
	Top1           float64 `json:"top1"`
	Top5           float64 `json:"top5"`
	AccuracySource string  `json:"accuracy_source,omitempty"`
	Available      bool    `json:"available"`
	BuiltIn        bool    `json:"builtin"`
	SHA256         string  `json:"sha256,omitempty"` // of the model file, when available
	Path           string  `json:"-"`                // where the file is, when available in dir

	// Depth, ConvParams and FCParams come from the architecture's
	// definition (see Summary), so they are known before a download; a file
	// of an architecture ConvScope has no definition of (an ONNX import) is
	// summarized from its own graph. They are zero when the figures would
	// not add up to Params.
	Depth      int   `json:"depth,omitempty"`
	ConvParams int64 `json:"conv_params,omitempty"` // batch norm folded in: its 2 per channel count here
	FCParams   int64 `json:"fc_params,omitempty"`
	// Published says in words where Top1 and Top5 come from (see published).
	Published string `json:"published,omitempty"`
}

// Errors Find and Open wrap, so that callers (the server) can tell a
// missing model from a failure.
var (
	ErrBadName      = errors.New("bad model name")
	ErrUnknownModel = errors.New("unknown model")
	ErrNotAvailable = errors.New("model not available")
)

// nameRE is what a model name may be: it becomes a file name and a URL
// path segment, so no separators, no dot files.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// CheckName reports whether name may name a model (lower-case letters,
// digits, '_', '.', '-'; at most 64 characters; not starting with a dot).
func CheckName(name string) error {
	if !nameRE.MatchString(name) || strings.HasSuffix(name, Ext) {
		return fmt.Errorf("%w %q: use lower-case letters, digits, '_', '.' and '-' (at most 64)", ErrBadName, name)
	}
	return nil
}

// DefaultDir is where fetched and imported models are stored by default:
// convscope/models under the user's cache directory.
func DefaultDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no default models directory: %w", err)
	}
	return filepath.Join(d, "convscope", "models"), nil
}

// PathFor is where the model called name is stored in dir (what fetch and
// import write, and what Catalog looks for).
func PathFor(dir, name string) string { return filepath.Join(dir, name+Ext) }

// Catalog lists the built-in models, torchvision's catalog (available once
// fetched into dir) and every other model file in dir, in that order. A
// missing dir is an empty one. Files in dir named like a built-in model are
// ignored: the built-in one is what the name means.
func Catalog(dir string) ([]Info, error) {
	var out []Info
	names := map[string]bool{}
	for _, name := range builtin.Names() {
		info, err := builtinInfo(name)
		if err != nil {
			return nil, err
		}
		names[name] = true
		out = append(out, info)
	}
	for _, w := range torchvisionWeights {
		info, err := torchvisionInfo(dir, w)
		if err != nil {
			return nil, err
		}
		names[w.Name] = true
		out = append(out, info)
	}
	if dir == "" {
		return withPublished(out), nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var extra []Info
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), Ext)
		if !ok || e.IsDir() || names[name] || CheckName(name) != nil {
			continue
		}
		info, err := fileInfo(PathFor(dir, name))
		if errors.Is(err, errTwinFile) {
			continue // a float32 twin is a reference, not a model to pick
		}
		if err != nil {
			// One unreadable file does not hide the others; it shows as
			// unavailable so the user sees it is there.
			info = Info{Name: name, Arch: "?", Path: PathFor(dir, name)}
		}
		extra = append(extra, info)
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].Name < extra[j].Name })
	return withPublished(append(out, extra...)), nil
}

// Find returns the catalog entry of name in dir.
func Find(dir, name string) (Info, error) {
	if err := CheckName(name); err != nil {
		return Info{}, err
	}
	all, err := Catalog(dir)
	if err != nil {
		return Info{}, err
	}
	var known []string
	for _, info := range all {
		if info.Name == name {
			return info, nil
		}
		known = append(known, info.Name)
	}
	return Info{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, name, strings.Join(known, ", "))
}

// Open opens the file of an available model: a built-in one, or
// PathFor(dir, name). A torchvision model not fetched yet is an error that
// says how to fetch it.
func Open(dir, name string) (io.ReadSeekCloser, Info, error) {
	info, err := Find(dir, name)
	if err != nil {
		return nil, info, err
	}
	if !info.Available {
		if _, ok := TorchvisionWeights(name); ok {
			return nil, info, fmt.Errorf("%w: %q is not fetched yet: run 'convscope fetch %s'", ErrNotAvailable, name, name)
		}
		return nil, info, fmt.Errorf("%w: %q in %s is not a readable model file", ErrNotAvailable, name, dir)
	}
	var f fs.File
	if info.BuiltIn {
		f, err = builtin.FS().Open(name + Ext)
	} else {
		f, err = os.Open(info.Path)
	}
	if err != nil {
		return nil, info, err
	}
	rsc, ok := f.(io.ReadSeekCloser)
	if !ok {
		f.Close()
		return nil, info, fmt.Errorf("model %q: file cannot seek", name)
	}
	return rsc, info, nil
}

// LoadName loads the named model of the catalog (see Open).
func LoadName(dir, name string) (*Model, error) {
	f, _, err := Open(dir, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	m, err := LoadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	return m, nil
}

var builtinInfos sync.Map // name -> Info; the embedded files never change

func builtinInfo(name string) (Info, error) {
	if info, ok := builtinInfos.Load(name); ok {
		return info.(Info), nil
	}
	b, err := fs.ReadFile(builtin.FS(), name+Ext)
	if err != nil {
		return Info{}, err
	}
	info, err := metaInfo(bytes.NewReader(b))
	if err != nil {
		return Info{}, fmt.Errorf("built-in model %s: %w", name, err)
	}
	sum := sha256.Sum256(b)
	info.Name, info.Bytes, info.SHA256, info.BuiltIn, info.Available = name, int64(len(b)), hex.EncodeToString(sum[:]), true, true
	builtinInfos.Store(name, info)
	return info, nil
}

func torchvisionInfo(dir string, w Weights) (Info, error) {
	if dir != "" {
		p := PathFor(dir, w.Name)
		if _, err := os.Stat(p); err == nil {
			if info, err := fileInfo(p); err == nil {
				info.Name = w.Name
				if info.Top1 == 0 {
					info.Top1, info.Top5, info.AccuracySource = w.Top1, w.Top5, AccuracySource
				}
				return info, nil
			}
		}
	}
	est, err := estimate(w.Name)
	if err != nil {
		return Info{}, err
	}
	info := Info{
		Name: w.Name, Arch: w.Name, Dataset: "imagenet", Params: w.Params, MACs: est.macs,
		Bytes: est.bytes, BytesEstimated: true, Top1: w.Top1, Top5: w.Top5, AccuracySource: AccuracySource,
	}
	addSummary(&info, Config{})
	return info, nil
}

// fileInfo describes a model file in a directory; its SHA-256 is cached by
// path, size and modification time, so listing does not rehash big files.
func fileInfo(path string) (Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Info{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	info, err := metaInfo(f)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	sum, err := fileSum(path, st)
	if err != nil {
		return Info{}, err
	}
	info.Name = strings.TrimSuffix(filepath.Base(path), Ext)
	info.Bytes, info.SHA256, info.Available, info.Path = st.Size(), sum, true, path
	return info, nil
}

// metaInfo fills an Info from a file's metadata (no checksum check: the
// file is verified when loaded).
func metaInfo(r io.Reader) (Info, error) {
	m, _, err := modelfile.ReadMeta(r)
	if err != nil {
		return Info{}, err
	}
	if m.TwinOf != "" {
		return Info{}, fmt.Errorf("%w of %s", errTwinFile, m.TwinOf)
	}
	info := Info{Name: m.Name, Arch: m.Arch, Dataset: m.Dataset, Params: m.Params, MACs: m.MACs}
	if len(m.Accuracy) > 0 {
		info.Top1, info.Top5, info.AccuracySource = m.Accuracy[0].Top1, m.Accuracy[0].Top5, m.Accuracy[0].Source
	}
	addFileSummary(&info, m)
	return info, nil
}

type sumKey struct {
	path string
	size int64
	mod  time.Time
}

var sums sync.Map // sumKey -> string

func fileSum(path string, st fs.FileInfo) (string, error) {
	k := sumKey{path, st.Size(), st.ModTime()}
	if s, ok := sums.Load(k); ok {
		return s.(string), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	s := hex.EncodeToString(h.Sum(nil))
	sums.Store(k, s)
	return s, nil
}
