package lessons

import (
	"strings"
	"testing"

	"convscope/web/protocol"
)

func TestInceptionPaperModule(t *testing.T) {
	mods, err := InceptionModules(inception3aPaper())
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 {
		t.Fatalf("%d modules, want 1", len(mods))
	}
	m := mods[0]
	if m.Name != "inception3a" || m.Input != "stem" || m.In != 192 || m.H != 28 || m.W != 28 || m.Out != 256 {
		t.Errorf("module %s from %s: %d channels at %dx%d -> %d; want inception3a from stem: 192 at 28x28 -> 256", m.Name, m.Input, m.In, m.H, m.W, m.Out)
	}
	wantBranches := []struct {
		summary string
		out     int
		params  int64
		output  string
	}{
		{"1x1 conv 64", 64, 192*64 + 2*64, "inception3a.branch1"},
		{"1x1 conv 96 → 3x3 conv 128", 128, 192*96 + 2*96 + 9*96*128 + 2*128, "inception3a.branch2.1"},
		{"1x1 conv 16 → 5x5 conv 32", 32, 192*16 + 2*16 + 25*16*32 + 2*32, "inception3a.branch3.1"},
		{"3x3 max pool → 1x1 conv 32", 32, 192*32 + 2*32, "inception3a.branch4.1"},
	}
	if len(m.Branches) != len(wantBranches) {
		t.Fatalf("%d branches, want 4", len(m.Branches))
	}
	for i, w := range wantBranches {
		b := m.Branches[i]
		if b.Summary != w.summary || b.Out != w.out || b.Params != w.params || b.Output != w.output {
			t.Errorf("branch %d: %q %d channels %d params out %s; want %q %d %d %s", i, b.Summary, b.Out, b.Params, b.Output, w.summary, w.out, w.params, w.output)
		}
	}
	// The figures: 28*28*(192*16 + 25*16*32) vs 28*28*25*192*32.
	if m.Largest != 2 || m.LargestKernel != [2]int{5, 5} || m.LargestOut != 32 || m.Bottleneck != 16 {
		t.Errorf("largest branch %d kernel %v out %d bottleneck %d; want 2, 5x5, 32, 16", m.Largest, m.LargestKernel, m.LargestOut, m.Bottleneck)
	}
	if m.BottleneckMACs != 12443648 || m.DirectMACs != 120422400 {
		t.Errorf("MACs with bottleneck %d, direct %d; want 12,443,648 and 120,422,400", m.BottleneckMACs, m.DirectMACs)
	}
	if m.BottleneckParams != 192*16+25*16*32 || m.DirectParams != 25*192*32 {
		t.Errorf("params with bottleneck %d, direct %d", m.BottleneckParams, m.DirectParams)
	}
	// The bottleneck pair's MACs are the two layers' own counts.
	var sum int64
	for _, n := range m.Branches[2].Layers {
		sum += layerByName(t, inception3aPaper(), n).MACs
	}
	if sum != m.BottleneckMACs || m.Branches[2].MACs != sum {
		t.Errorf("branch MACs %d, layers sum to %d, bottleneck cost %d", m.Branches[2].MACs, sum, m.BottleneckMACs)
	}
}

func layerByName(t *testing.T, l *protocol.Loaded, name string) protocol.LayerInfo {
	t.Helper()
	for _, li := range l.Layers {
		if li.Name == name {
			return li
		}
	}
	t.Fatalf("%s has no layer %s", l.Name, name)
	return protocol.LayerInfo{}
}

func TestInceptionsOfRealNets(t *testing.T) {
	for _, tc := range []struct {
		net          *protocol.Loaded
		modules      int
		first        string
		in, h        int
		kernel       int
		red, out     int
		with, direct int64
	}{
		// torchvision's GoogLeNet: the "5x5" branch is 3x3, tied with
		// branch2; the narrow bottleneck (16, not 96) marks it.
		{googlenetNet(), 9, "inception3a", 192, 28, 3, 16, 32, 28 * 28 * (192*16 + 9*16*32), 28 * 28 * 9 * 192 * 32},
		{googlenetCIFARNet(), 4, "inception3a", 64, 16, 5, 8, 16, 16 * 16 * (64*8 + 25*8*16), 16 * 16 * 25 * 64 * 16},
	} {
		mods, err := InceptionModules(tc.net)
		if err != nil {
			t.Fatalf("%s: %v", tc.net.Name, err)
		}
		if len(mods) != tc.modules || len(Inceptions(tc.net)) != tc.modules {
			t.Fatalf("%s: %d modules, want %d", tc.net.Name, len(mods), tc.modules)
		}
		m := mods[0]
		if m.Name != tc.first || m.In != tc.in || m.H != tc.h || m.Largest != 2 || m.LargestKernel != [2]int{tc.kernel, tc.kernel} ||
			m.Bottleneck != tc.red || m.LargestOut != tc.out || m.BottleneckMACs != tc.with || m.DirectMACs != tc.direct {
			t.Errorf("%s: %+v", tc.net.Name, m)
		}
		// Every module's channels add up and its branches' costs are
		// the block's.
		for i, m := range mods {
			var p, macs int64
			for _, b := range m.Branches {
				p += b.Params
				macs += b.MACs
			}
			blk := tc.net.Blocks[i]
			if blk.Name != m.Name || p != blk.Params || macs != blk.MACs {
				t.Errorf("%s %s: branches hold %d params %d MACs, block %s %d %d", tc.net.Name, m.Name, p, macs, blk.Name, blk.Params, blk.MACs)
			}
			if m.DirectMACs <= m.BottleneckMACs {
				t.Errorf("%s %s: the bottleneck saves nothing (%d vs %d)", tc.net.Name, m.Name, m.BottleneckMACs, m.DirectMACs)
			}
		}
	}
	for _, l := range []*protocol.Loaded{alexnetNet(), resnet18Net(), vgg16Net()} {
		if m, err := InceptionModules(l); err != nil || len(m) != 0 || len(Inceptions(l)) != 0 {
			t.Errorf("%s: %d modules, %v", l.Name, len(m), err)
		}
	}
}

func TestInceptionErrors(t *testing.T) {
	set := func(name string, fn func(li *protocol.LayerInfo)) func(l *protocol.Loaded) {
		return func(l *protocol.Loaded) {
			for i := range l.Layers {
				if l.Layers[i].Name == name {
					fn(&l.Layers[i])
				}
			}
		}
	}
	for _, tc := range []struct {
		name   string
		break_ func(l *protocol.Loaded)
		want   string
	}{
		{"no concat", set("inception3a", func(li *protocol.LayerInfo) { li.Kind = "other" }), "no concatenation"},
		{"channels", set("inception3a", func(li *protocol.LayerInfo) { li.Shape = []int{1, 250, 28, 28} }), "256 channels in all, the concatenation 250"},
		{"two inputs", set("inception3a.branch1.conv", func(li *protocol.LayerInfo) { li.Inputs = []string{InputName} }), "starts from stem, another from input"},
		{"macs", set("inception3a.branch3.1.conv", func(li *protocol.LayerInfo) { li.MACs++ }), "reports 10035201 MACs, its shapes give 10035200"},
		{"missing", set("inception3a.branch3.1", func(li *protocol.LayerInfo) { li.Inputs = []string{"nowhere"} }), `reads "nowhere"`},
		{"size", set("inception3a.branch4.1", func(li *protocol.LayerInfo) { li.Shape = []int{1, 32, 27, 27} }), "module outputs 28x28 maps"},
	} {
		l := inception3aPaper()
		tc.break_(l)
		_, err := InceptionModules(l)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if m := Inceptions(l); len(m) != 0 {
			t.Errorf("%s: Inceptions kept the broken module", tc.name)
		}
	}
}
