package web

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestBoxPNG(t *testing.T) {
	v := protocol.Image{W: 4, H: 4, RGBA: bytes.Repeat([]byte{200, 200, 200, 255}, 16)}
	img := decodePNG(t, BoxPNG(v, 1, 1, 3, 3, 4))
	if img.Bounds().Dx() != 16 {
		t.Fatalf("size %v", img.Bounds())
	}
	grey := func(x, y int) uint32 { r, _, _, _ := img.At(x, y).RGBA(); return r >> 8 }
	if g := grey(0, 0); g >= 200 {
		t.Errorf("outside the window is not dimmed: %d", g)
	}
	if g := grey(8, 8); g != 200 {
		t.Errorf("inside the window changed: %d", g)
	}
	if r, g, b, _ := img.At(4, 4).RGBA(); r>>8 != 255 || g>>8 != 221 || b != 0 {
		t.Errorf("no outline at the window's corner: %d %d %d", r>>8, g>>8, b>>8)
	}
	if BoxPNG(protocol.Image{W: 2, H: 2}, 0, 0, 1, 1, 1) != nil {
		t.Error("an image without pixels was drawn")
	}
}

func TestDropoutMask(t *testing.T) {
	a, b := DropoutMask(10000, 0.3, 7), DropoutMask(10000, 0.3, 7)
	kept := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("the same seed gave another mask")
		}
		if a[i] {
			kept++
		}
	}
	// 7000 expected, standard deviation 46.
	if kept < 6800 || kept > 7200 {
		t.Errorf("p = 0.3 kept %d of 10000", kept)
	}
	for _, k := range DropoutMask(100, 0, 1) {
		if !k {
			t.Fatal("p = 0 dropped a unit")
		}
	}
	c := DropoutMask(10000, 0.3, 8)
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Error("another seed gave the same mask")
	}
}

func TestDropoutPNGs(t *testing.T) {
	m := &protocol.Maps{Layer: "relu", Shape: [3]int{1, 2, 2}, Min: []float32{0}, Max: []float32{1}, Data: []byte{0, 85, 170, 255}}
	inf, tr := DropoutPNGs(m, 0, []bool{true, false, true, true}, 0.5, 1)
	a, b := decodePNG(t, inf), decodePNG(t, tr)
	if r, g, bl, _ := b.At(1, 0).RGBA(); r|g|bl != 0 {
		t.Error("a dropped unit is not black")
	}
	// Kept units are doubled at p = 0.5, on the same range: brighter.
	lum := func(img image.Image, x, y int) uint32 { r, g, b, _ := img.At(x, y).RGBA(); return r + g + b }
	if lum(b, 0, 1) <= lum(a, 0, 1) {
		t.Error("a kept unit is not scaled up by 1/(1-p)")
	}
	if i, _ := DropoutPNGs(m, 0, []bool{true}, 0.5, 1); i != nil {
		t.Error("a mask of the wrong size was applied")
	}
}

func TestHeatPNG(t *testing.T) {
	v := protocol.Image{W: 8, H: 8, RGBA: bytes.Repeat([]byte{128, 128, 128, 255}, 64)}
	h := &protocol.Heatmap{W: 2, H: 2, Values: []float32{0, 0, 0, 1}}
	img := decodePNG(t, HeatPNG(v, h, 0.65, 2))
	if r, g, b, _ := img.At(0, 0).RGBA(); r>>8 != 128 || g>>8 != 128 || b>>8 != 128 {
		t.Error("the heatmap's minimum is not clear")
	}
	if r, g, b, _ := img.At(15, 15).RGBA(); r>>8 == 128 && g>>8 == 128 && b>>8 == 128 {
		t.Error("the heatmap's maximum does not show")
	}
	if HeatPNG(v, &protocol.Heatmap{W: 2, H: 2, Values: []float32{1}}, 0.5, 1) != nil {
		t.Error("an inconsistent heatmap was drawn")
	}
}

func TestSlideSVG(t *testing.T) {
	g := func(w, h int) protocol.Grid {
		v := make([]float32, w*h)
		for i := range v {
			v[i] = float32(i)
		}
		return protocol.Grid{W: w, H: h, Values: v}
	}
	s := &protocol.Slides{Layer: "conv2", Out: 1, In: 2, InCh: 4, OutCh: 8, Stride: []int{2, 2}, Pads: []int{1, 1, 1, 1},
		Input: g(6, 6), Kernel: g(3, 3), Partial: g(3, 3), Output: g(3, 3)}
	svg := string(SlideSVG(s, 10))
	for _, want := range []string{"<title>Kernel 1 of input channel 2", "<animate", "data:image/png;base64,"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	// The window starts one cell up and left (the padding) and steps two
	// cells (the stride): x positions inX-10, inX+10, inX+30.
	if !strings.Contains(svg, `values="10;30;50;10;30;50;10;30;50"`) {
		t.Errorf("window positions wrong: %s", svg)
	}
	// A 100x100 map is swept 5 positions a frame: 2,000 frames.
	big := &protocol.Slides{Layer: "conv1", Stride: []int{1, 1}, Pads: []int{1, 1, 1, 1}, Input: g(100, 100), Kernel: g(3, 3), Partial: g(100, 100), Output: g(100, 100)}
	svg = string(SlideSVG(big, 2))
	i := strings.Index(svg, `attributeName="x" `)
	j := strings.Index(svg[i:], `values="`) + i + len(`values="`)
	if frames := strings.Count(svg[j:j+strings.Index(svg[j:], `"`)], ";") + 1; frames != 2000 {
		t.Errorf("100x100 map: %d frames, want 2000", frames)
	}
	if SlideSVG(&protocol.Slides{}, 10) != nil {
		t.Error("empty slides drawn")
	}
}

func TestGroupRatio(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 268435456: "268,435,456", -1234: "-1,234"} {
		if got := Group(n); got != want {
			t.Errorf("Group(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Ratio(116508.4); got != "116,508" {
		t.Errorf("Ratio = %q", got)
	}
	if got := Ratio(2.25); got != "2.25" {
		t.Errorf("Ratio = %q", got)
	}
}

func TestResidualParts(t *testing.T) {
	c := &Lessons{Root: &Root{Info: &protocol.Loaded{
		Name: "r",
		Layers: []protocol.LayerInfo{
			{Name: "relu", Kind: "relu"},
			{Name: "layer2.0.conv1", Kind: "conv", Block: "layer2.0", Inputs: []string{"relu"}},
			{Name: "layer2.0.conv2", Kind: "conv", Block: "layer2.0", Inputs: []string{"layer2.0.conv1"}},
			{Name: "layer2.0.downsample.0", Kind: "conv", Block: "layer2.0", Inputs: []string{"relu"}},
			{Name: "layer2.0.add", Kind: "add", Block: "layer2.0", Shape: []int{1, 32, 16, 16}, Inputs: []string{"layer2.0.conv2", "layer2.0.downsample.0"}},
		},
		Blocks: []protocol.BlockInfo{{Name: "layer2.0", Kind: "basic_block"}},
	}}}
	got := strings.Join(c.ResidualLayers(), " ")
	if want := "layer2.0.downsample.0 layer2.0.conv2 layer2.0.add"; got != want {
		t.Errorf("ResidualLayers = %q, want %q", got, want)
	}
}

func TestMissingText(t *testing.T) {
	c := &Lessons{Root: &Root{
		Info:   &protocol.Loaded{Name: "resnet20_cifar"},
		Models: []ModelEntry{{Name: "googlenet", Arch: "googlenet"}, {Name: "googlenet_cifar", Arch: "googlenet_cifar", Available: true, URL: "models/g.csm"}},
	}}
	if got := c.MissingText("inception modules", "googlenet"); !strings.Contains(got, "googlenet_cifar has: load it") {
		t.Errorf("MissingText prefers a model that is not available: %q", got)
	}
	c.Root.Models = c.Root.Models[:1]
	if got := c.MissingText("inception modules", "googlenet"); !strings.Contains(got, "go run . fetch googlenet") {
		t.Errorf("MissingText for a model to fetch: %q", got)
	}
}

// lessonHost answers Activations with a 2x2 map per layer and counts the
// calls, the blob: URLs made and the ones revoked.
type lessonHost struct {
	*fakeHost
	calls, made, revoked int
}

func (h *lessonHost) Activations(layer string) (*protocol.Maps, error) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	return &protocol.Maps{Layer: layer, Shape: [3]int{1, 2, 2}, Min: []float32{0}, Max: []float32{1}, Data: []byte{0, 1, 2, 3}}, nil
}

func (h *lessonHost) ObjectURL(data []byte, mime string) string {
	h.made++
	return "blob:" + strconv.Itoa(h.made)
}

func (h *lessonHost) Revoke(string) { h.revoked++ }

// TestLessonFetchAndFigures checks the lazy fetches and the figure cache:
// one fetch per key, a new run fetches again, a figure is made once per
// key and the one it replaces is revoked.
func TestLessonFetchAndFigures(t *testing.T) {
	h := &lessonHost{fakeHost: newFakeHost()}
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 64))
	root := &Root{Host: h, Runs: 1,
		Info:   &protocol.Loaded{Name: "m", Layers: []protocol.LayerInfo{{Name: "relu", Kind: "relu", Maps: true, Shape: []int{1, 1, 2, 2}}}},
		Result: &protocol.Result{Model: "m"},
	}
	c := &Lessons{Root: root}
	c.Init(nil)
	c.ee = ee
	ee.Lock()
	if _, _, busy := c.dropMaps(); !busy {
		t.Fatal("the first call did not start a fetch")
	}
	ee.UnlockOnly()
	waitFor(t, ee, "the maps", func() bool { m, _, _ := c.dropMaps(); return m != nil })
	ee.Lock()
	c.dropMaps()
	if h.calls != 1 {
		t.Errorf("%d fetches for one key", h.calls)
	}
	u1 := c.DropTrainingURL()
	if u2 := c.DropTrainingURL(); u2 != u1 || h.made != 1 {
		t.Errorf("the same figure was made again: %q %q (%d made)", u1, u2, h.made)
	}
	c.DropSeed++
	if u3 := c.DropTrainingURL(); u3 == u1 || h.revoked != 1 {
		t.Errorf("a new mask did not replace the figure: %q, %d revoked", u3, h.revoked)
	}
	root.Runs++ // a new image
	if _, _, busy := c.dropMaps(); !busy {
		t.Error("a new run did not fetch again")
	}
	ee.UnlockOnly()
	waitFor(t, ee, "the new maps", func() bool { m, _, _ := c.dropMaps(); return m != nil })
	if h.calls != 2 {
		t.Errorf("%d fetches for two runs", h.calls)
	}
}

// TestZerosPerBlock: with more ReLUs than maxCostBars (ResNet-152 has 151)
// the zeros chart draws one bar per block and says so, and the data table
// still lists every ReLU; with few ReLUs it draws one bar each.
func TestZerosPerBlock(t *testing.T) {
	for _, c := range []struct {
		blocks, perBlock int
		grouped          bool
	}{{50, 3, true}, {5, 3, false}} {
		info := &protocol.Loaded{Name: "m", Layers: []protocol.LayerInfo{{Name: "relu", Kind: "relu", Shape: []int{1, 64, 112, 112}}}}
		res := &protocol.Result{Model: "m", Stats: []protocol.LayerStat{{Name: "relu", Zeros: 0.5}}}
		for b := range c.blocks {
			block := fmt.Sprintf("layer.%d", b)
			for r := range c.perBlock {
				name := fmt.Sprintf("%s.relu%d", block, r)
				info.Layers = append(info.Layers, protocol.LayerInfo{Name: name, Kind: "relu", Block: block, Shape: []int{1, 256, 14, 14}})
				res.Stats = append(res.Stats, protocol.LayerStat{Name: name, Zeros: float64(r) / 4})
			}
		}
		h := &lessonHost{fakeHost: newFakeHost()}
		c2 := &Lessons{Root: &Root{Host: h, Runs: 1, Info: info, Result: res}}
		c2.Init(nil)
		relus := 1 + c.blocks*c.perBlock
		if rows := c2.ZerosData(); len(rows) != relus {
			t.Errorf("%d blocks: the data table has %d rows for %d ReLUs", c.blocks, len(rows), relus)
		}
		bars, grouped := c2.zerosBars()
		caption := c2.ZerosCaption()
		if grouped != c.grouped {
			t.Errorf("%d ReLUs: grouped %v, want %v", relus, grouped, c.grouped)
		}
		if c.grouped {
			// The stem's ReLU on its own, then one bar per block with the
			// mean of its three ReLUs (equal sizes): (0 + 1/4 + 2/4) / 3.
			if len(bars) != 1+c.blocks || bars[1].Name != "layer.0" || math.Abs(bars[1].Fraction-0.25) > 1e-12 {
				t.Errorf("%d bars, second %+v; want %d, layer.0 at 0.25", len(bars), bars[1], 1+c.blocks)
			}
			if want := fmt.Sprintf("%d ReLU layers are too many for a bar each", relus); !strings.Contains(caption, want) || !strings.Contains(caption, fmt.Sprintf("%d bars in all", 1+c.blocks)) {
				t.Errorf("caption %q: want %q and %d bars", caption, want, 1+c.blocks)
			}
		} else if len(bars) != relus || strings.Contains(caption, "too many") {
			t.Errorf("%d ReLUs: %d bars, caption %q", relus, len(bars), caption)
		}
		if c2.ZerosChartURL() == "" {
			t.Errorf("%d ReLUs: no zeros chart", relus)
		}
	}
}
