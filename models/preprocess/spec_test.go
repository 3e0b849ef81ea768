package preprocess

import (
	"encoding/json"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestResizedSize(t *testing.T) {
	// Values from torchvision 0.14's _compute_resized_output_size.
	cases := []struct{ w, h, short, rw, rh int }{
		{500, 375, 256, 341, 256},
		{375, 500, 256, 256, 341},
		{768, 576, 256, 341, 256},
		{1352, 900, 256, 384, 256},
		{7, 5, 256, 358, 256},
		{1000, 40, 256, 6400, 256},
		{256, 256, 256, 256, 256},
		{45, 37, 32, 38, 32},
		{333, 257, 256, 331, 256},
	}
	for _, c := range cases {
		if rw, rh := resizedSize(c.w, c.h, c.short); rw != c.rw || rh != c.rh {
			t.Errorf("resizedSize(%d, %d, %d) = %d, %d; want %d, %d", c.w, c.h, c.short, rw, rh, c.rw, c.rh)
		}
	}
}

func TestCenterCropRounding(t *testing.T) {
	// Python's round() takes halves to the even neighbour.
	cases := []struct {
		w, h, crop int
		want       image.Point
	}{
		{256, 257, 224, image.Pt(16, 16)}, // (257-224)/2 = 16.5 -> 16
		{256, 259, 224, image.Pt(16, 18)}, // 17.5 -> 18
		{341, 256, 224, image.Pt(58, 16)}, // 58.5 -> 58
		{224, 224, 224, image.Pt(0, 0)},
	}
	for _, c := range cases {
		if r := centerCrop(c.w, c.h, c.crop); r.Min != c.want || r.Dx() != c.crop || r.Dy() != c.crop {
			t.Errorf("centerCrop(%d, %d, %d) = %v, want origin %v", c.w, c.h, c.crop, r, c.want)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	for _, s := range []Spec{ImageNet(), CIFAR10()} {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	bad := map[string]func(*Spec){
		"crop 0":           func(s *Spec) { s.Crop = 0 },
		"crop huge":        func(s *Spec) { s.Crop = MaxSide + 1 },
		"resize < crop":    func(s *Spec) { s.ResizeShorter = 100 },
		"resize negative":  func(s *Spec) { s.ResizeShorter = -1 },
		"resize huge":      func(s *Spec) { s.ResizeShorter = 1 << 20 },
		"std 0":            func(s *Spec) { s.Std[1] = 0 },
		"std negative":     func(s *Spec) { s.Std[2] = -0.2 },
		"std NaN":          func(s *Spec) { s.Std[0] = float32(math.NaN()) },
		"mean inf":         func(s *Spec) { s.Mean[0] = float32(math.Inf(1)) },
		"zero value (all)": func(s *Spec) { *s = Spec{} },
	}
	img := pattern(40, 30)
	for name, mut := range bad {
		s := ImageNet()
		mut(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, s)
		}
		if _, err := s.Apply(img); err == nil {
			t.Errorf("%s: Apply accepted %+v", name, s)
		}
		if v := s.View(img); !v.Bounds().Empty() {
			t.Errorf("%s: View returned %v, want an empty image", name, v.Bounds())
		}
	}
}

func TestSpecJSON(t *testing.T) {
	b, err := json.Marshal(ImageNet())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"resize_shorter":256`, `"crop":224`, `"mean":[0.485,0.456,0.406]`, `"std":[0.229,0.224,0.225]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("%s lacks %s", b, key)
		}
	}
	var back Spec
	if err := json.Unmarshal(b, &back); err != nil || back != ImageNet() {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

func TestApplyShapeAndValues(t *testing.T) {
	s := ImageNet()
	finite := image.NewRGBA(image.Rect(0, 0, 300, 200)) // one flat colour
	for i := 0; i < len(finite.Pix); i += 4 {
		copy(finite.Pix[i:], []uint8{255, 0, 128, 255})
	}
	ten, err := s.Apply(finite)
	if err != nil {
		t.Fatal(err)
	}
	if got := ten.Shape; len(got) != 4 || got[0] != 1 || got[1] != 3 || got[2] != 224 || got[3] != 224 {
		t.Fatalf("shape %v", got)
	}
	// A flat image stays flat through the resampler (weights sum to one).
	plane := 224 * 224
	for c, v := range []uint8{255, 0, 128} {
		want := (float32(v)/255 - s.Mean[c]) / s.Std[c]
		for i := range plane {
			if ten.Data[c*plane+i] != want {
				t.Fatalf("channel %d element %d = %v, want %v", c, i, ten.Data[c*plane+i], want)
			}
		}
	}
	// The view has the crop size; Normalize refuses other sizes.
	if b := s.View(finite).Bounds(); b.Dx() != 224 || b.Dy() != 224 {
		t.Errorf("view %v", b)
	}
	if _, err := s.Normalize(finite); err == nil {
		t.Error("Normalize accepted a 300x200 view")
	}
	if _, err := s.Apply(image.NewRGBA(image.Rectangle{})); err == nil {
		t.Error("Apply accepted an empty image")
	}
}

// TestCIFARNoResize: a 32x32 picture reaches a CIFAR-10 model untouched, and
// the view of a non-zero-origin sub-image is its own pixels.
func TestCIFARNoResize(t *testing.T) {
	big := pattern(100, 80)
	sub := big.SubImage(image.Rect(30, 20, 62, 52))
	v, err := CIFAR10().Prepare(sub)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(v, sub); d != 0 {
		t.Errorf("32x32 view differs from its input by %d", d)
	}
}

// TestWindowEqualsFullResize: resizing only the crop window gives the same
// pixels as resizing everything and cropping, for random sizes both ways.
func TestWindowEqualsFullResize(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 30 {
		w, h := 1+rng.IntN(90), 1+rng.IntN(90)
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.Uint32())
		}
		ow, oh := 1+rng.IntN(120), 1+rng.IntN(120)
		src := newRowSource(img)
		full := resizeWindow(src, ow, oh, image.Rect(0, 0, ow, oh))
		x0, y0 := rng.IntN(ow), rng.IntN(oh)
		win := image.Rect(x0, y0, x0+1+rng.IntN(ow-x0), y0+1+rng.IntN(oh-y0))
		part := resizeWindow(src, ow, oh, win)
		for y := win.Min.Y; y < win.Max.Y; y++ {
			for x := win.Min.X; x < win.Max.X; x++ {
				if full.RGBAAt(x, y) != part.RGBAAt(x-win.Min.X, y-win.Min.Y) {
					t.Fatalf("%dx%d -> %dx%d window %v: pixel (%d,%d) differs", w, h, ow, oh, win, x, y)
				}
			}
		}
	}
}

// TestRowSources: every fast path converts like the generic one
// (color.NRGBAModel), which is PIL's convert("RGB") for these types.
func TestRowSources(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := image.Rect(3, 5, 20, 14)
	nrgba := image.NewNRGBA(r)
	rgba := image.NewRGBA(r)
	gray := image.NewGray(r)
	n64 := image.NewNRGBA64(r)
	pal := image.NewPaletted(r, color.Palette{color.NRGBA{1, 2, 3, 0}, color.RGBA{9, 8, 7, 255}, color.NRGBA{200, 100, 50, 128}})
	for _, b := range [][]uint8{nrgba.Pix, gray.Pix, n64.Pix} {
		for i := range b {
			b[i] = uint8(rng.Uint32())
		}
	}
	for i := range pal.Pix {
		pal.Pix[i] = uint8(rng.IntN(3))
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			rgba.Set(x, y, nrgba.At(x, y))
		}
	}
	// YCbCr is left out: it follows libjpeg, not image/color (see
	// TestYCbCrLibjpeg).
	for name, img := range map[string]image.Image{"nrgba": nrgba, "rgba": rgba, "gray": gray, "nrgba64": n64, "paletted": pal} {
		fast := packedRGB(img)
		slow := packedRGB(struct{ image.Image }{img}) // hides the type: generic path
		if name == "nrgba64" || name == "paletted" {
			// The generic path premultiplies; compare opaque pixels only.
			for i := 0; i < len(fast); i += 3 {
				x, y := r.Min.X+(i/3)%r.Dx(), r.Min.Y+(i/3)/r.Dx()
				if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
					copy(slow[i:i+3], fast[i:i+3])
				}
			}
		}
		for i := range fast {
			if fast[i] != slow[i] {
				t.Errorf("%s: byte %d fast %d, generic %d", name, i, fast[i], slow[i])
				break
			}
		}
	}
	// An index past the palette (image.Paletted.At would panic) is black.
	pal.Pix[0] = 200
	if got := packedRGB(pal)[:3]; got[0] != 0 || got[1] != 0 || got[2] != 0 {
		t.Errorf("index past the palette: %v, want black", got)
	}
}
