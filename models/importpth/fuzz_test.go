package importpth

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadPth feeds mutated checkpoints to Read. Read must return an error
// or a consistent state_dict; panics inside gopickle are turned into errors
// by Read (and tolerated here), panics in this package's code fail the run.
func FuzzReadPth(f *testing.F) {
	for _, name := range []string{"tensors_zip.pth", "tensors_legacy.pth", "wrapped_zip.pth"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	onPanic = func(p any, stack []byte) {
		if fn := panickingFunc(string(stack)); strings.HasPrefix(fn, "convscope/") {
			f.Fatalf("panic in %s: %v\n%s", fn, p, stack)
		}
	}
	defer func() { onPanic = nil }()
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for k, v := range sd {
			n := 1
			for _, d := range v.Shape {
				if d <= 0 {
					t.Fatalf("%s: shape %v", k, v.Shape)
				}
				n *= d
			}
			if n != len(v.Data) {
				t.Fatalf("%s: shape %v but %d values", k, v.Shape, len(v.Data))
			}
		}
	})
}

// panickingFunc returns the first non-runtime function below panic() in a
// debug.Stack() trace: the code that panicked.
func panickingFunc(stack string) string {
	lines := strings.Split(stack, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "panic(") {
			continue
		}
		for _, fl := range lines[i+1:] {
			if fl == "" || strings.HasPrefix(fl, "\t") || strings.HasPrefix(fl, "runtime.") {
				continue
			}
			return fl
		}
	}
	return ""
}

func TestPanickingFunc(t *testing.T) {
	stack := "goroutine 1 [running]:\nruntime/debug.Stack()\n\t/x.go:1\nconvscope/models/importpth.Read.func1()\n\t/y.go:2\npanic({0x1, 0x2})\n\t/p.go:3\nruntime.goPanicIndex(...)\n\t/q.go:4\ngithub.com/nlpodyssey/gopickle/pickle.loadAppend(...)\n\t/z.go:5\n"
	if got := panickingFunc(stack); !strings.HasPrefix(got, "github.com/nlpodyssey/gopickle/pickle.loadAppend") {
		t.Errorf("panickingFunc = %q", got)
	}
}
