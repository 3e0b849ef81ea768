package preprocess

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"strings"

	// Decoders register themselves with package image; Decode sniffs the
	// format from the first bytes.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// MaxFileBytes is the largest encoded image Decode reads (64 MiB). A
// full-resolution JPEG from a 50-megapixel camera is about 25 MB, so real
// photos fit while a never-ending or huge upload is cut off early.
const MaxFileBytes = 64 << 20

// DefaultMaxPixels is the pixel limit Decode uses when given maxPixels <= 0:
// 50 megapixels, enough for phone and camera photos. A decoded image needs
// up to 4 bytes per pixel, so this caps one decode near 200 MB, which the
// browser's WebAssembly memory can still hold.
const DefaultMaxPixels = 50_000_000

// Errors returned by Decode, wrapped with details; test with errors.Is.
var (
	ErrEmpty         = errors.New("empty file")
	ErrFileTooLarge  = fmt.Errorf("file larger than %d MiB", MaxFileBytes>>20)
	ErrUnknownFormat = errors.New("not a JPEG, PNG, GIF, WebP, BMP or TIFF image")
	ErrTooManyPixels = errors.New("image has too many pixels")
	ErrNoPixels      = errors.New("image has no pixels")
	ErrTruncated     = errors.New("truncated image file")
	ErrCorrupt       = errors.New("corrupt image file")
)

// Decode reads an image in any of the supported formats (JPEG, PNG, GIF's
// first frame, WebP, BMP, TIFF), sniffing the format from its content.
//
// It reads at most MaxFileBytes, then parses only the header and refuses an
// image whose width*height exceeds maxPixels (DefaultMaxPixels if
// maxPixels <= 0) or that has a zero dimension, before any pixel memory is
// allocated: a PNG declaring 30000x30000 costs a few bytes of reading. A
// truncated or corrupt file is an error, never a partial image. For JPEGs
// the EXIF orientation (tags 1-8) is applied, so a portrait phone photo
// comes out upright; malformed EXIF data is ignored.
func Decode(r io.Reader, maxPixels int) (image.Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("preprocess: reading image: %w", err)
	}
	switch {
	case len(data) == 0:
		return nil, fmt.Errorf("preprocess: %w", ErrEmpty)
	case len(data) > MaxFileBytes:
		return nil, fmt.Errorf("preprocess: %w", ErrFileTooLarge)
	}

	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if errors.Is(err, image.ErrFormat) {
		return nil, fmt.Errorf("preprocess: %w", ErrUnknownFormat)
	}
	if err != nil {
		return nil, decodeError(format, "header", err)
	}
	if err := checkPixels(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, fmt.Errorf("preprocess: %s: %w", format, err)
	}

	img, err := decodePixels(data)
	if err != nil {
		return nil, decodeError(format, "data", err)
	}
	// The header was checked, but a decoder is free to return other bounds
	// (GIF's first frame may be smaller than its screen); check again.
	b := img.Bounds()
	if err := checkPixels(b.Dx(), b.Dy(), maxPixels); err != nil {
		return nil, fmt.Errorf("preprocess: %s: %w", format, err)
	}
	if format == "jpeg" {
		img = orient(img, jpegOrientation(data))
	}
	return img, nil
}

// checkPixels refuses empty images and images over the pixel limit. It
// divides instead of multiplying so that absurd headers cannot overflow.
func checkPixels(w, h, maxPixels int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w (%dx%d)", ErrNoPixels, w, h)
	}
	if w > maxPixels/h {
		return fmt.Errorf("%w: %dx%d is more than the limit of %d pixels", ErrTooManyPixels, w, h, maxPixels)
	}
	return nil
}

// decodePixels runs the registered decoder. The standard and x/image
// decoders are written not to panic on bad input, but a panic in the browser
// would end the whole WebAssembly program, so one is turned into an error as
// a last line of defence.
func decodePixels(data []byte) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder failed: %v", p)
		}
	}()
	img, _, err = image.Decode(bytes.NewReader(data))
	return img, err
}

// decodeError classifies a decoder error: running out of data means the
// file was cut short (an interrupted download or copy), anything else that
// the content is wrong.
func decodeError(format, part string, err error) error {
	kind := ErrCorrupt
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || containsEOF(err) {
		kind = ErrTruncated
	}
	return fmt.Errorf("preprocess: %w (%s %s: %v)", kind, format, part, err)
}

// containsEOF catches decoders that format running out of data into their
// message instead of wrapping io.ErrUnexpectedEOF (image/gif: "gif: reading
// image data: unexpected EOF"; image/jpeg: "short Huffman data" when the
// entropy-coded data stops mid-scan; image/png: "not enough pixel data" when
// the compressed pixels end early).
func containsEOF(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "short Huffman data") ||
		strings.Contains(msg, "not enough pixel data")
}
