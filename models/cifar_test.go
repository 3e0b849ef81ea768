package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"convscope/models/modelfile"
)

// cifarArchs are the built-in CIFAR-10 architectures of train/nets.py.
var cifarArchs = []string{"resnet20_cifar", "plain20_cifar", "vgg_cifar", "googlenet_cifar", "alexnet_cifar"}

// TestCIFARMatchesPyTorch checks each CIFAR-10 definition against what
// PyTorch says of the module it mirrors (train/state_dicts.json, written by
// `python3 nets.py --json` in train/): sum(p.numel()) over parameters, MACs
// of one 32x32 pass (conv and linear), and every state_dict entry with its
// shape, in order.
func TestCIFARMatchesPyTorch(t *testing.T) {
	path := filepath.Join("..", "train", "state_dicts.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s (written by train/nets.py --json, committed): %v", path, err)
	}
	var want map[string]struct {
		Params    int64                `json:"params"`
		MACs      int64                `json:"macs"`
		StateDict [][2]json.RawMessage `json:"state_dict"`
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, name := range cifarArchs {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: not in %s", name, path)
			continue
		}
		d, err := Arch(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := d.ParamCount(); got != w.Params {
			t.Errorf("%s: %d params, PyTorch has %d", name, got, w.Params)
		}
		if got := d.MACs(); got != w.MACs {
			t.Errorf("%s: %d MACs, PyTorch hooks count %d", name, got, w.MACs)
		}
		ps := d.Params()
		if len(ps) != len(w.StateDict) {
			t.Errorf("%s: %d state_dict entries, PyTorch has %d", name, len(ps), len(w.StateDict))
			continue
		}
		for i, e := range w.StateDict {
			var key string
			var shape []int
			if json.Unmarshal(e[0], &key) != nil || json.Unmarshal(e[1], &shape) != nil {
				t.Fatalf("%s: bad entry %d in %s", name, i, path)
			}
			if ps[i].Name != key || !slices.Equal(ps[i].Shape, shape) {
				t.Errorf("%s: entry %d is %s %v, PyTorch has %s %v", name, i, ps[i].Name, ps[i].Shape, key, shape)
			}
		}
	}
}

// TestCIFARDatasets checks the CIFAR-10 architectures are registered for
// that dataset at 32x32 with 10 classes.
func TestCIFARDatasets(t *testing.T) {
	for _, name := range cifarArchs {
		ds, err := ArchDataset(name)
		if err != nil || ds != "cifar10" {
			t.Errorf("%s: dataset %q, %v", name, ds, err)
		}
		d, err := Arch(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(d.Input, []int{1, 3, 32, 32}) || d.NumClasses != 10 {
			t.Errorf("%s: input %v, %d classes", name, d.Input, d.NumClasses)
		}
	}
}

// TestPlainHasNoShortcuts: the plain twin has exactly ResNet-20's layers
// minus the two projection shortcuts and the nine additions.
func TestPlainHasNoShortcuts(t *testing.T) {
	res, err := Arch("resnet20_cifar")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Arch("plain20_cifar")
	if err != nil {
		t.Fatal(err)
	}
	count := func(d *Def, kind modelfile.LayerKind) int {
		n := 0
		for _, l := range d.Layers {
			if l.Kind == kind {
				n++
			}
		}
		return n
	}
	if got := count(res, modelfile.LayerAdd); got != 9 {
		t.Errorf("resnet20_cifar: %d additions, want 9", got)
	}
	if got := count(plain, modelfile.LayerAdd); got != 0 {
		t.Errorf("plain20_cifar: %d additions, want 0", got)
	}
	if rc, pc := count(res, modelfile.LayerConv), count(plain, modelfile.LayerConv); rc != 21 || pc != 19 {
		t.Errorf("convs: resnet20_cifar %d (want 19 + 2 projections), plain20_cifar %d (want 19)", rc, pc)
	}
}
