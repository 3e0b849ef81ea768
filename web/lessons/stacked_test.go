package lessons

import (
	"fmt"
	"testing"
)

func TestStacked(t *testing.T) {
	for _, tc := range []struct {
		c, n, k         int
		stacked, single int64
		side            int
	}{
		{64, 3, 3, 3 * 9 * 64 * 64, 49 * 64 * 64, 7}, // VGG's 27C^2 vs 49C^2
		{512, 2, 3, 2 * 9 * 512 * 512, 25 * 512 * 512, 5},
		{16, 1, 3, 9 * 256, 9 * 256, 3}, // one layer is its own single layer
		{8, 4, 1, 4 * 64, 64, 1},        // 1x1 layers never grow the field
		{0, 3, 3, 0, 0, 7},              // the side does not depend on C
		{64, 0, 3, 0, 0, 0},
	} {
		s, one := Stacked(tc.c, tc.n, tc.k)
		if s != tc.stacked || one != tc.single || StackedSide(tc.n, tc.k) != tc.side {
			t.Errorf("Stacked(%d, %d, %d) = %d, %d side %d; want %d, %d side %d", tc.c, tc.n, tc.k, s, one, StackedSide(tc.n, tc.k), tc.stacked, tc.single, tc.side)
		}
	}
}

func TestStacks(t *testing.T) {
	// "name: layers/C/In/side"
	str := func(s Stack) string { return fmt.Sprintf("%v C%d in%d side%d k%d", s.Layers, s.C, s.In, s.Side, s.K) }
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"vgg16", []string{
			"[features.0 features.2] C64 in3 side5 k3",
			"[features.5 features.7] C128 in64 side5 k3",
			"[features.10 features.12 features.14] C256 in128 side7 k3",
			"[features.17 features.19 features.21] C512 in256 side7 k3",
			"[features.24 features.26 features.28] C512 in512 side7 k3",
		}},
		// Only conv4 -> conv5 keep the width (384 -> 256 -> 256).
		{"alexnet", []string{"[features.8 features.10] C256 in384 side5 k3"}},
		// The stem conv feeds the first block's convs (its shortcut
		// aside); the Add after each block ends a run.
		{"resnet20_cifar", []string{"[conv1 layer1.0.conv1 layer1.0.conv2] C16 in3 side7 k3",
			"[layer1.1.conv1 layer1.1.conv2] C16 in16 side5 k3", "[layer1.2.conv1 layer1.2.conv2] C16 in16 side5 k3",
			// layer2.0.conv1 has stride 2: layer2.0 has no stack.
			"[layer2.1.conv1 layer2.1.conv2] C32 in32 side5 k3",
			"[layer2.2.conv1 layer2.2.conv2] C32 in32 side5 k3",
			"[layer3.1.conv1 layer3.1.conv2] C64 in64 side5 k3", "[layer3.2.conv1 layer3.2.conv2] C64 in64 side5 k3"}},
		// Without shortcuts a stage is one long stack, broken where a
		// stride-2 conv halves the size.
		{"plain20_cifar", []string{
			"[conv1 layer1.0.conv1 layer1.0.conv2 layer1.1.conv1 layer1.1.conv2 layer1.2.conv1 layer1.2.conv2] C16 in3 side15 k3",
			"[layer2.0.conv2 layer2.1.conv1 layer2.1.conv2 layer2.2.conv1 layer2.2.conv2] C32 in32 side11 k3",
			"[layer3.0.conv2 layer3.1.conv1 layer3.1.conv2 layer3.2.conv1 layer3.2.conv2] C64 in64 side11 k3",
		}},
	} {
		var got []string
		for _, l := range allNets() {
			if l.Name != tc.name {
				continue
			}
			stacks, err := Stacks(l)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			for _, s := range stacks {
				got = append(got, str(s))
				if st, one := Stacked(s.C, len(s.Layers), s.K); s.Stacked != st || s.Single != one {
					t.Errorf("%s %v: %d, %d params, Stacked says %d, %d", tc.name, s.Layers, s.Stacked, s.Single, st, one)
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s stacks:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
