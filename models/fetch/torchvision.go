package fetch

import (
	"fmt"
	"sort"
	"strings"
)

// DefaultBaseURL is where torchvision publishes its ImageNet checkpoints.
const DefaultBaseURL = "https://download.pytorch.org/models/"

// Source is one downloadable checkpoint: the model name it is stored under,
// the checkpoint file on the server (its name carries the first hex digits
// of its SHA-256), and the architecture its state_dict belongs to.
type Source struct {
	Name string
	File string
	Arch string
}

// torchvision lists the checkpoints of DESIGN.md's catalog (torchvision's
// IMAGENET1K_V1 weights; for resnet50 the original V1 file).
var torchvision = []Source{
	{"alexnet", "alexnet-owt-7be5be79.pth", "alexnet"},
	{"vgg11", "vgg11-8a719046.pth", "vgg11"},
	{"vgg11_bn", "vgg11_bn-6002323d.pth", "vgg11_bn"},
	{"vgg13", "vgg13-19584684.pth", "vgg13"},
	{"vgg13_bn", "vgg13_bn-abd245e5.pth", "vgg13_bn"},
	{"vgg16", "vgg16-397923af.pth", "vgg16"},
	{"vgg16_bn", "vgg16_bn-6c64b313.pth", "vgg16_bn"},
	{"vgg19", "vgg19-dcbb9e9d.pth", "vgg19"},
	{"vgg19_bn", "vgg19_bn-c79401a0.pth", "vgg19_bn"},
	{"googlenet", "googlenet-1378be20.pth", "googlenet"},
	{"resnet18", "resnet18-f37072fd.pth", "resnet18"},
	{"resnet34", "resnet34-b627a593.pth", "resnet34"},
	{"resnet50", "resnet50-0676ba61.pth", "resnet50"},
	{"resnet101", "resnet101-63fe2227.pth", "resnet101"},
	{"resnet152", "resnet152-394f9c45.pth", "resnet152"},
}

// Sources returns the downloadable checkpoints, sorted by name.
func Sources() []Source {
	out := append([]Source(nil), torchvision...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the checkpoint published for a model name.
func Lookup(name string) (Source, error) {
	for _, s := range torchvision {
		if s.Name == name {
			return s, nil
		}
	}
	names := make([]string, len(torchvision))
	for i, s := range Sources() {
		names[i] = s.Name
	}
	return Source{}, fmt.Errorf("no published checkpoint named %q (known: %s)", name, strings.Join(names, ", "))
}

// hashPrefix returns the hex digits torchvision puts after the last '-' of a
// checkpoint file name ("resnet18-f37072fd.pth" -> "f37072fd").
func hashPrefix(file string) (string, error) {
	base := file
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	i := strings.LastIndexByte(base, '-')
	h := base[i+1:]
	if i < 0 || len(h) < 6 || len(h) > 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("file name %q carries no SHA-256 prefix (NAME-HEXDIGITS.pth)", file)
	}
	return h, nil
}
