package preprocess

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// fuzzMaxPixels keeps each fuzz input cheap while still letting real small
// images through to the resampler.
const fuzzMaxPixels = 1 << 16

// FuzzDecode feeds arbitrary bytes to Decode and, when they decode, through
// a Spec: nothing may panic, an accepted image respects the pixel limit, and
// preprocessing an accepted image must succeed. Crashers found by
// `go test -fuzz=FuzzDecode` are kept in testdata/fuzz/FuzzDecode and rerun
// by plain `go test` as regression cases.
func FuzzDecode(f *testing.F) {
	small := pattern(12, 9)
	f.Add(pngBytes(f, small))
	f.Add(jpegBytes(f, small, 80))
	f.Add(withSegment(jpegBytes(f, quadrants(), 50), orientationSegment(binary.BigEndian, 6)))
	f.Add(withSegment(jpegBytes(f, small, 50), orientationSegment(binary.LittleEndian, 7)))
	f.Add(encode(f, small, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }))
	f.Add(encode(f, small, bmp.Encode))
	f.Add(encode(f, small, func(w io.Writer, m image.Image) error {
		return tiff.Encode(w, m, &tiff.Options{Compression: tiff.Deflate})
	}))
	f.Add(pngHeader(30000, 30000))
	f.Add(jpegHeader(300, 200))
	f.Add(gifHeader(0, 3))
	for _, name := range []string{"lossy_64x48.webp", "lossless_97x131.webp", "exif6_200x120.jpg", "palette_120x90.gif", "tiny_upscale_7x5.png"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "inputs", name)); err == nil {
			f.Add(data)
		}
	}
	specs := []Spec{CIFAR10(), {ResizeShorter: 40, Crop: 24, Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(bytes.NewReader(data), fuzzMaxPixels)
		if err != nil {
			if img != nil {
				t.Fatal("Decode returned an image and an error")
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || b.Dx() > fuzzMaxPixels/b.Dy() {
			t.Fatalf("accepted a %v image with limit %d", b, fuzzMaxPixels)
		}
		for _, s := range specs {
			ten, err := s.Apply(img)
			if err != nil {
				t.Fatalf("Apply(%v image): %v", b, err)
			}
			if len(ten.Data) != 3*s.Crop*s.Crop {
				t.Fatalf("tensor has %d values", len(ten.Data))
			}
		}
	})
}

// FuzzJPEGOrientation checks the EXIF walker alone on arbitrary bytes: it
// never panics and only returns 1-8.
func FuzzJPEGOrientation(f *testing.F) {
	f.Add(withSegment([]byte{0xFF, 0xD8, 0xFF, 0xD9}, orientationSegment(binary.LittleEndian, 6)))
	f.Add(withSegment([]byte{0xFF, 0xD8, 0xFF, 0xD9}, orientationSegment(binary.BigEndian, 3)))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := jpegOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
