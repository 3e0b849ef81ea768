package main

import (
	"strings"
	"testing"
)

// TestAppBenchTable: the app bench's speed table shows, per worker count,
// the first classify after the idle warm-up and the median round trip of
// the next ones, with the worker's run_ms beside them, and says which
// photo the CIFAR-10 models classified.
func TestAppBenchTable(t *testing.T) {
	mem := &appMemory{Wasm: 20e6, GoSys: 16e6, Workers: 1}
	r := &appBenchReport{
		Browser: "Chromium 1", Engine: "worker-relaxed.wasm", Image: "/x/shared/data/samples/dog.jpg", CIFAR: "/x/static/samples/cifar10/dog.jpg",
		Rows: []appBenchRow{{Model: "vgg_cifar", Workers: 1, FileBytes: 1e6, Loaded: mem, Classified: mem, Peak: mem, RunMs: 30, AgainMs: 6, Maps: 23}},
		Speed: []appSpeedRow{
			{Model: "vgg_cifar", Workers: 1, FirstMs: 9.46, FirstRunMs: 7.25, MedianMs: 8.04, MedianRun: 6.5, Ms: []float64{8, 9}, RunMs: []float64{6, 7}},
			{Model: "vgg_cifar", Workers: 1, FirstMs: 12, FirstRunMs: 10, MedianMs: 12.06, MedianRun: 9.75, Ms: []float64{12, 12.1}, RunMs: []float64{9.7, 9.8}},
		},
	}
	var b strings.Builder
	if err := r.writeTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "image dog.jpg (CIFAR-10 models: cifar10/dog.jpg") {
		t.Errorf("the table does not name the CIFAR-10 sample:\n%s", out)
	}
	_, speed, ok := strings.Cut(out, "Classify ms as the user waits")
	if !ok {
		t.Fatalf("no speed table:\n%s", out)
	}
	var rows []string
	for _, l := range strings.Split(speed, "\n") {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "model" || f[0] == "vgg_cifar") {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	want := []string{
		"model workers first ms median ms vs first row run ms runs ms",
		"vgg_cifar 1 9.5 8.0 1.00 7.2 / 6.5 8 9",
		"vgg_cifar 1 12.0 12.1 1.50 10.0 / 9.8 12 12",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("speed table rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}
