package models

import (
	"fmt"
	"slices"
	"sort"
)

// Config is the input size and class count a definition is built for.
// Arch uses each architecture's default (224x224 and 1000 classes for the
// ImageNet ones); fixtures use smaller inputs with the same state_dict.
type Config struct {
	Height, Width int
	Classes       int
}

// archEntry is one registered architecture.
type archEntry struct {
	dataset string // "imagenet" | "cifar10"
	def     Config // the size its weights were trained at
	build   func(Config) (*Def, error)
}

// archs maps architecture names to their builders. Each architecture file
// registers its names from init, so adding one is adding one file.
var archs = map[string]archEntry{}

func registerArch(name, dataset string, def Config, build func(Config) (*Def, error)) {
	if _, dup := archs[name]; dup {
		panic("models: architecture registered twice: " + name)
	}
	archs[name] = archEntry{dataset: dataset, def: def, build: build}
}

var imagenet = Config{Height: 224, Width: 224, Classes: 1000}

// Arch returns the definition of the named architecture at its default
// input size and class count.
func Arch(name string) (*Def, error) {
	a, ok := archs[name]
	if !ok {
		return nil, fmt.Errorf("unknown architecture %q (known: %v)", name, ArchNames())
	}
	return a.build(a.def)
}

// ArchConfig returns the named architecture built for cfg (zero fields
// take the default). The state_dict names and shapes do not depend on the
// input size; the class count changes the last layer's shapes.
func ArchConfig(name string, cfg Config) (*Def, error) {
	a, ok := archs[name]
	if !ok {
		return nil, fmt.Errorf("unknown architecture %q (known: %v)", name, ArchNames())
	}
	if cfg.Height == 0 {
		cfg.Height = a.def.Height
	}
	if cfg.Width == 0 {
		cfg.Width = a.def.Width
	}
	if cfg.Classes == 0 {
		cfg.Classes = a.def.Classes
	}
	return a.build(cfg)
}

// ArchDataset is the dataset the named architecture's weights are for.
func ArchDataset(name string) (string, error) {
	a, ok := archs[name]
	if !ok {
		return "", fmt.Errorf("unknown architecture %q (known: %v)", name, ArchNames())
	}
	return a.dataset, nil
}

// ArchNames lists the registered architectures, sorted.
func ArchNames() []string {
	names := make([]string, 0, len(archs))
	for n := range archs {
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Clip(names)
}
