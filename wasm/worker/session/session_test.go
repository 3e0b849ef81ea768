package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"convscope/engine"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
	"convscope/web/protocol"
)

// randomModel returns the file bytes of arch (a CIFAR-10 definition) with
// random weights, and the same file loaded as the command line loads it.
func randomModel(t testing.TB, arch string) ([]byte, *models.Model) {
	t.Helper()
	return randomModelMeta(t, arch, nil)
}

// randomModelMeta is randomModel with its Meta changed by edit first
// (when not nil).
func randomModelMeta(t testing.TB, arch string, edit func(*models.Meta)) ([]byte, *models.Model) {
	t.Helper()
	def, err := models.Arch(arch)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := models.ArchDataset(arch)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := labels.For(ds)
	if err != nil {
		t.Fatal(err)
	}
	spec := preprocess.ImageNet()
	if ds == "cifar10" {
		spec = preprocess.CIFAR10()
	}
	meta := models.Meta{
		Name: "random_" + arch, Dataset: ds, Labels: lb, Preprocess: spec,
		Source: "random weights (test)",
	}
	if edit != nil {
		edit(&meta)
	}
	f, err := models.Convert(def, def.RandomStateDict(7), meta)
	if err != nil {
		t.Fatal(err)
	}
	b, err := modelfile.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.LoadBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// testImage is a CIFAR-10 test JPEG when the shared data is there, else a
// generated PNG.
func testImage(t testing.TB) []byte {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "data", "cifar10", "test", "cat", "0000.jpg")); err == nil {
		return b
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			img.Set(x, y, color.RGBA{uint8(6 * x), uint8(8 * y), uint8(x * y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BombPNG is a PNG header declaring w x h pixels followed by nothing useful.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	b.WriteString("\x00\x00\x00\x00IDAT\x35\xaf\x06\x1e")
	return b.Bytes()
}

func code(err error) string {
	if err == nil {
		return "no error"
	}
	return Code(err)
}

func TestLoadRefusesBadFiles(t *testing.T) {
	b, _ := randomModel(t, "resnet20_cifar")
	var s Session
	if _, err := s.Load(b[:len(b)/2], hexSHA(b)); code(err) != protocol.CodeHash {
		t.Errorf("truncated file: %v (code %s), want a hash error", err, code(err))
	}
	tampered := bytes.Clone(b)
	tampered[len(tampered)-10] ^= 1
	if _, err := s.Load(tampered, hexSHA(b)); code(err) != protocol.CodeHash {
		t.Errorf("tampered file: %v (code %s), want a hash error", err, code(err))
	}
	junk := []byte("not a model file at all")
	if _, err := s.Load(junk, hexSHA(junk)); code(err) != protocol.CodeModel {
		t.Errorf("junk with its own hash: %v (code %s), want a model error", err, code(err))
	}
	if s.Model() != nil {
		t.Error("a refused file became the current model")
	}
	if _, err := s.Classify(context.Background(), testImage(t), false, 5, nil); code(err) != protocol.CodeNoModel {
		t.Errorf("classify without a model: %v", err)
	}
	loaded, err := s.Load(b, hexSHA(b))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Name != "random_resnet20_cifar" || loaded.Crop != 32 || len(loaded.Labels) != 10 || len(loaded.Layers) == 0 {
		t.Errorf("loaded %+v", loaded)
	}
	loaded.ID = 1
	if _, _, err := protocol.Encode(loaded); err != nil {
		t.Error(err)
	}
}

// TestClassifyMatchesCommandLine: the worker's probabilities are the
// command line's (models.Classify on the same decoded image) to the bit,
// for every CIFAR-10 architecture.
func TestClassifyMatchesCommandLine(t *testing.T) {
	img := testImage(t)
	decoded, err := preprocess.Decode(bytes.NewReader(img), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"resnet20_cifar", "plain20_cifar", "vgg_cifar", "googlenet_cifar", "alexnet_cifar"} {
		t.Run(arch, func(t *testing.T) {
			b, m := randomModel(t, arch)
			want, err := m.Classify(decoded, 10)
			if err != nil {
				t.Fatal(err)
			}
			var s Session
			if _, err := s.Load(b, hexSHA(b)); err != nil {
				t.Fatal(err)
			}
			var done []protocol.LayerDone
			res, err := s.Classify(context.Background(), img, false, 10, func(d protocol.LayerDone) { done = append(done, d) })
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Top) != 10 {
				t.Fatalf("%d classes", len(res.Top))
			}
			for i, p := range res.Top {
				if p.Index != want[i].Index || p.Label != want[i].Label || math.Abs(p.Prob-want[i].Prob) > 1e-6 {
					t.Errorf("class %d: %+v, command line %+v", i, p, want[i])
				}
			}
			if res.View.W != 32 || res.View.H != 32 || len(res.View.RGBA) != 32*32*4 {
				t.Errorf("view %dx%d, %d bytes", res.View.W, res.View.H, len(res.View.RGBA))
			}
			if len(done) == 0 || len(done) != len(res.Timings) || done[len(done)-1].Index != done[0].Total-1 {
				t.Errorf("%d progress calls for %d timings", len(done), len(res.Timings))
			}
			for _, d := range done {
				if d.Layer >= 0 && res.Timings[d.Index].Name != d.Name {
					t.Errorf("progress %+v does not match timing %+v", d, res.Timings[d.Index])
				}
			}
			res.ID = 1
			if _, _, err := protocol.Encode(res); err != nil {
				t.Error(err)
			}
			// Again re-runs the same decoded image.
			again, err := s.Classify(context.Background(), nil, true, 3, nil)
			if err != nil {
				t.Fatal(err)
			}
			if again.Top[0] != res.Top[0] || len(again.Top) != 3 {
				t.Errorf("again: %+v, first run %+v", again.Top, res.Top[:3])
			}
		})
	}
}

func TestClassifyBadImages(t *testing.T) {
	b, _ := randomModel(t, "resnet20_cifar")
	var s Session
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Classify(context.Background(), nil, true, 5, nil); code(err) != protocol.CodeNoResult {
		t.Errorf("again before any image: %v", err)
	}
	var jpg bytes.Buffer
	src := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	if err := jpeg.Encode(&jpg, src, nil); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"not an image":    []byte("hello, this is a text file, not a picture"),
		"corrupt PNG":     append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xff}, 100)...),
		"truncated JPEG":  jpg.Bytes()[:jpg.Len()/2],
		"30000x30000 PNG": bombPNG(30000, 30000),
	}
	for name, data := range cases {
		start := time.Now()
		_, err := s.Classify(context.Background(), data, false, 5, nil)
		if code(err) != protocol.CodeImage {
			t.Errorf("%s: %v (code %s), want an image error", name, err, code(err))
		} else {
			t.Logf("%s: %v (%v)", name, err, time.Since(start).Round(time.Microsecond))
		}
	}
	if _, err := s.Classify(context.Background(), testImage(t), false, 5, nil); err != nil {
		t.Errorf("classify after the bad files: %v", err)
	}
	if _, err := s.Classify(context.Background(), testImage(t), false, 11, nil); code(err) != protocol.CodeRequest {
		t.Errorf("top 11 of 10 classes: %v", err)
	}
}

func TestClassifyCancel(t *testing.T) {
	b, _ := randomModel(t, "resnet20_cifar")
	var s Session
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := s.Classify(ctx, testImage(t), false, 5, func(protocol.LayerDone) { calls++; cancel() })
	if code(err) != protocol.CodeCancelled || calls != 1 {
		t.Errorf("cancelled run: %v (code %s) after %d nodes", err, code(err), calls)
	}
	if _, err := s.Activations("conv1"); code(err) != protocol.CodeNoResult {
		t.Errorf("maps of a cancelled run: %v", err)
	}
	if _, err := s.Classify(context.Background(), nil, true, 5, nil); err != nil {
		t.Errorf("classify after a cancel: %v", err)
	}
}

// TestActivations checks every layer's maps against an independent unfused
// run: dequantized, they agree within half a step.
func TestActivations(t *testing.T) {
	b, m := randomModel(t, "googlenet_cifar")
	var s Session
	loaded, err := s.Load(b, hexSHA(b))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activations(loaded.Layers[0].Name); code(err) != protocol.CodeNoResult {
		t.Errorf("maps before a run: %v", err)
	}
	img := testImage(t)
	if _, err := s.Classify(context.Background(), img, false, 5, nil); err != nil {
		t.Fatal(err)
	}
	decoded, _ := preprocess.Decode(bytes.NewReader(img), 0)
	x, err := m.Input(decoded)
	if err != nil {
		t.Fatal(err)
	}
	// The reference: every layer's value from one unfused run.
	values := map[string]string{}
	var keep []string
	for _, ml := range m.Meta.Layers {
		values[ml.Name] = ml.Value
		keep = append(keep, ml.Value)
	}
	p, err := m.Program(engine.Options{Keep: keep, NoFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(map[string]*engine.Tensor{m.Graph().Inputs[0].Name: x})
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, l := range loaded.Layers {
		maps, err := s.Activations(l.Name)
		if !l.Maps {
			if code(err) != protocol.CodeLayer {
				t.Errorf("%s has no maps but Activations says %v", l.Name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		shown++
		maps.ID = 1
		if _, _, err := protocol.Encode(maps); err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		ref := res.Kept[values[l.Name]].Data
		c, hw := maps.Shape[0], maps.Shape[1]*maps.Shape[2]
		if len(ref) != c*hw {
			t.Fatalf("%s: %d values, maps %v", l.Name, len(ref), maps.Shape)
		}
		for ch := 0; ch < c; ch++ {
			step := (float64(maps.Max[ch]) - float64(maps.Min[ch])) / 255
			for i := 0; i < hw; i++ {
				v := float64(maps.Min[ch]) + float64(maps.Data[ch*hw+i])*step
				if d := math.Abs(v - float64(ref[ch*hw+i])); d > step/2+1e-5 {
					t.Fatalf("%s map %d value %d: %v dequantized, %v computed (step %v)", l.Name, ch, i, v, ref[ch*hw+i], step)
				}
			}
		}
	}
	if shown < 10 {
		t.Errorf("only %d layers have maps", shown)
	}
	if _, err := s.Activations("no.such.layer"); code(err) != protocol.CodeLayer {
		t.Errorf("unknown layer: %v", err)
	}
}

func TestFilters(t *testing.T) {
	b, m := randomModel(t, "resnet20_cifar")
	var s Session
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	p, err := s.Filters("")
	if err != nil {
		t.Fatal(err)
	}
	w := m.Graph().Consts["conv1.weight"] // (16, 3, 3, 3)
	if w == nil {
		t.Fatal("no conv1.weight")
	}
	if p.Layer != "conv1" || p.Count != 16 || p.W != 3 || p.H != 3 {
		t.Fatalf("patches of %s: %d of %dx%d", p.Layer, p.Count, p.W, p.H)
	}
	p.ID = 1
	if _, _, err := protocol.Encode(p); err != nil {
		t.Fatal(err)
	}
	for f := 0; f < 16; f++ {
		step := (float64(p.Max[f]) - float64(p.Min[f])) / 255
		for ch := 0; ch < 3; ch++ {
			for i := 0; i < 9; i++ {
				got := float64(p.Min[f]) + float64(p.RGBA[f*36+4*i+ch])*step
				want := float64(w.Float32()[f*27+ch*9+i])
				if math.Abs(got-want) > step/2+1e-6 {
					t.Fatalf("filter %d channel %d weight %d: %v, want %v", f, ch, i, got, want)
				}
			}
		}
		if p.RGBA[f*36+3] != 255 {
			t.Fatal("alpha is not 255")
		}
	}
	if _, err := s.Filters("layer1.0.conv1"); code(err) != protocol.CodeLayer {
		t.Errorf("a conv on 16 channels: %v", err)
	}
}

func TestQuantize(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	data, lo, hi := Quantize([]float32{-1, 0, 1, 3, 3, 3, nan, 2, inf, 4}, 5)
	// map 0: -1..0; map 1: 1..3; map 2: constant 3; map 3: NaN and 2
	// (range 2..2, NaN as the minimum); map 4: +Inf and 4 (range 4..4,
	// +Inf saturates).
	want := []byte{0, 255, 0, 255, 0, 0, 0, 0, 255, 0}
	if !bytes.Equal(data, want) {
		t.Errorf("data %v, want %v", data, want)
	}
	if lo[0] != -1 || hi[0] != 0 || lo[1] != 1 || hi[1] != 3 || lo[3] != 2 || hi[3] != 2 || lo[4] != 4 || hi[4] != 4 {
		t.Errorf("ranges %v %v", lo, hi)
	}
}

func TestWarmUp(t *testing.T) {
	var s Session
	if err := s.WarmUp(context.Background(), nil, nil); code(err) != protocol.CodeNoModel {
		t.Errorf("warm-up without a model: %v", err)
	}
	b, _ := randomModel(t, "resnet20_cifar")
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	// It goes through Classify's whole path, progress and Result included.
	steps, results := 0, 0
	progress := func(d protocol.LayerDone) {
		if d.Total == 0 || d.Index >= d.Total {
			t.Errorf("warm-up progress %+v", d)
		}
		steps++
	}
	if err := s.WarmUp(context.Background(), progress, func(r *protocol.Result) {
		if len(r.Top) != DefaultTop || len(r.Stats) == 0 {
			t.Errorf("warm-up result: %d classes, %d stats", len(r.Top), len(r.Stats))
		}
		results++
	}); err != nil || steps == 0 || results == 0 || steps%results != 0 {
		t.Errorf("warm-up: %v after %d steps, %d results", err, steps, results)
	}
	ctx, cancel := context.WithCancel(context.Background())
	steps = 0
	if err := s.WarmUp(ctx, func(protocol.LayerDone) { steps++; cancel() }, nil); code(err) != protocol.CodeCancelled || steps != 1 {
		t.Errorf("cancelled warm-up: %v after %d steps", err, steps)
	}
	// A warm-up leaves no trace: no maps, no image to classify again.
	if _, err := s.Activations("conv1"); code(err) != protocol.CodeNoResult {
		t.Errorf("maps after a warm-up: %v", err)
	}
	if _, err := s.Classify(context.Background(), nil, true, 5, nil); code(err) != protocol.CodeNoResult {
		t.Errorf("again after a warm-up: %v", err)
	}
	// After a classify, it keeps the image (and its prepared input) to
	// classify again, and the answer is the same.
	img := testImage(t)
	want, err := s.Classify(context.Background(), img, false, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := s.x
	if err := s.WarmUp(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activations("conv1"); code(err) != protocol.CodeNoResult {
		t.Errorf("maps after a warm-up: %v", err)
	}
	got, err := s.Classify(context.Background(), nil, true, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Top, want.Top) || !reflect.DeepEqual(got.Stats, want.Stats) || s.x != x {
		t.Errorf("again after a warm-up: %+v, want %+v (or the stats differ, or the input was prepared anew)", got.Top, want.Top)
	}
}

// TestWarmUpEngine: the bare warm-up runs without a Classify's path and,
// after a classify, leaves its maps, its statistics and its image as they
// were (the worker runs it after a model's first classify too), on a
// lazy session (googlenet_cifar: the maps' float32 buffers are the last
// run's) and one that quantizes as it runs (a model too large to be lazy
// is not needed: neither kind is touched, the run hands every value back).
func TestWarmUpEngine(t *testing.T) {
	var s Session
	if err := s.WarmUpEngine(context.Background(), nil); code(err) != protocol.CodeNoModel {
		t.Errorf("warm-up without a model: %v", err)
	}
	b, _ := randomModel(t, "googlenet_cifar")
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	steps := 0
	if err := s.WarmUpEngine(context.Background(), func() { steps++ }); err != nil || steps == 0 {
		t.Errorf("warm-up: %v after %d steps", err, steps)
	}
	ctx, cancel := context.WithCancel(context.Background())
	steps = 0
	if err := s.WarmUpEngine(ctx, func() { steps++; cancel() }); code(err) != protocol.CodeCancelled || steps != 1 {
		t.Errorf("cancelled warm-up: %v after %d steps", err, steps)
	}
	img := testImage(t)
	want, err := s.Classify(context.Background(), img, false, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wantMaps []*protocol.Maps
	for _, l := range s.layers {
		if m, err := s.Activations(l.Name); err == nil {
			wantMaps = append(wantMaps, m)
		}
	}
	if len(wantMaps) == 0 {
		t.Fatal("no maps to compare")
	}
	x := s.x
	if err := s.WarmUpEngine(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, l := range s.layers {
		m, err := s.Activations(l.Name)
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(m, wantMaps[i]) {
			t.Errorf("%s: maps after a warm-up differ", l.Name)
		}
		i++
	}
	got, err := s.Classify(context.Background(), nil, true, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Top, want.Top) || !reflect.DeepEqual(got.Stats, want.Stats) || s.x != x {
		t.Errorf("again after a warm-up: %+v, want %+v (or the stats differ, or the input was prepared anew)", got.Top, want.Top)
	}
}

// TestLazyMaps: a session that quantizes the maps when they are viewed
// (Session.lazy, every CIFAR-10 model) gives the bytes, ranges and table
// statistics of one that quantizes every layer as the run goes, on two
// images in turn (the second run reuses the first's float32 buffers), and
// a map viewed twice is quantized once.
func TestLazyMaps(t *testing.T) {
	for _, arch := range []string{"googlenet_cifar", "resnet20_cifar"} {
		t.Run(arch, func(t *testing.T) {
			b, _ := randomModel(t, arch)
			var lazy, eager Session
			loaded, err := lazy.Load(b, hexSHA(b))
			if err != nil {
				t.Fatal(err)
			}
			if !lazy.lazy {
				t.Fatalf("%s does not quantize its maps lazily", arch)
			}
			if _, err := eager.Load(b, hexSHA(b)); err != nil {
				t.Fatal(err)
			}
			eager.lazy, eager.floats = false, nil
			other := image.NewRGBA(image.Rect(0, 0, 40, 36))
			for i := range other.Pix {
				other.Pix[i] = uint8(i * 13)
			}
			var png2 bytes.Buffer
			if err := png.Encode(&png2, other); err != nil {
				t.Fatal(err)
			}
			for run, img := range [][]byte{testImage(t), png2.Bytes()} {
				want, err := eager.Classify(context.Background(), img, false, 5, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := lazy.Classify(context.Background(), img, false, 5, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Top, want.Top) || !reflect.DeepEqual(got.Stats, want.Stats) {
					t.Errorf("run %d: top %+v, stats %+v; eager %+v, %+v", run, got.Top, got.Stats, want.Top, want.Stats)
				}
				shown := 0
				for _, l := range loaded.Layers {
					if !l.Maps {
						continue
					}
					wm, err := eager.Activations(l.Name)
					if err != nil {
						t.Fatal(err)
					}
					gm, err := lazy.Activations(l.Name)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(gm, wm) {
						t.Fatalf("run %d, %s: lazy maps differ from eager ones", run, l.Name)
					}
					again, _ := lazy.Activations(l.Name)
					if &again.Data[0] != &gm.Data[0] {
						t.Errorf("run %d, %s: quantized again", run, l.Name)
					}
					shown++
				}
				if shown < 10 {
					t.Errorf("only %d layers have maps", shown)
				}
			}
		})
	}
}

// TestClassifyAgainPrepared: Classify again reuses the input it prepared
// for the model's preprocessing (no new resize), and its answer is what a
// fresh session gives on the same image: after a model switch to the same
// spec (the input kept), to another spec (prepared anew) and after a new
// image (never the old input).
func TestClassifyAgainPrepared(t *testing.T) {
	photo := func(w, h int, seed uint8) []byte {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				img.Set(x, y, color.RGBA{uint8(3*x) + seed, uint8(5 * y), uint8(x*y) ^ seed, 255})
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	fresh := func(model, img []byte) *protocol.Result {
		var s Session
		if _, err := s.Load(model, hexSHA(model)); err != nil {
			t.Fatal(err)
		}
		res, err := s.Classify(context.Background(), img, false, 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	same := func(what string, got, want *protocol.Result) {
		t.Helper()
		if !reflect.DeepEqual(got.Top, want.Top) || !reflect.DeepEqual(got.Stats, want.Stats) || !reflect.DeepEqual(got.View, want.View) {
			t.Errorf("%s: top %+v, want %+v (or the stats or view differ)", what, got.Top, want.Top)
		}
	}
	resnet, _ := randomModel(t, "resnet20_cifar")
	vgg, _ := randomModel(t, "vgg_cifar")
	// The same network with another normalisation: another spec.
	mean, _ := randomModelMeta(t, "resnet20_cifar", func(m *models.Meta) {
		m.Name = "random_resnet20_mean"
		m.Preprocess.Mean = [3]float32{0.5, 0.5, 0.5}
	})
	big, other := photo(300, 200, 0), photo(90, 120, 77)

	var s Session
	if _, err := s.Load(resnet, hexSHA(resnet)); err != nil {
		t.Fatal(err)
	}
	first, err := s.Classify(context.Background(), big, false, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := s.x
	again, err := s.Classify(context.Background(), nil, true, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	same("again", again, first)
	if s.x != x {
		t.Error("again prepared the image anew")
	}
	for _, m := range []struct {
		name  string
		model []byte
		kept  bool
	}{{"vgg_cifar (same spec)", vgg, true}, {"another mean", mean, false}, {"resnet20_cifar", resnet, false}} {
		if _, err := s.Load(m.model, hexSHA(m.model)); err != nil {
			t.Fatal(err)
		}
		res, err := s.Classify(context.Background(), nil, true, 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		same("again on "+m.name, res, fresh(m.model, big))
		if (s.x == x) != m.kept {
			t.Errorf("again on %s: input kept %v, want %v", m.name, s.x == x, m.kept)
		}
		x = s.x
	}
	res, err := s.Classify(context.Background(), other, false, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	same("a new image", res, fresh(resnet, other))
	if again, err = s.Classify(context.Background(), nil, true, 5, nil); err != nil {
		t.Fatal(err)
	}
	same("again on the new image", again, res)
}
