package preprocess

import (
	"errors"
	"fmt"
	"image"
	"math"

	"convscope/engine"
)

// Spec is a model's input preprocessing, stored in each model file's
// metadata. Applying it is the torchvision pipeline
//
//	Resize(ResizeShorter)   // bilinear, antialiased, as PIL does it
//	CenterCrop(Crop)
//	ToTensor()              // bytes / 255
//	Normalize(Mean, Std)
//
// on the RGB image (torchvision's default loader: PIL convert("RGB")). A
// ResizeShorter of 0 means the shorter side is resized to Crop directly, so
// an image that already has the input size (a 32x32 CIFAR-10 picture) is
// used as it is.
type Spec struct {
	ResizeShorter int        `json:"resize_shorter"` // 256 for ImageNet; 0 = resize to Crop directly
	Crop          int        `json:"crop"`           // 224 for ImageNet, 32 for CIFAR-10
	Mean          [3]float32 `json:"mean"`
	Std           [3]float32 `json:"std"`
}

// MaxSide bounds Crop and ResizeShorter so that a model file cannot make
// preprocessing allocate without limit (the largest real input, 224 after
// 256, is far below it).
const MaxSide = 4096

// ImageNet is the preprocessing of every torchvision ImageNet model.
func ImageNet() Spec {
	return Spec{
		ResizeShorter: 256,
		Crop:          224,
		Mean:          [3]float32{0.485, 0.456, 0.406},
		Std:           [3]float32{0.229, 0.224, 0.225},
	}
}

// CIFAR10 is the preprocessing of the built-in CIFAR-10 models: 32x32 input
// (other sizes get their shorter side resized to 32 and a centre crop) and
// the usual CIFAR-10 training-set channel statistics. train/train.py uses
// the same MEAN and STD; change both together.
func CIFAR10() Spec {
	return Spec{
		ResizeShorter: 0,
		Crop:          32,
		Mean:          [3]float32{0.4914, 0.4822, 0.4465},
		Std:           [3]float32{0.2470, 0.2435, 0.2616},
	}
}

// Validate reports whether s can be applied. A Spec read from a model file
// must pass it before use; Apply and View check it themselves.
func (s Spec) Validate() error {
	if s.Crop < 1 || s.Crop > MaxSide {
		return fmt.Errorf("preprocess: crop %d outside 1..%d", s.Crop, MaxSide)
	}
	if s.ResizeShorter != 0 && (s.ResizeShorter < s.Crop || s.ResizeShorter > MaxSide) {
		return fmt.Errorf("preprocess: resize_shorter %d must be 0 or within crop..%d (crop %d)", s.ResizeShorter, MaxSide, s.Crop)
	}
	for c := range 3 {
		m, d := float64(s.Mean[c]), float64(s.Std[c])
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("preprocess: mean[%d] = %v is not finite", c, m)
		}
		if !(d > 0) || math.IsInf(d, 0) {
			return fmt.Errorf("preprocess: std[%d] = %v must be positive and finite", c, d)
		}
	}
	return nil
}

// Apply returns img preprocessed for the model: a (1, 3, Crop, Crop) tensor.
func (s Spec) Apply(img image.Image) (*engine.Tensor, error) {
	view, err := s.Prepare(img)
	if err != nil {
		return nil, err
	}
	return s.Normalize(view)
}

// View returns the resized and cropped RGB image as the model sees it (before
// normalisation). It returns an empty image when s is invalid or img has no
// pixels; Prepare reports why.
func (s Spec) View(img image.Image) image.Image {
	view, err := s.Prepare(img)
	if err != nil {
		return image.NewRGBA(image.Rectangle{})
	}
	return view
}

// Prepare is View with its error: the Crop x Crop RGB image (alpha 255).
// Callers that show the view and run the model call Prepare once and pass
// the result to Normalize.
func (s Spec) Prepare(img image.Image) (*image.RGBA, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if img == nil || img.Bounds().Empty() {
		return nil, errors.New("preprocess: image has no pixels")
	}
	src := newRowSource(img)
	w, h := src.size()
	shorter := s.ResizeShorter
	if shorter == 0 {
		shorter = s.Crop
	}
	rw, rh := resizedSize(w, h, shorter)
	return resizeWindow(src, rw, rh, centerCrop(rw, rh, s.Crop)), nil
}

// Normalize turns a Crop x Crop view (from Prepare) into the model input:
// (1, 3, Crop, Crop), value = (byte/255 - mean) / std per channel, computed
// in float32 step by step as torchvision's ToTensor and Normalize do.
func (s Spec) Normalize(view image.Image) (*engine.Tensor, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b := view.Bounds()
	if b.Dx() != s.Crop || b.Dy() != s.Crop {
		return nil, fmt.Errorf("preprocess: view is %dx%d, want %dx%d", b.Dx(), b.Dy(), s.Crop, s.Crop)
	}
	t, err := engine.NewTensor(1, 3, s.Crop, s.Crop)
	if err != nil {
		return nil, err
	}
	plane := s.Crop * s.Crop
	src := newRowSource(view)
	line := make([]uint8, 3*s.Crop)
	for y := range s.Crop {
		src.row(y, line)
		for x := range s.Crop {
			for c := range 3 {
				v := float32(line[x*3+c]) / 255
				v = (v - s.Mean[c]) / s.Std[c]
				t.Data[c*plane+y*s.Crop+x] = v
			}
		}
	}
	return t, nil
}

// resizedSize is torchvision 0.14's _compute_resized_output_size for an int
// size: the shorter side becomes shorter, the longer one
// int(shorter * long / short) (true division, then truncation).
func resizedSize(w, h, shorter int) (rw, rh int) {
	if w <= h {
		return shorter, int(float64(shorter) * float64(h) / float64(w))
	}
	return int(float64(shorter) * float64(w) / float64(h)), shorter
}

// centerCrop is torchvision's CenterCrop box for a crop no larger than the
// image: top = int(round((h - crop) / 2.0)) with Python's round, which rounds
// halves to even.
func centerCrop(w, h, crop int) image.Rectangle {
	top := int(math.RoundToEven(float64(h-crop) / 2))
	left := int(math.RoundToEven(float64(w-crop) / 2))
	return image.Rect(left, top, left+crop, top+crop)
}
