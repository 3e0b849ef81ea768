package models

import (
	"strings"
	"testing"

	"convscope/models/modelfile"
)

// TestCatalogSummary: every catalog entry with a definition carries its
// depth and conv/fc split, adding up to its params, and says where its
// accuracy comes from; a file is described by its own architecture, not by
// the name it was saved under.
func TestCatalogSummary(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir, "mytiny")
	writeTiny(t, dir, "resnet18") // a tinynet saved under a torchvision name
	all, err := Catalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Info{}
	for _, info := range all {
		byName[info.Name] = info
	}
	tiny, err := ArchSummary("tinynet", Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range Torchvision() {
		info := byName[w.Name]
		if w.Name == "resnet18" {
			if info.Depth != tiny.Depth || info.ConvParams != tiny.ConvParams || info.FCParams != tiny.FCParams {
				t.Errorf("fetched resnet18 (a tinynet file): %+v, want tinynet's %+v", info, tiny)
			}
			continue
		}
		s, err := ArchSummary(w.Name, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Depth != s.Depth || info.ConvParams+info.FCParams != w.Params || info.FCParams != s.FCParams {
			t.Errorf("%s: depth %d conv %d fc %d, want %+v adding up to %d", w.Name, info.Depth, info.ConvParams, info.FCParams, s, w.Params)
		}
		if !strings.HasPrefix(info.Published, "torchvision's documentation") || !strings.Contains(info.Published, "ImageNet") {
			t.Errorf("%s: published %q", w.Name, info.Published)
		}
	}
	if a := byName["alexnet"]; a.Depth != 8 || a.FCParams != 58_631_144 {
		t.Errorf("alexnet: %+v", a)
	}
	builtins := 0
	for _, info := range all {
		if !info.BuiltIn {
			continue
		}
		builtins++
		if info.Depth == 0 || info.ConvParams+info.FCParams != info.Params {
			t.Errorf("built-in %s: depth %d conv %d fc %d params %d", info.Name, info.Depth, info.ConvParams, info.FCParams, info.Params)
		}
		if !strings.Contains(info.Published, "convscope eval on the CIFAR-10 test split") {
			t.Errorf("built-in %s: published %q", info.Name, info.Published)
		}
	}
	if builtins == 0 {
		t.Error("no built-in models in the catalog")
	}
	if r := byName["resnet20_cifar"]; r.BuiltIn && r.Depth != 20 {
		t.Errorf("resnet20_cifar: depth %d, want 20", r.Depth)
	}
	if m := byName["mytiny"]; m.Depth != tiny.Depth || m.ConvParams != tiny.ConvParams || m.Published != "random weights" {
		t.Errorf("mytiny: %+v", m)
	}
}

// TestCatalogSummaryMismatch: a file whose parameter count is not its
// architecture's (a different class count the definition was not built for,
// say) gets no figures rather than another network's.
func TestCatalogSummaryMismatch(t *testing.T) {
	info := Info{Arch: "tinynet", Params: 1}
	addSummary(&info, Config{})
	if info.Depth != 0 || info.ConvParams != 0 || info.FCParams != 0 {
		t.Errorf("figures for a file that is not a tinynet: %+v", info)
	}
	info = Info{Arch: "onnx", Params: 5538}
	addSummary(&info, Config{})
	if info.Depth != 0 {
		t.Errorf("figures for an architecture without a definition: %+v", info)
	}
}

func TestPublished(t *testing.T) {
	for _, c := range []struct {
		info Info
		want string
	}{
		{Info{}, ""},
		{Info{Top1: 56.5, Top5: 79, AccuracySource: AccuracySource}, "torchvision's documentation"},
		{Info{Top1: 67, Top5: 97, BuiltIn: true, AccuracySource: builtinEvalSource + " ../shared/data/cifar10/test (8,000 images)"}, "measured by convscope eval"},
		{Info{Top1: 10, Top5: 50, AccuracySource: "random weights"}, "random weights"},
		{Info{Top1: 10, Top5: 50}, "the model file"},
	} {
		if got := published(c.info); !strings.HasPrefix(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("published(%+v) = %q, want %q...", c.info, got, c.want)
		}
	}
}

// TestCatalogSummaryGraphFile: a file without a definition (arch "onnx", as
// ConvertGraph writes for ONNX imports) is summarized from its own graph
// after batch norm folding, and gets the same figures as the definition it
// was made from: ResNet-20 has two projection shortcuts beside its longest
// path and a batch norm after every conv.
func TestCatalogSummaryGraphFile(t *testing.T) {
	dir := t.TempDir()
	for _, arch := range []string{"resnet20_cifar", "tinynet"} {
		d := mustArch(t, arch, Config{})
		g, err := d.Graph(d.RandomStateDict(3))
		if err != nil {
			t.Fatal(err)
		}
		f, err := ConvertGraph(g, testMeta(d))
		if err != nil {
			t.Fatal(err)
		}
		if f.Meta.Arch != "onnx" {
			t.Fatalf("ConvertGraph wrote arch %q", f.Meta.Arch)
		}
		b, err := modelfile.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := modelfile.WriteBytes(PathFor(dir, "graph-"+arch), b); err != nil {
			t.Fatal(err)
		}
	}
	all, err := Catalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, info := range all {
		arch, ok := strings.CutPrefix(info.Name, "graph-")
		if !ok {
			continue
		}
		found++
		want, err := ArchSummary(arch, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Depth != want.Depth || info.ConvParams != want.ConvParams || info.FCParams != want.FCParams || info.ConvParams+info.FCParams != info.Params {
			t.Errorf("%s: depth %d conv %d fc %d params %d, want the definition's %+v", info.Name, info.Depth, info.ConvParams, info.FCParams, info.Params, want)
		}
	}
	if found != 2 {
		t.Errorf("%d graph files in the catalog, want 2", found)
	}
}
