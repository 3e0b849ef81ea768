package session

import (
	"strings"
	"testing"

	"convscope/models"
)

// TestSplitPays: every built-in CIFAR-10 model is too little work to pay
// for a split (each ran slower on two workers than on one in Chromium),
// the ImageNet networks at 224x224 are not, and the count is the model
// file's.
func TestSplitPays(t *testing.T) {
	for _, name := range []string{"alexnet_cifar", "googlenet_cifar", "plain20_cifar", "resnet20_cifar", "vgg_cifar"} {
		_, m := builtinModel(t, name)
		pays, macs, why := SplitPays(m)
		if pays || !strings.Contains(why, "one worker") || !strings.Contains(why, m.Meta.Name) {
			t.Errorf("%s (%d MACs): pays %v, %q", name, macs, pays, why)
		}
		if macs != m.Meta.MACs || macs <= 0 {
			t.Errorf("%s: %d MACs, its file says %d", name, macs, m.Meta.MACs)
		}
	}
	for _, c := range []struct {
		arch string
		hw   int
		pays bool
	}{
		{"alexnet", 0, true},
		{"googlenet", 0, true},
		{"resnet18", 0, true},
		{"resnet50", 0, true},
		{"resnet18", 64, false},       // 149 M
		{"resnet18", 128, false},      // 593 M: slower on two workers
		{"resnet20_cifar", 128, true}, // 653 M
	} {
		def, err := models.ArchConfig(c.arch, models.Config{Height: c.hw, Width: c.hw})
		if err != nil {
			t.Fatal(err)
		}
		macs := def.MACs()
		if pays := macs >= SplitMinMACs; pays != c.pays {
			t.Errorf("%s at %d (%d M MACs): pays %v, want %v", c.arch, c.hw, macs/1e6, pays, c.pays)
		}
	}
}
