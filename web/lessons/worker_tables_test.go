package lessons

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"convscope/models"
	"convscope/models/builtin"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
	"convscope/wasm/worker/session"
	"convscope/web/protocol"
)

// The lessons on the layer tables the worker really sends: its session
// (wasm/worker/session, plain Go) loads the built-in models and, unless
// -short, torchvision's GoogLeNet and ResNet-18 with random weights. Every
// function must give the same numbers on the worker's table (batch norm
// folded, edges that skip flatten and dropout) as on the hand-built twin,
// which writes every edge out (nets_test.go).

func workerTable(t *testing.T, file []byte) *protocol.Loaded {
	t.Helper()
	sum := sha256.Sum256(file)
	var s session.Session
	l, err := s.Load(file, hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func builtinTable(t *testing.T, name string) *protocol.Loaded {
	t.Helper()
	b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
	if err != nil {
		t.Fatalf("built-in model %s (committed in models/builtin): %v", name, err)
	}
	return workerTable(t, b)
}

func randomTable(t *testing.T, arch string) *protocol.Loaded {
	t.Helper()
	def, err := models.Arch(arch)
	if err != nil {
		t.Fatal(err)
	}
	f, err := models.Convert(def, def.RandomStateDict(1), models.Meta{
		Name: arch, Dataset: "imagenet", Labels: labels.ImageNet(), Preprocess: preprocess.ImageNet(),
		Source: "random weights (test)",
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return workerTable(t, b)
}

func TestWorkerTables(t *testing.T) {
	type pair struct {
		real func(t *testing.T) *protocol.Loaded
		hand *protocol.Loaded
	}
	builtinPair := func(hand *protocol.Loaded) pair {
		return pair{func(t *testing.T) *protocol.Loaded { return builtinTable(t, hand.Name) }, hand}
	}
	randomPair := func(hand *protocol.Loaded) pair {
		return pair{func(t *testing.T) *protocol.Loaded {
			if testing.Short() {
				t.Skip("-short: no full-size random model")
			}
			return randomTable(t, hand.Name)
		}, hand}
	}
	for _, p := range []pair{
		builtinPair(resnetCIFARNet(true)), builtinPair(resnetCIFARNet(false)), builtinPair(vggCIFARNet()),
		builtinPair(googlenetCIFARNet()), builtinPair(alexnetCIFARNet()),
		randomPair(googlenetNet()), randomPair(resnet18Net()),
	} {
		t.Run(p.hand.Name, func(t *testing.T) {
			real, hand := p.real(t), p.hand
			if real.Name != hand.Name || real.Params != hand.Params || real.MACs != hand.MACs || len(real.Layers) != len(hand.Layers) {
				t.Fatalf("worker: %s %d params %d MACs %d layers; hand-built: %s %d %d %d",
					real.Name, real.Params, real.MACs, len(real.Layers), hand.Name, hand.Params, hand.MACs, len(hand.Layers))
			}
			same := func(what string, f func(l *protocol.Loaded) (any, error)) {
				t.Helper()
				r, err := f(real)
				if err != nil {
					t.Errorf("%s on the worker's table: %v", what, err)
					return
				}
				h, err := f(hand)
				if err != nil {
					t.Errorf("%s on the hand-built table: %v", what, err)
					return
				}
				if !reflect.DeepEqual(r, h) {
					t.Errorf("%s differ:\nworker     %+v\nhand-built %+v", what, r, h)
				}
			}
			same("receptive fields", func(l *protocol.Loaded) (any, error) { return ReceptiveFields(l) })
			same("inception modules", func(l *protocol.Loaded) (any, error) { return InceptionModules(l) })
			same("stacks", func(l *protocol.Loaded) (any, error) { return Stacks(l) })
			same("widths", func(l *protocol.Loaded) (any, error) { return Widths(l) })
			same("costs", func(l *protocol.Loaded) (any, error) { return LayerCosts(l, nil) })
			same("dropouts", func(l *protocol.Loaded) (any, error) { return Dropouts(l) })
			same("fc share", func(l *protocol.Loaded) (any, error) { fc, total := FCShare(l); return [2]int64{fc, total}, nil })
			same("conv vs fc", func(l *protocol.Loaded) (any, error) {
				var out []ConvFC
				for _, li := range l.Layers {
					if li.Kind == "conv" {
						c, err := CompareConvFC(li)
						if err != nil {
							return nil, err
						}
						out = append(out, c)
					}
				}
				return out, nil
			})
		})
	}
}

// TestWorkerRuns classifies a CIFAR-10 test image with each built-in model
// in the worker's session and checks the lessons that read the run: every
// node's time lands on a layer row, activation memory comes from the
// measured statistics, and every ReLU has its fraction of zeros.
func TestWorkerRuns(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", "cifar10", "test", "cat", "0000.jpg")
	img, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("needs the CIFAR-10 test images in /work/shared/data: %v", err)
	}
	for _, name := range builtin.Names() {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(builtin.FS(), name+builtin.Ext)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			var s session.Session
			l, err := s.Load(b, hex.EncodeToString(sum[:]))
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Classify(context.Background(), img, false, 5, nil)
			if err != nil {
				t.Fatal(err)
			}
			costs, err := LayerCosts(l, r)
			if err != nil {
				t.Fatal(err)
			}
			var timed, onRows float64
			for _, tm := range r.Timings {
				timed += tm.Ms
			}
			stats := map[string]protocol.LayerStat{}
			for _, st := range r.Stats {
				stats[st.Name] = st
			}
			for i, c := range costs {
				onRows += c.Ms
				if st, ok := stats[c.Name]; ok && c.Bytes != st.Bytes {
					t.Errorf("%s: %d bytes, the run measured %d", c.Name, c.Bytes, st.Bytes)
				}
				if n, _ := units(l.Layers[i].Shape); c.Bytes != 4*n {
					t.Errorf("%s: %d bytes for %v float32 values", c.Name, c.Bytes, l.Layers[i].Shape)
				}
			}
			if math.Abs(timed-onRows) > 1e-6 {
				t.Errorf("nodes took %.3f ms, the layer rows carry %.3f", timed, onRows)
			}
			zeros, err := ReLUZeros(l, r)
			if err != nil {
				t.Fatal(err)
			}
			relus := 0
			for _, li := range l.Layers {
				if li.Kind == "relu" {
					relus++
					if st := stats[li.Name]; st.Min < 0 {
						t.Errorf("%s: a ReLU output of %v", li.Name, st.Min)
					}
				}
			}
			some := false
			for _, z := range zeros {
				some = some || z.Fraction > 0
			}
			if len(zeros) != relus || !some {
				t.Errorf("%d ReLU rows, %d with zero fractions %v", relus, len(zeros), zeros)
			}
			t.Logf("%s: %.1f ms in %d nodes on %d rows; ReLU zeros %.2f (first) to %.2f (last)", name, onRows, len(r.Timings), len(costs), zeros[0].Fraction, zeros[len(zeros)-1].Fraction)
		})
	}
}
