package preprocess

import (
	"image"
	"image/color"
)

// rowSource reads an image one row at a time as packed 8-bit RGB, which is
// what the resampler consumes. Reading row by row keeps memory at one row
// per input instead of a full RGBA copy of a phone photo.
type rowSource interface {
	size() (w, h int)
	// row writes row y (0-based from the top of the bounds) into dst,
	// 3 bytes per pixel; len(dst) >= 3*w.
	row(y int, dst []uint8)
}

// newRowSource picks a fast reader for the image types the decoders return
// and a generic one otherwise.
//
// Colour conversion follows what torchvision's default loader gets from
// PIL's convert("RGB"): grey is replicated, alpha is dropped (not blended
// with a background), so a transparent pixel keeps its stored colour.
// JPEG colour is converted as libjpeg does it (jpegcolor.go).
func newRowSource(img image.Image) rowSource {
	b := img.Bounds()
	base := baseSource{b: b}
	switch m := img.(type) {
	case *image.YCbCr:
		return newYCbCrSource(base, m)
	case *image.Gray:
		return graySource{base, m}
	case *image.RGBA:
		return rgbaSource{base, m}
	case *image.NRGBA:
		return nrgbaSource{base, m}
	case *image.NRGBA64:
		return nrgba64Source{base, m}
	case *image.Paletted:
		return newPalettedSource(base, m)
	}
	return genericSource{base, img}
}

type baseSource struct{ b image.Rectangle }

func (s baseSource) size() (int, int) { return s.b.Dx(), s.b.Dy() }

type graySource struct {
	baseSource
	m *image.Gray
}

func (s graySource) row(y int, dst []uint8) {
	off := s.m.PixOffset(s.b.Min.X, s.b.Min.Y+y)
	for i, v := range s.m.Pix[off : off+s.b.Dx()] {
		dst[i*3], dst[i*3+1], dst[i*3+2] = v, v, v
	}
}

type rgbaSource struct {
	baseSource
	m *image.RGBA
}

func (s rgbaSource) row(y int, dst []uint8) {
	off := s.m.PixOffset(s.b.Min.X, s.b.Min.Y+y)
	p := s.m.Pix[off : off+4*s.b.Dx()]
	for i := range s.b.Dx() {
		r, g, b, a := p[i*4], p[i*4+1], p[i*4+2], p[i*4+3]
		if a != 255 {
			// Premultiplied storage: recover the straight colour the way
			// color.NRGBAModel does, so all paths agree.
			c := color.NRGBAModel.Convert(color.RGBA{r, g, b, a}).(color.NRGBA)
			r, g, b = c.R, c.G, c.B
		}
		dst[i*3], dst[i*3+1], dst[i*3+2] = r, g, b
	}
}

type nrgbaSource struct {
	baseSource
	m *image.NRGBA
}

func (s nrgbaSource) row(y int, dst []uint8) {
	off := s.m.PixOffset(s.b.Min.X, s.b.Min.Y+y)
	p := s.m.Pix[off : off+4*s.b.Dx()]
	for i := range s.b.Dx() {
		dst[i*3], dst[i*3+1], dst[i*3+2] = p[i*4], p[i*4+1], p[i*4+2]
	}
}

type palettedSource struct {
	baseSource
	m   *image.Paletted
	lut [256][3]uint8 // palette index -> RGB; indices past the palette are black
}

func newPalettedSource(base baseSource, m *image.Paletted) *palettedSource {
	s := &palettedSource{baseSource: base, m: m}
	for i, c := range m.Palette {
		if i == len(s.lut) {
			break
		}
		if c == nil {
			continue
		}
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		s.lut[i] = [3]uint8{n.R, n.G, n.B}
	}
	return s
}

func (s *palettedSource) row(y int, dst []uint8) {
	off := s.m.PixOffset(s.b.Min.X, s.b.Min.Y+y)
	for i, v := range s.m.Pix[off : off+s.b.Dx()] {
		c := s.lut[v]
		dst[i*3], dst[i*3+1], dst[i*3+2] = c[0], c[1], c[2]
	}
}

// nrgba64Source keeps the high byte of each straight 16-bit sample, as PIL
// does for 16-bit RGBA PNGs (the generic path would premultiply first and
// lose the colour of transparent pixels).
type nrgba64Source struct {
	baseSource
	m *image.NRGBA64
}

func (s nrgba64Source) row(y int, dst []uint8) {
	off := s.m.PixOffset(s.b.Min.X, s.b.Min.Y+y)
	p := s.m.Pix[off : off+8*s.b.Dx()]
	for i := range s.b.Dx() {
		dst[i*3], dst[i*3+1], dst[i*3+2] = p[i*8], p[i*8+2], p[i*8+4]
	}
}

// genericSource handles every other image.Image (CMYK JPEGs, 16-bit PNGs,
// BMP and TIFF variants) through At, converting to straight 8-bit colour.
type genericSource struct {
	baseSource
	m image.Image
}

func (s genericSource) row(y int, dst []uint8) {
	y += s.b.Min.Y
	for i := range s.b.Dx() {
		at := s.m.At(s.b.Min.X+i, y)
		if at == nil { // e.g. a Paletted image without a palette
			dst[i*3], dst[i*3+1], dst[i*3+2] = 0, 0, 0
			continue
		}
		c := color.NRGBAModel.Convert(at).(color.NRGBA)
		dst[i*3], dst[i*3+1], dst[i*3+2] = c.R, c.G, c.B
	}
}
