package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"convscope/internal/wasmrelax"

	"github.com/andybalholm/brotli"
)

// The build turns the sources into the site the server serves:
//
//	build/site/            everything the browser loads
//	  index.html, *.css, samples/...   copied from static/ (regular files only)
//	  app.wasm (and one NAME.wasm per main package under wasm/)
//	  worker-relaxed.wasm   the engine worker again, relaxed-SIMD build (wasmVariants)
//	  wasm_exec.js          copied from $(go env GOROOT)/lib/wasm
//	  vugu-render.js        Vugu's DOM helper script, extracted from its source
//	  sw.js, sw-manifest.json  the service worker for offline use (build_sw.go)
//	  NAME.br, NAME.gz      precompressed variants of .wasm, .js, .css, .html
//	build/stamps/NAME.wasm  hash of the inputs of each wasm, to skip rebuilding
//
// build/ sits under the module root and is ignored by git. Each step runs
// only when its output is missing or older than (or hashed differently from)
// its inputs, so a second `go run .` with nothing changed rebuilds nothing.
type builder struct {
	root string // module root (the directory holding go.mod)
	log  *slog.Logger
	// goTool is the go command; its toolchain is pinned to the one that
	// built this program so the wasm and wasm_exec.js match.
	goTool    string
	toolchain string
	built     []string // what this run rebuilt, for the log and the tests
	removed   []string // site files this run deleted because their source is gone
}

func (b *builder) buildDir() string { return filepath.Join(b.root, "build") }
func (b *builder) siteDir() string  { return filepath.Join(b.buildDir(), "site") }

// findModuleRoot walks up from dir to the directory whose go.mod declares
// module convscope.
func findModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(data), []byte("module convscope\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the ConvScope source tree (no go.mod with module convscope above the working directory)")
		}
		dir = parent
	}
}

func newBuilder(root string, log *slog.Logger) *builder {
	tc, _, _ := strings.Cut(runtime.Version(), " ")
	// A binary built with GOEXPERIMENT=simd reports go1.27.3-X:simd, which
	// is not a toolchain name: pin the release it names.
	tc, _, _ = strings.Cut(tc, "-X:")
	if !strings.HasPrefix(tc, "go1.") {
		tc = "" // a development toolchain: let go choose
	}
	return &builder{root: root, log: log, goTool: "go", toolchain: tc}
}

// build brings build/site up to date.
func (b *builder) build() error {
	start := time.Now()
	if err := os.MkdirAll(b.siteDir(), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(b.buildDir(), "stamps"), 0o755); err != nil {
		return err
	}
	if err := b.generateVugu(); err != nil {
		return err
	}
	if err := b.copyStatic(); err != nil {
		return err
	}
	if err := b.copyWasmExec(); err != nil {
		return err
	}
	if err := b.writeVuguRender(); err != nil {
		return err
	}
	mains, err := b.wasmMains()
	if err != nil {
		return err
	}
	for _, m := range mains {
		if err := b.buildWasm(m, wasmVariant{}); err != nil {
			return err
		}
		for _, v := range wasmVariants[m] {
			if err := b.buildWasm(m, v); err != nil {
				return err
			}
		}
	}
	if err := b.prune(mains); err != nil {
		return err
	}
	// After every other file of the site is final: the manifest hashes them.
	if err := b.writeServiceWorker(); err != nil {
		return err
	}
	if err := b.compressSite(); err != nil {
		return err
	}
	if len(b.removed) > 0 {
		b.log.Info("removed from the site (source gone)", "files", b.removed)
	}
	if len(b.built) == 0 {
		b.log.Info("build up to date", "dir", b.siteDir())
	} else {
		b.log.Info("built", "dir", b.siteDir(), "outputs", b.built, "elapsed", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}

func (b *builder) goCmd(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(b.goTool, args...)
	cmd.Dir = b.root
	cmd.Env = os.Environ()
	if b.toolchain != "" {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN="+b.toolchain)
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func (b *builder) run(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.Bytes())
	}
	return out, nil
}

// generateVugu reruns vugugen (go generate ./web/...) when a .vugu file is
// newer than its generated x_vgen.go.
func (b *builder) generateVugu() error {
	stale := false
	err := filepath.WalkDir(filepath.Join(b.root, "web"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".vugu" {
			return err
		}
		src, err := d.Info()
		if err != nil {
			return err
		}
		gen, err := os.Stat(strings.TrimSuffix(p, ".vugu") + "_vgen.go")
		if err != nil || gen.ModTime().Before(src.ModTime()) {
			stale = true
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) || !stale {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := b.run(b.goCmd(nil, "generate", "./web/...")); err != nil {
		return err
	}
	b.built = append(b.built, "web/*_vgen.go")
	return nil
}

// copyStatic mirrors static/ into the site. Only regular files are copied:
// a symlink in static/ is skipped, so it can never expose a file from
// elsewhere on the machine.
func (b *builder) copyStatic() error {
	src := filepath.Join(b.root, "static")
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(b.siteDir(), rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case !d.Type().IsRegular():
			b.log.Warn("static: skipping a file that is not a regular file", "path", p)
			return nil
		case rel == swSource:
			return nil // written with the build's version by writeServiceWorker
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		if old, err := os.Stat(dst); err == nil && old.Size() == st.Size() && old.ModTime().Equal(st.ModTime()) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(dst, data); err != nil {
			return err
		}
		b.built = append(b.built, rel)
		// Same mtime as the source: the next run sees it is current.
		return os.Chtimes(dst, st.ModTime(), st.ModTime())
	})
}

// prune deletes site files whose source is gone (a file removed from
// static/, a wasm main that no longer exists), with their compressed
// variants, so that neither the server nor an export serves them.
func (b *builder) prune(mains []string) error {
	keep := map[string]bool{"wasm_exec.js": true, "vugu-render.js": true}
	for _, m := range mains {
		keep[path.Base(m)+".wasm"] = true
		for _, v := range wasmVariants[m] {
			keep[path.Base(m)+v.suffix+".wasm"] = true
		}
	}
	static := filepath.Join(b.root, "static")
	err := filepath.WalkDir(static, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(static, p)
		keep[filepath.ToSlash(rel)] = true
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	keep[swManifest] = keep[swSource] // written beside the service worker
	return filepath.WalkDir(b.siteDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(b.siteDir(), p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		src := rel
		for _, enc := range encodings {
			if base, ok := strings.CutSuffix(rel, enc.ext); ok && compressible[path.Ext(base)] {
				src = base
			}
		}
		if keep[src] && !strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		b.removed = append(b.removed, rel)
		return os.Remove(p)
	})
}

// goEnv returns one `go env` value of the pinned toolchain.
func (b *builder) goEnv(name string) (string, error) {
	out, err := b.run(b.goCmd(nil, "env", name))
	return strings.TrimSpace(string(out)), err
}

// copyWasmExec copies the JavaScript support file of the same Go release
// that builds the wasm (they must match).
func (b *builder) copyWasmExec() error {
	goroot, err := b.goEnv("GOROOT")
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("wasm_exec.js of the Go toolchain: %w", err)
	}
	return b.writeIfChanged("wasm_exec.js", data)
}

// writeVuguRender extracts Vugu's DOM helper script (the jsHelperScript
// constant of package domrender) into vugu-render.js. domrender.New evals
// that string; the page's Content-Security-Policy has no 'unsafe-eval', so the
// page loads the same script as a file instead (see wasm/app).
func (b *builder) writeVuguRender() error {
	out, err := b.run(b.goCmd(nil, "list", "-m", "-f", "{{.Dir}}", "github.com/vugu/vugu"))
	if err != nil {
		return err
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "domrender", "renderer-js-script.go")
	script, err := extractStringConst(file, "jsHelperScript")
	if err != nil {
		return err
	}
	return b.writeIfChanged("vugu-render.js", []byte(script+"\n"))
}

// extractStringConst returns the value of a string constant in a Go file.
func extractStringConst(file, name string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return "", err
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, id := range vs.Names {
				if id.Name != name || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return "", fmt.Errorf("%s: %s is not a string literal", file, name)
				}
				return strconv.Unquote(lit.Value)
			}
		}
	}
	return "", fmt.Errorf("%s: no constant %s", file, name)
}

// writeIfChanged writes a generated site file unless it already has exactly
// these bytes.
func (b *builder) writeIfChanged(rel string, data []byte) error {
	dst := filepath.Join(b.siteDir(), rel)
	if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := writeFileAtomic(dst, data); err != nil {
		return err
	}
	b.built = append(b.built, rel)
	return nil
}

// wasmMains lists the main packages under wasm/ (at any depth) by their
// import path relative to the module: wasm/app becomes app.wasm.
func (b *builder) wasmMains() ([]string, error) {
	if _, err := os.Stat(filepath.Join(b.root, "wasm")); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	out, err := b.run(b.goCmd(wasmEnv, "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./wasm/..."))
	if err != nil {
		return nil, err
	}
	var mains []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if i := strings.Index(line, "/wasm/"); i >= 0 {
			mains = append(mains, line[i+len("/wasm/"):])
		}
	}
	return mains, nil
}

// wasmEnv is the environment of every wasm build: SIMD kernels are compiled
// in (GOEXPERIMENT=simd).
var wasmEnv = []string{"GOOS=js", "GOARCH=wasm", "GOEXPERIMENT=simd"}

// wasmVariant is a second build of a wasm main with build tags, written as
// NAME+suffix.wasm.
type wasmVariant struct {
	suffix string
	tags   string
	// relaxed: the module has relaxed-SIMD ops, which Go 1.27.3's assembler
	// encodes wrong; internal/wasmrelax fixes them in the linked module
	// (an unfixed one fails validation, it cannot compute wrong numbers).
	relaxed bool
}

// wasmVariants lists the extra builds per main. The engine worker is also
// built with relaxed SIMD (-tags convscope_relaxed: the GEMM tiles multiply-
// add with f32x4.relaxed_madd, FMA): a module with a relaxed op does not
// validate where relaxed SIMD is missing (Safari), so it is a file of its
// own, which static/worker.js loads only when the browser validates a
// relaxed op, else worker.wasm. Its results differ from the plain build's in
// the last bits (FMA rounds once).
var wasmVariants = map[string][]wasmVariant{
	"worker": {{suffix: "-relaxed", tags: "convscope_relaxed", relaxed: true}},
}

// flags are the go command's flags for this variant (build tags).
func (v wasmVariant) flags() []string {
	if v.tags == "" {
		return nil
	}
	return []string{"-tags", v.tags}
}

// buildWasm builds wasm/NAME into NAME.wasm (NAME+v.suffix.wasm for a
// variant) when the hash of its inputs changed: the toolchain, the
// environment, the content of every file of the module's own packages it
// depends on, and the versions of other modules.
func (b *builder) buildWasm(name string, v wasmVariant) error {
	base := path.Base(name) + v.suffix // wasm/app -> app.wasm
	out := filepath.Join(b.siteDir(), base+".wasm")
	stamp := filepath.Join(b.buildDir(), "stamps", base+".wasm")
	sum, err := b.wasmInputHash(name, v)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(stamp); err == nil && string(old) == sum {
		if _, err := os.Stat(out); err == nil {
			return nil
		}
	}
	tmp := out + ".tmp"
	args := slices.Concat([]string{"build", "-trimpath"}, v.flags(), []string{"-o", tmp, "./wasm/" + name})
	if _, err := b.run(b.goCmd(wasmEnv, args...)); err != nil {
		os.Remove(tmp)
		return err
	}
	if v.relaxed {
		// Fixed in the temporary file: the site never holds an unfixed module.
		n, err := wasmrelax.FixFile(tmp)
		if err == nil && n == 0 {
			// The tag no longer selects relaxed kernels: the file would be a
			// copy of the plain build under a name that promises FMA.
			err = errors.New("the relaxed-SIMD build has no relaxed ops")
		} else if err != nil {
			err = fmt.Errorf("fixing relaxed-SIMD ops: %w", err)
		}
		if err != nil {
			os.Remove(tmp)
			return fmt.Errorf("%s.wasm: %w", base, err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	b.built = append(b.built, base+".wasm")
	return os.WriteFile(stamp, []byte(sum), 0o644)
}

type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	SFiles     []string // assembly kernels (engine/gemm, vec, conv)
	HFiles     []string // included by the .s files
	EmbedFiles []string
	Module     *struct {
		Path    string
		Version string
		Main    bool
	}
}

func (b *builder) wasmInputHash(name string, v wasmVariant) (string, error) {
	args := slices.Concat([]string{"list"}, v.flags(), []string{"-deps", "-json=ImportPath,Dir,Standard,GoFiles,SFiles,HFiles,EmbedFiles,Module", "./wasm/" + name})
	out, err := b.run(b.goCmd(wasmEnv, args...))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "toolchain %s\nenv %v\ntags %q\n", b.toolchain, wasmEnv, v.tags)
	if v.relaxed {
		// The fix is part of the output: a change to it rebuilds.
		fmt.Fprintf(h, "wasmrelax\n")
		if err := hashFile(h, filepath.Join(b.root, "internal", "wasmrelax", "wasmrelax.go")); err != nil {
			return "", err
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if err := hashFile(h, filepath.Join(b.root, f)); err != nil {
			return "", err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return "", err
		}
		if p.Standard {
			continue
		}
		if p.Module != nil && !p.Module.Main {
			fmt.Fprintf(h, "module %s %s\n", p.Module.Path, p.Module.Version)
			continue
		}
		fmt.Fprintf(h, "package %s\n", p.ImportPath)
		// Assembly and its headers too: an edited kernel must rebuild.
		for _, f := range slices.Concat(p.GoFiles, p.SFiles, p.HFiles, p.EmbedFiles) {
			fmt.Fprintf(h, "file %s\n", f)
			if err := hashFile(h, filepath.Join(p.Dir, f)); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(h, f)
	return err
}

// compressSite writes NAME.br and NAME.gz beside every compressible file of
// the site whose variants are missing or older than it, one file per core
// at a time.
func (b *builder) compressSite() error {
	type job struct{ src, dst, coding string }
	var jobs []job
	err := filepath.WalkDir(b.siteDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !compressible[filepath.Ext(p)] || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".tmp-") {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		for _, enc := range encodings {
			dst := p + enc.ext
			if cst, err := os.Stat(dst); err == nil && !cst.ModTime().Before(st.ModTime()) {
				continue
			}
			jobs = append(jobs, job{p, dst, enc.name})
		}
		return nil
	})
	if err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		done []string
		next = make(chan job)
	)
	for range min(runtime.GOMAXPROCS(0), max(len(jobs), 1)) {
		wg.Go(func() {
			for j := range next {
				err := compressFile(j.src, j.dst, j.coding)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					rel, _ := filepath.Rel(b.siteDir(), j.dst)
					done = append(done, rel)
				}
				mu.Unlock()
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	slices.Sort(done) // the workers finish in any order
	b.built = append(b.built, done...)
	return errors.Join(errs...)
}

func compressFile(src, dst, coding string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	z, err := compress(coding, data)
	if err != nil {
		return err
	}
	return writeFileAtomic(dst, z)
}

// Compression levels, measured on the 13 MB app.wasm: brotli quality 6
// gives 2.96 MB in 4 s where quality 9 gives 2.89 MB in 16 s (and 11 is
// slower still); gzip's default level is within 1% of its best here.
const (
	brotliQuality = 6
	gzipLevel     = gzip.DefaultCompression
)

func compress(coding string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "br":
		w = brotli.NewWriterLevel(&buf, brotliQuality)
	case "gzip":
		zw, err := gzip.NewWriterLevel(&buf, gzipLevel)
		if err != nil {
			return nil, err
		}
		w = zw
	default:
		return nil, fmt.Errorf("unknown coding %q", coding)
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeFileAtomic writes data to a temporary file beside dst and renames it,
// so the server never serves a half-written file.
func writeFileAtomic(dst string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+filepath.Base(dst)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}
