package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"convscope/engine"
	"convscope/internal/browsertest"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// The lessons on the ImageNet-size networks the numbers are about
// (issue 8): AlexNet, VGG16, GoogLeNet and ResNet-18 at 224x224 with 1000
// classes, their real layer tables with random weights (there is no
// network here to fetch torchvision's), written into the models folder the
// test server lists. Each lesson's numbers are checked against the
// formulas applied here to the model file's own table and graph, and
// against the figures the issue quotes for the real networks; every
// figure must render and not be blank. VGG16 (138 MB, 15 GMACs a run) is
// only loaded for the lessons on its shapes, never run.

// randomImageNetModel writes the architecture arch with random weights
// into dir under its own name (so the catalog lists it as torchvision's
// model, available) and returns its metadata.
func randomImageNetModel(t *testing.T, dir, arch string, seed uint64) *modelfile.Meta {
	t.Helper()
	return &randomModelFile(t, dir, arch, arch, seed).Meta
}

// randomModelFile writes the ImageNet architecture arch with random
// weights (seed) into dir as the model name.
func randomModelFile(t *testing.T, dir, arch, name string, seed uint64) *modelfile.File {
	t.Helper()
	start := time.Now()
	def, err := models.Arch(arch)
	if err != nil {
		t.Fatal(err)
	}
	f, err := models.Convert(def, def.RandomStateDict(seed), models.Meta{
		Name: name, Dataset: "imagenet", Labels: labels.ImageNet(), Preprocess: preprocess.ImageNet(),
		Source: "random weights (e2e test)",
	})
	if err != nil {
		t.Fatal(err)
	}
	path := models.PathFor(dir, name)
	if err := modelfile.Write(path, f); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (%s): %s parameters, %.1f MB written in %v", name, arch, group(f.Meta.Params), float64(st.Size())/1e6, time.Since(start).Round(time.Millisecond))
	return f
}

// geometry is a conv or pooling node's kernel, stride and dilation (rows).
type geometry struct{ k, s, d int }

// layerGeometry reads the kernel, stride and dilation of every conv and
// pooling layer of m from the graph node that computes the layer's value.
func layerGeometry(m *modelfile.Meta) map[string]geometry {
	byOut := map[string]*modelfile.Node{}
	for _, n := range m.Nodes {
		for _, o := range n.Outputs {
			byOut[o] = n
		}
	}
	out := map[string]geometry{}
	for _, l := range m.Layers {
		n := byOut[l.Value]
		if n == nil {
			continue
		}
		switch p := n.Params.(type) {
		case *engine.ConvParams:
			out[l.Name] = geometry{p.Kernel[0], p.Strides[0], max(1, p.Dilations[0])}
		case *engine.PoolParams:
			out[l.Name] = geometry{p.Kernel[0], p.Strides[0], max(1, p.Dilations[0])}
		}
	}
	return out
}

// chainFields is the receptive field side of every conv and pooling layer
// of a network that is one chain (AlexNet, VGG): along the table, each
// layer widens the field by (k-1)*d times the product of the strides
// before it, and multiplies that product by its stride.
func chainFields(m *modelfile.Meta) map[string]int {
	geo := layerGeometry(m)
	r, jump := 1, 1
	out := map[string]int{}
	for _, l := range m.Layers {
		g, ok := geo[l.Name]
		if !ok {
			continue
		}
		r += (g.k - 1) * g.d * jump
		jump *= g.s
		out[l.Name] = r
	}
	return out
}

// units is the number of values of a shape without its batch dimension.
func units(shape []int) int64 {
	n := int64(1)
	for _, d := range shape[1:] {
		n *= int64(d)
	}
	return n
}

// sumParams are a table's fc parameters and all its parameters.
func sumParams(m *modelfile.Meta) (fc, total int64) {
	for _, l := range m.Layers {
		if l.Kind == "fc" {
			fc += l.Params
		}
		total += l.Params
	}
	return fc, total
}

// checkCostParams opens the cost lesson on parameters and checks its
// chart and table: one row per layer with parameters, as many as the
// model file's table gives it.
func checkCostParams(t *testing.T, a lessonPage, m *modelfile.Meta) {
	t.Helper()
	a.tab("cost")
	a.figure("#cost-chart", 3)
	want := map[string]float64{}
	for _, l := range m.Layers {
		if l.Params > 0 {
			want[l.Name] = float64(l.Params)
		}
	}
	checkRows(t, "parameters per layer", a.rows("#cost-data"), want)
	t.Logf("cost: %s", a.text("#cost-text"))
}

// percent is part of whole in percent.
func percent(part, whole int64) float64 { return 100 * float64(part) / float64(whole) }

var occlusionRE = regexp.MustCompile(`(\d+) of (\d+) positions`)

// occlusionSeen parses the explain note's texts recorded by jsWatchNote
// into the (done, total) pairs they report, in order.
func occlusionSeen(t *testing.T, texts []string) [][2]int {
	t.Helper()
	var out [][2]int
	for _, s := range texts {
		if m := occlusionRE.FindStringSubmatch(s); m != nil && !strings.HasPrefix(s, "Stopped") {
			d, _ := strconv.Atoi(m[1])
			n, _ := strconv.Atoi(m[2])
			out = append(out, [2]int{d, n})
		}
	}
	return out
}

// jsWatchNote records every text the explain note shows, sampled every
// 10 ms, into window.noteSeen.
const jsWatchNote = `(() => {
	window.noteSeen = [];
	clearInterval(window.noteTimer);
	window.noteTimer = setInterval(() => {
		const s = document.querySelector("#explain-note")?.textContent || "";
		if (s && noteSeen[noteSeen.length - 1] !== s) noteSeen.push(s);
	}, 10);
	return "ok";
})()`

func TestLessonsImageNet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app, writes four ImageNet models (230 MB) and starts Chromium; skipped in -short mode")
	}
	testStart := time.Now()
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	meta := map[string]*modelfile.Meta{}
	for i, arch := range []string{"alexnet", "googlenet", "resnet18", "vgg16"} {
		meta[arch] = randomImageNetModel(t, dir, arch, uint64(20+i))
	}
	cat, list := testCatalog(t, dir)
	byName := map[string]modelEntry{}
	for _, m := range list {
		byName[m.Name] = m
	}
	for arch := range meta {
		if m := byName[arch]; !m.Available || m.URL == "" {
			t.Fatalf("%s is not available in the catalog: %+v", arch, m)
		}
	}
	srv := httptest.NewServer(siteHandler(t, site, cat))
	defer srv.Close()

	a := openLessonPage(t, browser, srv.URL)
	p := a.p
	a.idle()

	// use loads a model (VGG16 is 138 MB to download, hash and compile)
	// and waits for its layer table and lessons.
	use := func(name string) {
		t.Helper()
		start := time.Now()
		if err := p.Click(`#model-table tr[data-model="` + name + `"] button.use-model`); err != nil {
			t.Fatal(err)
		}
		a.wait(fmt.Sprintf(`document.querySelector("#lessons-title")?.textContent === "Lessons on %s" && document.querySelectorAll("#layer-table tbody tr").length === %d && !document.querySelector("#download") && !document.querySelector("#run") && "ok"`,
			name, len(meta[name].Layers)), 4*time.Minute)
		t.Logf("%s loaded in %v", name, time.Since(start).Round(time.Millisecond))
	}
	classify := func() {
		t.Helper()
		start := time.Now()
		top := a.pickSample("dog")
		t.Logf("dog on %s in %v: top-1 %s (random weights)", a.text("#lessons-title"), time.Since(start).Round(time.Millisecond), top[0].Label)
	}

	// The heads lesson's table is the catalog's: every model's fc share,
	// loaded or not, from the architecture's definition.
	checkHeadsTable := func(t *testing.T, a lessonPage) {
		t.Helper()
		a.figure("#heads-chart", 3)
		want := map[string]float64{}
		for _, m := range list {
			if m.Params > 0 && m.ConvParams+m.FCParams > 0 {
				want[m.Name] = float64(m.FCParams)
			}
		}
		checkRows(t, "fc parameters per model", a.rows("#heads-data"), want)
		// The figures for the real networks: the catalog's split
		// must give them, and a loaded file's own table the same.
		for _, c := range []struct {
			name      string
			fc, total int64
		}{
			{"alexnet", 58631144, 61100840},
			{"vgg16", 123642856, 138357544},
		} {
			if m := byName[c.name]; m.FCParams != c.fc || m.Params != c.total {
				t.Errorf("%s: catalog says %s fc of %s, want %s of %s", c.name, group(m.FCParams), group(m.Params), group(c.fc), group(c.total))
			}
			if fc, total := sumParams(meta[c.name]); fc != c.fc || total != c.total {
				t.Errorf("%s: the model file's table has %s fc of %s, want %s of %s", c.name, group(fc), group(total), group(c.fc), group(c.total))
			}
		}
		for _, n := range []string{"googlenet", "resnet18"} {
			if m := byName[n]; percent(m.FCParams, m.Params) > 20 || percent(byName["alexnet"].FCParams, byName["alexnet"].Params) < 90 {
				t.Errorf("%s keeps %.1f %% of its parameters in fc layers; alexnet %.1f %%", n, percent(m.FCParams, m.Params), percent(byName["alexnet"].FCParams, byName["alexnet"].Params))
			}
		}
		for _, n := range []string{"alexnet", "vgg16", "googlenet", "resnet18"} {
			m := byName[n]
			t.Logf("fc share %-9s %13s of %13s = %.1f %%", n, group(m.FCParams), group(m.Params), percent(m.FCParams, m.Params))
		}
	}

	t.Run("vgg16", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		v := meta["vgg16"]
		use("vgg16") // first, before any image: a model switch runs the last image again, and these lessons are about its shapes
		a.tab("stacked")
		fields := chainFields(v)
		var pools []string
		for _, l := range v.Layers {
			if l.Kind == "maxpool" {
				pools = append(pools, l.Name)
			}
		}
		if len(pools) != 5 || fields[pools[4]] != 212 {
			t.Errorf("VGG16's pools %v, the last one's field %d; want five, pool5 seeing 212x212", pools, fields[pools[len(pools)-1]])
		}
		for _, name := range pools {
			a.set("#field-layer", name, "change")
			want := fmt.Sprintf("%dx%d", fields[name], fields[name])
			a.wait(fmt.Sprintf(`document.querySelector("#field-caption")?.textContent.includes(" of %s sees") && "ok"`, name), time.Minute)
			if got := a.attr("#field-caption", "data-size"); got != want {
				t.Errorf("receptive field of %s: %s, want %s", name, got, want)
			}
			t.Logf("field %s: %s", name, a.text("#field-caption"))
		}
		// The stack against the single layer, for the chosen layer's C.
		C := a.int("#stacked-text", "data-c")
		if got, want := a.int("#stacked-text", "data-stacked"), 27*C*C; got != want {
			t.Errorf("stacked weights %d for C = %d, want 3*9*C^2 = %d", got, C, want)
		}
		if got, want := a.int("#stacked-text", "data-single"), 49*C*C; got != want {
			t.Errorf("single 7x7 weights %d, want 49*C^2 = %d", got, want)
		}
		t.Logf("stacked: %s", a.text("#stacked-text"))
		t.Logf("widths: %s", a.text("#width-text"))
		a.shot("imagenet-stacked-vgg16")

		a.tab("heads")
		checkHeads(t, a, v)
		t.Logf("heads: %s", a.text("#heads-text"))

		checkCostParams(t, a, v)
		a.set("#cost-measure", "macs", "change")
		a.wait(`document.querySelector("#cost-text")?.textContent.startsWith("Multiply-accumulates") && "ok"`, time.Minute)
		a.figure("#cost-chart", 3)
		t.Logf("cost: %s", a.text("#cost-text"))
		a.set("#cost-measure", "params", "change")
	})

	t.Run("alexnet", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		m := meta["alexnet"]
		geo := layerGeometry(m)
		use("alexnet")
		classify()

		a.tab("heads")
		checkHeads(t, a, m)
		checkHeadsTable(t, a)
		t.Logf("heads: %s", a.text("#heads-text"))
		a.shot("imagenet-heads-alexnet")

		a.tab("dropout")
		txt := strings.ReplaceAll(a.text("#dropout-layers"), ",", "")
		n := 0
		for _, l := range m.Layers {
			if l.Kind != "dropout" {
				continue
			}
			n++
			u := units(l.Shape)
			// 2^u has floor(u*log10(2))+1 digits.
			want := fmt.Sprintf("%s on %d units (2^%d (about 10^%d) sub-networks)", l.Name, u, u, int(math.Floor(float64(u)*math.Log10(2))))
			if !strings.Contains(txt, want) {
				t.Errorf("dropout text %q lacks %q", txt, want)
			}
		}
		if n != 2 || !strings.Contains(txt, "2^4096 (about 10^1233)") {
			t.Errorf("AlexNet's dropout: %d layers in the table, text %q; want two, the second on 4,096 units", n, txt)
		}
		t.Logf("dropout: %s", a.text("#dropout-layers"))
		a.figure("#drop-inference", 4)
		a.figure("#drop-training", 4)

		a.tab("conv")
		name := a.js(`document.querySelector("#conv-layer").value`)
		l, in := metaLayer(t, m, name), prevShape(t, m, name)
		g := geo[name]
		weights := int64(l.Shape[1] * in[1] * g.k * g.k)
		bias := l.Params - weights
		if bias != 0 && bias != int64(l.Shape[1]) {
			t.Fatalf("%s: %d parameters are not %d weights plus none or one bias per channel", name, l.Params, weights)
		}
		// A fully connected layer from the same input to the same output,
		// with biases when the conv has them.
		wantFC := units(in) * units(l.Shape)
		if bias != 0 {
			wantFC += units(l.Shape)
		}
		if got := a.int("#conv-text", "data-conv"); got != l.Params {
			t.Errorf("%s: conv parameters %d, the table says %d", name, got, l.Params)
		}
		if got := a.int("#conv-text", "data-fc"); got != wantFC {
			t.Errorf("%s: fc equivalent %d, want %d", name, got, wantFC)
		}
		t.Logf("conv: %s", a.text("#conv-text"))
		a.figure("#slide-anim", 8)
		a.figure("#slide-kernel", 2)
		a.figure("#slide-out", 8)
		if txt := a.text("#kernel-text"); strings.Count(txt, " / ") != g.k-1 {
			t.Errorf("the %dx%d kernel's weights: %q", g.k, g.k, txt)
		}
		a.shot("imagenet-conv-alexnet")

		a.tab("stacked")
		fields := chainFields(m)
		field := a.js(`document.querySelector("#field-layer").value`)
		if got, want := a.attr("#field-caption", "data-size"), fmt.Sprintf("%dx%d", fields[field], fields[field]); got != want {
			t.Errorf("receptive field of %s: %s, want %s", field, got, want)
		}
		a.figure("#field-image", 8)
		t.Logf("field: %s", a.text("#field-caption"))

		a.tab("relu")
		relus := 0
		for _, l := range m.Layers {
			if l.Kind == "relu" {
				relus++
			}
		}
		if rows := a.rows("#zeros-data"); len(rows) != relus {
			t.Errorf("zeros table has %d rows for %d ReLUs", len(rows), relus)
		}
		a.figure("#zeros-chart", 3)

		checkCostParams(t, a, m)

		// AlexNet has no global average pooling: where it looks is
		// occlusion, one run per patch position, with its progress shown,
		// a Stop button, and a button to compute it again.
		a.js(jsWatchNote)
		a.tab("explain")
		a.wait(`(() => { const m = (document.querySelector("#explain-note")?.textContent || "").match(/(\d+) of \d+ positions/); return m && Number(m[1]) >= 2 && document.querySelector("#explain-progress") && "ok"; })()`, 2*time.Minute)
		if err := p.Click("#explain-stop"); err != nil {
			t.Fatal(err)
		}
		stopped := a.wait(`(() => { const s = document.querySelector("#explain-note")?.textContent || ""; return s.startsWith("Stopped") && document.querySelector("#explain-again") && !document.querySelector("#explain-image") && !document.querySelector("#explain-progress") && s; })()`, time.Minute)
		t.Logf("explain: %s", stopped)
		a.js(jsWatchNote)
		if err := p.Click("#explain-again"); err != nil {
			t.Fatal(err)
		}
		a.figure("#explain-image", 16)
		var texts []string
		if err := json.Unmarshal([]byte(a.js(`clearInterval(window.noteTimer), JSON.stringify(window.noteSeen)`)), &texts); err != nil {
			t.Fatal(err)
		}
		if m := a.attr("#explain-image", "data-method"); m != "occlusion" {
			t.Errorf("method %q, want occlusion", m)
		}
		note := a.text("#explain-note")
		t.Logf("explain: %s", note)
		var patch, stride int
		if _, err := fmt.Sscanf(note[strings.Index(note, "a grey "):], "a grey %dx", &patch); err != nil {
			t.Fatalf("explain note %q: %v", note, err)
		}
		if i := strings.Index(note, "a stride of "); i < 0 {
			t.Fatalf("explain note %q gives no stride", note)
		} else if _, err := fmt.Sscanf(note[i:], "a stride of %d", &stride); err != nil {
			t.Fatal(err)
		}
		// Positions per side: from 0 in steps of stride, the last one
		// flush with the 224-pixel edge.
		side := (224-patch+stride-1)/stride + 1
		seen := occlusionSeen(t, texts)
		t.Logf("progress seen: %v", seen)
		distinct := 0
		for i, s := range seen {
			if s[1] != side*side {
				t.Errorf("progress %d of %d, want of %d x %d positions", s[0], s[1], side, side)
			}
			if i > 0 && s[0] < seen[i-1][0] {
				t.Errorf("progress went back from %d to %d", seen[i-1][0], s[0])
			}
			if i == 0 || s[0] != seen[i-1][0] {
				distinct++
			}
		}
		if distinct < 3 {
			t.Errorf("the progress showed %d different counts during %d runs, want several", distinct, side*side)
		}
		a.shot("imagenet-explain-alexnet")
	})

	t.Run("googlenet", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		g := meta["googlenet"]
		use("googlenet")
		classify()
		a.tab("inception")
		block := a.js(`document.querySelector("#inception-block").value`)
		if block != "inception3a" {
			t.Errorf("first module %s, want inception3a", block)
		}
		// The "5x5" branch (torchvision's has a 3x3 kernel there): its 1x1
		// reduction and the conv after it, from the table.
		red, big := metaLayer(t, g, block+".branch3.0.conv"), metaLayer(t, g, block+".branch3.1.conv")
		var in []int
		for i, l := range g.Layers {
			if l.Block == block {
				in = g.Layers[i-1].Shape // the module's input: the row before its first layer
				break
			}
		}
		area := big.Params / int64(red.Shape[1]*big.Shape[1]) // k*k: the convs have no bias (batch norm follows)
		H, W := int64(in[2]), int64(in[3])
		wantWith := red.MACs + big.MACs
		wantWithout := H * W * area * int64(in[1]) * int64(big.Shape[1])
		if in[1] != 192 || red.Shape[1] != 16 || big.Shape[1] != 32 || H != 28 {
			t.Errorf("%s: %d channels in at %dx%d, %d after the 1x1, %d out; the issue has 192 at 28x28, 16, 32", block, in[1], H, W, red.Shape[1], big.Shape[1])
		}
		if wantWith != H*W*(int64(in[1])*16+area*16*32) {
			t.Errorf("the table's MACs %d + %d are not H*W*(in*16 + k*k*16*32)", red.MACs, big.MACs)
		}
		if got := a.int("#bottleneck-text", "data-with"); got != wantWith {
			t.Errorf("with the bottleneck: %d MACs, want %d", got, wantWith)
		}
		if got := a.int("#bottleneck-text", "data-without"); got != wantWithout {
			t.Errorf("without the bottleneck: %d MACs, want %d", got, wantWithout)
		}
		txt := a.text("#bottleneck-text")
		for _, s := range []string{"reads 192 channels of 28x28", "reduces them to 16", "makes 32 channels", group(wantWith), group(wantWithout), "the paper draws with a 5x5 kernel"} {
			if !strings.Contains(txt, s) {
				t.Errorf("bottleneck text %q lacks %q", txt, s)
			}
		}
		t.Logf("inception: %s", txt)
		for i := 0; i < 4; i++ {
			a.figure(fmt.Sprintf("#branch-%d", i), 8)
		}
		a.shot("imagenet-inception-googlenet")

		a.tab("heads")
		checkHeads(t, a, g)
		t.Logf("heads: %s", a.text("#heads-text"))

		a.tab("explain")
		a.figure("#explain-image", 16)
		if m := a.attr("#explain-image", "data-method"); m != "cam" {
			t.Errorf("GoogLeNet ends in global average pooling and one fc layer: method %q, want cam", m)
		}

		a.tab("cost")
		f := a.figure("#cost-chart", 3)
		bars := 0
		for _, l := range g.Layers {
			if l.Params > 0 {
				bars++
			}
		}
		t.Logf("cost chart of %d layers: %dx%d, shown at %.0fx%.0f", bars, f.NW, f.NH, f.W, f.H)
		if len(a.rows("#cost-data")) != bars {
			t.Errorf("cost table has %d rows for %d layers with parameters", len(a.rows("#cost-data")), bars)
		}
		// Too many layers for a bar each: one bar per inception module,
		// the layers outside the modules on their own.
		parts, inBlock := 0, map[string]bool{}
		for _, l := range g.Layers {
			if l.Params > 0 && (l.Block == "" || !inBlock[l.Block]) {
				parts++
				inBlock[l.Block] = l.Block != ""
			}
		}
		caption := a.text("#lesson-cost figcaption")
		if !strings.Contains(caption, fmt.Sprintf("%d layers are too many for a bar each", bars)) || !strings.Contains(caption, fmt.Sprintf("%d bars in all", parts)) {
			t.Errorf("cost caption %q: want %d layers added up into %d bars", caption, bars, parts)
		}
		if alt := a.attr("#cost-chart", "alt"); !strings.Contains(alt, "per block of googlenet") {
			t.Errorf("cost chart alt %q", alt)
		}
		// 18 px a bar: the chart is about a screen high, not 2,000 px.
		if f.NH > 18*60+200 {
			t.Errorf("cost chart is %d px high for %d bars", f.NH, parts)
		}
		t.Logf("cost: %s", caption)
		a.shot("imagenet-cost-googlenet")
	})

	t.Run("resnet18", func(t *testing.T) {
		a := lessonPage{appPage: appPage{t: t, p: p}}
		r := meta["resnet18"]
		use("resnet18")
		classify()
		a.tab("residual")
		var blocks []string
		for _, b := range r.Blocks {
			if b.Kind == modelfile.BlockBasic {
				blocks = append(blocks, b.Name)
			}
		}
		got := a.js(`JSON.stringify([...document.querySelectorAll("#residual-block option")].map(o => o.value))`)
		if want, _ := json.Marshal(blocks); string(want) != got {
			t.Errorf("residual blocks %s, want the table's %s", got, want)
		}
		// The first block keeps the shape: its shortcut is its input, the
		// row before it (the stem's max pooling). The first of layer2
		// halves the maps and projects its input.
		var before string
		for i, l := range r.Layers {
			if l.Block == "layer1.0" {
				before = r.Layers[i-1].Name
				break
			}
		}
		for _, c := range []struct{ block, shortcut string }{{"layer1.0", ": " + before + `"`}, {"layer2.0", ": layer2.0.downsample"}} {
			a.set("#residual-block", c.block, "change")
			a.wait(fmt.Sprintf(`[...document.querySelectorAll("#lesson-residual figcaption")].some(f => f.textContent === "Sum: %s.add") && "ok"`, c.block), time.Minute)
			for i := 0; i < 3; i++ {
				a.figure(fmt.Sprintf("#residual-%d", i), 4)
			}
			caps := a.js(`JSON.stringify([...document.querySelectorAll("#lesson-residual figcaption")].map(f => f.textContent))`)
			if !strings.Contains(caps, "Residual branch: "+c.block+".conv2") || !strings.Contains(caps, c.shortcut) {
				t.Errorf("block %s: captions %s, want its conv2 and a shortcut from %s", c.block, caps, c.shortcut)
			}
			t.Logf("residual %s: %s", c.block, caps)
		}
		a.shot("imagenet-residual-resnet18")

		a.tab("heads")
		checkHeads(t, a, r)
		t.Logf("heads: %s", a.text("#heads-text"))

		a.tab("stacked")
		checkWidthTable(t, a, "resnet18", r.Layers)
		t.Logf("widths: %s", a.text("#width-text"))

		a.tab("explain")
		a.figure("#explain-image", 16)
		if m := a.attr("#explain-image", "data-method"); m != "cam" {
			t.Errorf("method %q, want cam", m)
		}
	})

	p.CheckNoErrors()
	t.Logf("whole test: %v", time.Since(testStart).Round(time.Second))
}
