package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tinyModule makes a module like this one (same go.mod and go.sum, so the
// same Vugu version) with a one-line wasm main and a small static folder.
func tinyModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel, s string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("wasm/hello/main.go", "package main\n\nfunc main() { println(\"hello\") }\n")
	// Assembly and a header it includes are inputs like the Go files.
	write("wasm/hello/k.s", "#include \"k.h\"\n")
	write("wasm/hello/k.h", "// nothing yet\n")
	write("static/index.html", "<!doctype html><title>t</title>\n")
	write("static/style.css", "body { color: black; }\n")
	write("static/samples/a.jpg", "\xff\xd8\xff")
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("TOP SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "static", "leak.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBuildStaleness: a second build with nothing changed does nothing; a
// changed input rebuilds exactly what depends on it.
func TestBuildStaleness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm binary; skipped in -short mode")
	}
	dir := tinyModule(t)
	b := newBuilder(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	build := func() []string {
		t.Helper()
		b.built, b.removed = nil, nil
		start := time.Now()
		if err := b.build(); err != nil {
			t.Fatal(err)
		}
		t.Logf("build in %v: %v", time.Since(start).Round(time.Millisecond), b.built)
		return b.built
	}

	first := build()
	for _, want := range []string{"hello.wasm", "hello.wasm.br", "hello.wasm.gz", "wasm_exec.js", "wasm_exec.js.br", "vugu-render.js", "index.html", "style.css.gz", "samples/a.jpg"} {
		if !slices.Contains(first, want) {
			t.Errorf("first build did not write %s", want)
		}
	}
	site := b.siteDir()
	if _, err := os.Lstat(filepath.Join(site, "leak.txt")); err == nil {
		t.Error("a symlink in static/ was copied into the site")
	}
	if _, err := os.Stat(filepath.Join(site, "samples", "a.jpg.br")); err == nil {
		t.Error("a JPEG got a compressed variant")
	}
	js, err := os.ReadFile(filepath.Join(site, "vugu-render.js"))
	if err != nil || !strings.HasPrefix(string(js), "(function(){if(window.vuguRender)return;") {
		t.Errorf("vugu-render.js does not look like Vugu's helper script: %.60q %v", js, err)
	}

	if again := build(); len(again) != 0 {
		t.Errorf("second build with nothing changed rebuilt %v", again)
	}

	// Same bytes, newer mtime: the wasm is not rebuilt (inputs are hashed).
	main := filepath.Join(dir, "wasm", "hello", "main.go")
	later := time.Now().Add(time.Minute)
	os.Chtimes(main, later, later)
	if again := build(); len(again) != 0 {
		t.Errorf("touching a source rebuilt %v", again)
	}

	if err := os.WriteFile(main, []byte("package main\n\nfunc main() { println(\"hello again\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := build(); !slices.Equal(got, []string{"hello.wasm", "hello.wasm.br", "hello.wasm.gz"}) {
		t.Errorf("after editing the wasm source, rebuilt %v; want the wasm and its variants", got)
	}

	// An edited kernel or its header rebuilds (they are hashed like the Go
	// files: the engine's kernels are .s files including .h files).
	for _, f := range []string{"k.s", "k.h"} {
		p := filepath.Join(dir, "wasm", "hello", f)
		old, _ := os.ReadFile(p)
		if err := os.WriteFile(p, append(old, "// edited\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := build(); !slices.Equal(got, []string{"hello.wasm", "hello.wasm.br", "hello.wasm.gz"}) {
			t.Errorf("after editing %s, rebuilt %v; want the wasm and its variants", f, got)
		}
	}

	css := filepath.Join(dir, "static", "style.css")
	os.WriteFile(css, []byte("body { color: navy; }\n"), 0o644)
	os.Chtimes(css, later, later)
	if got := build(); !slices.Equal(got, []string{"style.css", "style.css.br", "style.css.gz"}) {
		t.Errorf("after editing style.css, rebuilt %v", got)
	}

	// A file removed from static/ leaves the site, with its variants.
	if err := os.Remove(css); err != nil {
		t.Fatal(err)
	}
	if got := build(); len(got) != 0 || !slices.Equal(b.removed, []string{"style.css", "style.css.br", "style.css.gz"}) {
		t.Errorf("after removing style.css: rebuilt %v, removed %v", got, b.removed)
	}
	if _, err := os.Stat(filepath.Join(site, "style.css.br")); err == nil {
		t.Error("style.css.br is still in the site")
	}
	if again := build(); len(again) != 0 || len(b.removed) != 0 {
		t.Errorf("the build after a removal is not quiet: %v %v", again, b.removed)
	}
}

func TestExtractStringConst(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.go")
	os.WriteFile(f, []byte("package x\n\nconst a, b = \"one\", \"t\\\"wo\"\nconst c = 3\n"), 0o644)
	if s, err := extractStringConst(f, "b"); err != nil || s != `t"wo` {
		t.Errorf("b = %q, %v", s, err)
	}
	if _, err := extractStringConst(f, "c"); err == nil {
		t.Error("a non-string constant was accepted")
	}
	if _, err := extractStringConst(f, "d"); err == nil {
		t.Error("a missing constant was accepted")
	}
}
