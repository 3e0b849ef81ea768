package labels

import "testing"

func TestCounts(t *testing.T) {
	in := ImageNet()
	if len(in) != 1000 || in[0] != "tench" || in[999] != "toilet tissue" {
		t.Errorf("ImageNet: %d names, first %q, last %q", len(in), in[0], in[len(in)-1])
	}
	c := CIFAR10()
	want := []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}
	if len(c) != len(want) {
		t.Fatalf("CIFAR10: %d names", len(c))
	}
	for i := range want {
		if c[i] != want[i] {
			t.Errorf("CIFAR10[%d] = %q, want %q", i, c[i], want[i])
		}
	}
	for _, name := range in {
		if name == "" {
			t.Error("ImageNet has an empty name")
		}
	}
	if _, err := For("mnist"); err == nil {
		t.Error("For(mnist) did not fail")
	}
}
