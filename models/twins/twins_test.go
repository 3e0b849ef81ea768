package twins_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"convscope/models"
	"convscope/models/builtin"
	"convscope/models/twins"
)

// TestTwinsMatchBuiltin: every twin shipped here is the float32 twin of
// the built-in model of its name: quantizing its weights per output
// channel gives the built-in file's int8 values and scales bit for bit,
// and everything else (graph, biases, labels, preprocessing) is equal.
func TestTwinsMatchBuiltin(t *testing.T) {
	names := twins.Names()
	if len(names) == 0 {
		t.Skip("no float32 twins in models/twins")
	}
	for _, name := range names {
		tb, err := fs.ReadFile(twins.FS(), name+twins.Ext)
		if err != nil {
			t.Fatal(err)
		}
		qb, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
		if err != nil {
			t.Errorf("twin %s: no built-in model of that name: %v", name, err)
			continue
		}
		tw, err := models.LoadBytes(tb)
		if err != nil {
			t.Errorf("twin %s: %v", name, err)
			continue
		}
		q, err := models.LoadBytes(qb)
		if err != nil {
			t.Fatal(err)
		}
		if err := models.CheckTwin(q, tw); err != nil {
			t.Errorf("twin %s: %v", name, err)
			continue
		}
		weights, int8s := 0, 0
		for _, c := range q.Graph().Consts {
			weights++
			if c.Int8 != nil {
				int8s++
			}
		}
		t.Logf("%s: twin %d bytes, int8 file %d bytes; %d constants (%d int8) reproduced exactly", name, len(tb), len(qb), weights, int8s)
	}
}

// TestNotInWasm: the twins reach the browser only by download. No package
// of the WebAssembly binaries may import this one (its embedded files
// would be compiled into every one of them).
func TestNotInWasm(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command to list the wasm packages' dependencies")
		}
	}
	cmd := exec.Command(gobin, "list", "-deps", "-f", "{{.ImportPath}}", "convscope/wasm/...")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOEXPERIMENT=simd")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list found only %v", deps)
	}
	for _, d := range deps {
		if d == "convscope/models/twins" {
			t.Fatal("a wasm binary imports convscope/models/twins: the float32 twins would be compiled into it")
		}
	}
}
