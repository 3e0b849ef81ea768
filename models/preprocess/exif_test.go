package preprocess

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"
)

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifSegment builds an APP1 Exif segment (marker included) whose IFD0 holds
// the given entries (tag, type, count, value), in either byte order.
func exifSegment(bo byteOrder, entries [][4]uint32) []byte {
	t := []byte("II*\x00")
	if bo.String() == binary.BigEndian.String() {
		t = []byte("MM\x00*")
	}
	t = bo.AppendUint32(t, 8)
	t = bo.AppendUint16(t, uint16(len(entries)))
	for _, e := range entries {
		t = bo.AppendUint16(t, uint16(e[0]))
		t = bo.AppendUint16(t, uint16(e[1]))
		t = bo.AppendUint32(t, e[2])
		if e[1] == typeShort {
			t = bo.AppendUint16(t, uint16(e[3]))
			t = append(t, 0, 0)
		} else {
			t = bo.AppendUint32(t, e[3])
		}
	}
	t = bo.AppendUint32(t, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), t...)
	seg := []byte{0xFF, markerAPP1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	return append(seg, payload...)
}

// withSegment inserts a segment right after a JPEG's SOI marker.
func withSegment(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func orientationSegment(bo byteOrder, o int) []byte {
	return exifSegment(bo, [][4]uint32{
		{0x010F, 2, 4, 0},                         // Make (ASCII, value elsewhere): skipped
		{tagOrientation, typeShort, 1, uint32(o)}, // the one we want
		{0x0131, 2, 4, 0},                         // Software: skipped
	})
}

// quadrants is a 48x32 image with four flat colours, one per quadrant, so a
// JPEG of it can be checked after rotation despite compression.
var quadColours = [4]color.NRGBA{{230, 20, 20, 255}, {20, 230, 20, 255}, {20, 20, 230, 255}, {230, 230, 20, 255}} // TL, TR, BL, BR

func quadrants() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 48, 32))
	for y := range 32 {
		for x := range 48 {
			m.SetNRGBA(x, y, quadColours[2*(y/16)+x/24])
		}
	}
	return m
}

// TestEXIFOrientation decodes a JPEG carrying each orientation and checks
// which stored quadrant shows in each displayed corner, per the EXIF table
// (for each tag: stored row 0 is shown at ..., stored column 0 at ...).
func TestEXIFOrientation(t *testing.T) {
	const TL, TR, BL, BR = 0, 1, 2, 3
	// Displayed corners (TL, TR, BL, BR) -> stored quadrant.
	want := map[int][4]int{
		1: {TL, TR, BL, BR},
		2: {TR, TL, BR, BL}, // mirrored left-right
		3: {BR, BL, TR, TL}, // rotated 180
		4: {BL, BR, TL, TR}, // mirrored top-bottom
		5: {TL, BL, TR, BR}, // transposed
		6: {BL, TL, BR, TR}, // rotated 90 clockwise
		7: {BR, TR, BL, TL}, // transversed
		8: {TR, BR, TL, BL}, // rotated 90 counter-clockwise
	}
	base := jpegBytes(t, quadrants(), 95)
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := 1; o <= 8; o++ {
			data := withSegment(base, orientationSegment(bo, o))
			if got := jpegOrientation(data); got != o {
				t.Fatalf("%v orientation %d read as %d", bo, o, got)
			}
			img, err := Decode(bytes.NewReader(data), 0)
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			wantSize := image.Pt(48, 32)
			if o >= 5 {
				wantSize = image.Pt(32, 48)
			}
			if b.Size() != wantSize {
				t.Fatalf("orientation %d: size %v, want %v", o, b.Size(), wantSize)
			}
			w, h := b.Dx(), b.Dy()
			corners := [4]image.Point{{w / 4, h / 4}, {3 * w / 4, h / 4}, {w / 4, 3 * h / 4}, {3 * w / 4, 3 * h / 4}}
			for i, p := range corners {
				got := color.NRGBAModel.Convert(img.At(b.Min.X+p.X, b.Min.Y+p.Y)).(color.NRGBA)
				wc := quadColours[want[o][i]]
				if absDiff(got.R, wc.R) > 16 || absDiff(got.G, wc.G) > 16 || absDiff(got.B, wc.B) > 16 {
					t.Errorf("%v orientation %d: corner %d shows %v, want %v (stored quadrant %d)", bo, o, i, got, wc, want[o][i])
				}
			}
		}
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestOrientExact checks orient pixel by pixel against the inverse mappings
// (displayed pixel -> stored pixel) that PIL's exif_transpose uses.
func TestOrientExact(t *testing.T) {
	const w, h = 5, 3
	src := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		src.Pix[4*i], src.Pix[4*i+1], src.Pix[4*i+2], src.Pix[4*i+3] = uint8(i), uint8(100+i), 7, 255
	}
	inverse := map[int]func(dx, dy int) (int, int){
		2: func(dx, dy int) (int, int) { return w - 1 - dx, dy },
		3: func(dx, dy int) (int, int) { return w - 1 - dx, h - 1 - dy },
		4: func(dx, dy int) (int, int) { return dx, h - 1 - dy },
		5: func(dx, dy int) (int, int) { return dy, dx },
		6: func(dx, dy int) (int, int) { return dy, h - 1 - dx },
		7: func(dx, dy int) (int, int) { return w - 1 - dy, h - 1 - dx },
		8: func(dx, dy int) (int, int) { return w - 1 - dy, dx },
	}
	for o, inv := range inverse {
		out := orient(src, o)
		b := out.Bounds()
		for dy := b.Min.Y; dy < b.Max.Y; dy++ {
			for dx := b.Min.X; dx < b.Max.X; dx++ {
				sx, sy := inv(dx, dy)
				if out.At(dx, dy) != color.Color(color.RGBA{src.Pix[4*(sy*w+sx)], src.Pix[4*(sy*w+sx)+1], 7, 255}) {
					t.Fatalf("orientation %d: pixel (%d,%d) = %v, want stored (%d,%d)", o, dx, dy, out.At(dx, dy), sx, sy)
				}
			}
		}
	}
	if orient(src, 1) != image.Image(src) || orient(src, 0) != image.Image(src) || orient(src, 9) != image.Image(src) {
		t.Error("orientations 1, 0 and 9 must return the image unchanged")
	}
}

// TestEXIFMalformed feeds broken EXIF data: each must read as orientation 1
// (and the JPEG still decode), never panic.
func TestEXIFMalformed(t *testing.T) {
	le := binary.LittleEndian
	good := orientationSegment(le, 6)
	payload := func(p []byte) []byte { // an APP1 segment with this payload
		seg := []byte{0xFF, markerAPP1}
		seg = binary.BigEndian.AppendUint16(seg, uint16(len(p)+2))
		return append(seg, p...)
	}
	tiffWith := func(mut func([]byte)) []byte {
		p := append([]byte{}, good[4:]...)
		mut(p[6:])
		return payload(p)
	}
	cases := map[string][]byte{
		"empty payload":        payload(nil),
		"only Exif header":     payload([]byte("Exif\x00\x00")),
		"bad byte order":       tiffWith(func(t []byte) { copy(t, "XX*\x00") }),
		"IFD offset too large": tiffWith(func(t []byte) { le.PutUint32(t[4:], 1<<31) }),
		"IFD offset below 8":   tiffWith(func(t []byte) { le.PutUint32(t[4:], 2) }),
		"IFD offset at end":    tiffWith(func(t []byte) { le.PutUint32(t[4:], uint32(len(t)-1)) }),
		"entry count too big": func() []byte { // entries run past the segment before any orientation
			seg := exifSegment(le, [][4]uint32{{0x010F, 2, 4, 0}})
			le.PutUint16(seg[4+6+8:], 0xFFFF)
			return seg
		}(),
		"orientation 0":       exifSegment(le, [][4]uint32{{tagOrientation, typeShort, 1, 0}}),
		"orientation 9":       exifSegment(le, [][4]uint32{{tagOrientation, typeShort, 1, 9}}),
		"orientation count 2": exifSegment(le, [][4]uint32{{tagOrientation, typeShort, 2, 6}}),
		"orientation ASCII":   exifSegment(le, [][4]uint32{{tagOrientation, 2, 1, 6}}),
		"no orientation tag":  exifSegment(le, [][4]uint32{{0x010F, 2, 4, 0}}),
		"segment length 0":    {0xFF, markerAPP1, 0, 0},
		"segment length 1":    {0xFF, markerAPP1, 0, 1},
		"not Exif":            payload([]byte("http://ns.adobe.com/xap/1.0/\x00<x/>")),
	}
	base := jpegBytes(t, quadrants(), 90)
	for name, seg := range cases {
		data := withSegment(base, seg)
		if o := jpegOrientation(data); o != 1 {
			t.Errorf("%s: orientation %d, want 1", name, o)
		}
		// Truncations of the segment itself, ending the file inside it.
		for n := range len(seg) {
			if o := jpegOrientation(append([]byte{0xFF, 0xD8}, seg[:n]...)); o != 1 && n < len(seg) {
				t.Errorf("%s cut at %d: orientation %d", name, n, o)
			}
		}
	}
	// The good segment, cut anywhere, never yields a wrong value.
	for n := range len(good) {
		if o := jpegOrientation(append([]byte{0xFF, 0xD8}, good[:n]...)); o != 1 {
			t.Errorf("good segment cut at %d of %d: orientation %d", n, len(good), o)
		}
	}
	// LONG-typed orientation, as some writers store it, is accepted.
	if o := jpegOrientation(withSegment(base, exifSegment(le, [][4]uint32{{tagOrientation, typeLong, 1, 8}}))); o != 8 {
		t.Errorf("LONG orientation 8 read as %d", o)
	}
	// Segments before the Exif one (JFIF APP0, fill bytes) are skipped; one
	// after the start of scan is not metadata.
	jfif := []byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF}
	if o := jpegOrientation(withSegment(base, append(jfif, good...))); o != 6 {
		t.Errorf("Exif after JFIF and a fill byte: orientation %d, want 6", o)
	}
	if o := jpegOrientation(append([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2}, good...)); o != 1 {
		t.Errorf("Exif after SOS: orientation %d, want 1", o)
	}
	if o := jpegOrientation([]byte("\x89PNG")); o != 1 {
		t.Errorf("not a JPEG: orientation %d", o)
	}
}
