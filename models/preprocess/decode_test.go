package preprocess

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// pattern is a small image with distinct colours in every region, so a
// decoded image can be checked pixel by pixel.
func pattern(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) * 255 / (w + h)), 255})
		}
	}
	return m
}

func encode(t testing.TB, img image.Image, enc func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngBytes(t testing.TB, img image.Image) []byte { return encode(t, img, png.Encode) }

func jpegBytes(t testing.TB, img image.Image, quality int) []byte {
	return encode(t, img, func(w io.Writer, m image.Image) error {
		return jpeg.Encode(w, m, &jpeg.Options{Quality: quality})
	})
}

// maxDiff is the largest per-channel difference between two images' RGB.
func maxDiff(a, b image.Image) int {
	pa, pb := packedRGB(a), packedRGB(b)
	m := 0
	for i := range pa {
		d := int(pa[i]) - int(pb[i])
		m = max(m, d, -d)
	}
	return m
}

func TestDecodeFormats(t *testing.T) {
	src := pattern(40, 30)
	pal := image.NewPaletted(src.Bounds(), palette.WebSafe)
	for y := range 30 {
		for x := range 40 {
			pal.Set(x, y, src.At(x, y))
		}
	}
	webp, err := os.ReadFile("testdata/inputs/lossy_64x48.webp")
	if err != nil {
		t.Fatal(err)
	}
	webpLossless, err := os.ReadFile("testdata/inputs/lossless_97x131.webp")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		data    []byte
		size    image.Point
		want    image.Image // nil: only the size is checked
		maxDiff int
	}{
		{"png", pngBytes(t, src), image.Pt(40, 30), src, 0},
		{"jpeg", jpegBytes(t, src, 100), image.Pt(40, 30), src, 12},
		{"jpeg grey", jpegBytes(t, image.NewGray(image.Rect(0, 0, 17, 9)), 90), image.Pt(17, 9), image.NewGray(image.Rect(0, 0, 17, 9)), 0},
		{"gif", encode(t, pal, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }), image.Pt(40, 30), pal, 0},
		{"bmp", encode(t, src, bmp.Encode), image.Pt(40, 30), src, 0},
		{"tiff", encode(t, src, func(w io.Writer, m image.Image) error { return tiff.Encode(w, m, nil) }), image.Pt(40, 30), src, 0},
		{"tiff deflate", encode(t, src, func(w io.Writer, m image.Image) error {
			return tiff.Encode(w, m, &tiff.Options{Compression: tiff.Deflate, Predictor: true})
		}), image.Pt(40, 30), src, 0},
		{"webp lossy", webp, image.Pt(64, 48), nil, 0},
		{"webp lossless", webpLossless, image.Pt(97, 131), nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img, err := Decode(bytes.NewReader(c.data), 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got != c.size {
				t.Fatalf("size %v, want %v", got, c.size)
			}
			if c.want != nil {
				if d := maxDiff(img, c.want); d > c.maxDiff {
					t.Errorf("pixels differ by up to %d, want <= %d", d, c.maxDiff)
				}
			}
			if _, err := ImageNet().Apply(img); err != nil {
				t.Errorf("Apply: %v", err)
			}
		})
	}
}

// pngHeader is a PNG signature and IHDR chunk declaring w x h RGB pixels,
// followed by a tiny (invalid) IDAT: enough for DecodeConfig, never for a
// decode.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit truecolour
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00})
	return b.Bytes()
}

func jpegHeader(w, h uint16) []byte {
	// SOI, a JFIF APP0 (without it Go's DecodeConfig reads on, looking
	// for an Adobe segment), then SOF0.
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	b = append(b, 0xFF, 0xC0, 0x00, 0x11, 0x08)
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	return append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
}

func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0, 0x3B)
}

func bmpHeader(w, h int32) []byte {
	b := []byte("BM")
	b = binary.LittleEndian.AppendUint32(b, 54)
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, 54)
	b = binary.LittleEndian.AppendUint32(b, 40)
	b = binary.LittleEndian.AppendUint32(b, uint32(w))
	b = binary.LittleEndian.AppendUint32(b, uint32(h))
	b = binary.LittleEndian.AppendUint16(b, 1)
	b = binary.LittleEndian.AppendUint16(b, 24)
	return append(b, make([]byte, 24)...)
}

// TestDecodeBombRefusedFromHeader checks that oversized images are refused
// before their pixels are allocated: the decode must allocate far less than
// the image would need.
func TestDecodeBombRefusedFromHeader(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"png 30000x30000", pngHeader(30000, 30000)},
		{"jpeg 65535x65535", jpegHeader(65535, 65535)},
		{"gif 65535x65535", gifHeader(65535, 65535)},
		{"bmp 100000x100000", bmpHeader(100000, 100000)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Decode(bytes.NewReader(c.data), 0)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooManyPixels) {
				t.Fatalf("err = %v, want ErrTooManyPixels", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("refusing allocated %d bytes", n)
			}
			t.Log(err)
		})
	}
	// The limit is the caller's: a 100x100 PNG passes 10000 and fails 9999.
	small := pngBytes(t, pattern(100, 100))
	if _, err := Decode(bytes.NewReader(small), 10000); err != nil {
		t.Errorf("100x100 with limit 10000: %v", err)
	}
	if _, err := Decode(bytes.NewReader(small), 9999); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("100x100 with limit 9999: err = %v, want ErrTooManyPixels", err)
	}
}

func TestDecodeZeroSize(t *testing.T) {
	for name, data := range map[string][]byte{
		"gif 0x10": gifHeader(0, 10),
		"gif 10x0": gifHeader(10, 0),
		"bmp 0x0":  bmpHeader(0, 0),
		"png 0x5":  pngHeader(0, 5),
	} {
		_, err := Decode(bytes.NewReader(data), 0)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
}

// TestDecodeTruncated cuts valid files at many points: every cut must be an
// error (Go's decoders report a short file instead of returning a partly
// grey image, which this test pins down), never a panic or an image.
func TestDecodeTruncated(t *testing.T) {
	src := pattern(64, 48)
	progressive, err := os.ReadFile("testdata/inputs/exif6_200x120.jpg")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"jpeg":           jpegBytes(t, src, 90),
		"jpeg (PIL)":     progressive,
		"png":            pngBytes(t, src),
		"gif":            encode(t, src, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }),
		"bmp":            encode(t, src, bmp.Encode),
		"tiff":           encode(t, src, func(w io.Writer, m image.Image) error { return tiff.Encode(w, m, nil) }),
		"jpeg grey":      jpegBytes(t, image.NewGray(image.Rect(0, 0, 33, 17)), 75),
		"png with alpha": pngBytes(t, image.NewNRGBA(image.Rect(0, 0, 20, 20))),
	}
	for name, data := range files {
		full, err := Decode(bytes.NewReader(data), 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		truncated, complete := 0, 0
		cuts := []int{len(data) - 1}
		for n := 1; n < len(data); n += 1 + len(data)/200 {
			cuts = append(cuts, n)
		}
		for _, n := range cuts {
			img, err := Decode(bytes.NewReader(data[:n]), 0)
			if err == nil {
				// Only bytes the decoder never needs may be missing (GIF's
				// trailer after the first frame, TIFF's unused tail): the
				// image must then be the complete one, not a partial one.
				if d := maxDiff(img, full); img.Bounds() != full.Bounds() || d != 0 {
					t.Errorf("%s cut at %d of %d bytes: decoded a partial image", name, n, len(data))
				}
				complete++
				continue
			}
			if errors.Is(err, ErrTruncated) {
				truncated++
			}
		}
		t.Logf("%s: %d cuts, %d reported as truncated, %d complete images from a tail-less file", name, len(cuts), truncated, complete)
		if strings.HasPrefix(name, "jpeg") || strings.HasPrefix(name, "png") {
			if complete != 0 {
				t.Errorf("%s: a cut file decoded", name)
			}
		}
		if truncated == 0 {
			t.Errorf("%s: no cut reported as ErrTruncated", name)
		}
	}
	// A JPEG cut in its entropy-coded data says it is truncated.
	jp := files["jpeg"]
	if _, err := Decode(bytes.NewReader(jp[:len(jp)*2/3]), 0); !errors.Is(err, ErrTruncated) {
		t.Errorf("JPEG cut at 2/3: err = %v, want ErrTruncated", err)
	}
}

func TestDecodeGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	if _, err := Decode(bytes.NewReader(junk), 0); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("random bytes: err = %v, want ErrUnknownFormat", err)
	}
	if _, err := Decode(bytes.NewReader([]byte("hello, this is a text file\n")), 0); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("text: err = %v, want ErrUnknownFormat", err)
	}
	if _, err := Decode(bytes.NewReader(nil), 0); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: err = %v, want ErrEmpty", err)
	}
	// Valid signatures followed by garbage: an error, whichever kind.
	for _, sig := range []string{"\xff\xd8\xff\xe0", "\x89PNG\r\n\x1a\n", "GIF89a", "BM", "II*\x00", "RIFF\x00\x10\x00\x00WEBPVP8 "} {
		data := append([]byte(sig), junk...)
		if img, err := Decode(bytes.NewReader(data), 0); err == nil {
			t.Errorf("%q + random bytes decoded to %v", sig, img.Bounds())
		}
	}
	// Corrupt (not truncated) JPEG: flip bytes in the middle of the data.
	jp := jpegBytes(t, pattern(64, 48), 90)
	for i := len(jp) / 3; i < len(jp)/3+40; i++ {
		jp[i] ^= 0x5A
	}
	if _, err := Decode(bytes.NewReader(jp), 0); err != nil {
		t.Logf("corrupt JPEG: %v", err)
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestDecodeFileTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 64 MiB")
	}
	r := io.MultiReader(bytes.NewReader(pngHeader(10, 10)), zeros{})
	if _, err := Decode(r, 0); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("err = %v, want ErrFileTooLarge", err)
	}
}
