package preprocess

import "image"

// orient returns img as displayed under EXIF orientation o (1-8), the same
// transforms as PIL's ImageOps.exif_transpose:
//
//	1 as stored        5 transpose (mirror on the main diagonal)
//	2 mirror left-right 6 rotate 90 degrees clockwise
//	3 rotate 180       7 transverse (mirror on the other diagonal)
//	4 mirror top-bottom 8 rotate 90 degrees counter-clockwise
//
// The result is an opaque *image.RGBA holding the converted RGB (see
// newRowSource), except for o == 1 (or an unknown value), which returns img
// itself.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	src := newRowSource(img)
	w, h := src.size()
	dw, dh := w, h
	if o >= 5 { // the rotations and diagonal mirrors swap the sides
		dw, dh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// Source rows are read in strips; for the rotations a source column
	// becomes an output row, so within a strip each output row gets a run
	// of contiguous pixels instead of one pixel per cache line.
	const strip = 32
	buf := make([]uint8, strip*3*w)
	for sy0 := 0; sy0 < h; sy0 += strip {
		n := min(strip, h-sy0)
		for i := range n {
			src.row(sy0+i, buf[i*3*w:(i+1)*3*w])
		}
		if o <= 4 { // mirrors and the half turn keep rows as rows
			for i := range n {
				dy := sy0 + i
				if o == 3 || o == 4 {
					dy = h - 1 - dy
				}
				line := buf[i*3*w : (i+1)*3*w]
				row := out.Pix[dy*out.Stride : dy*out.Stride+4*w]
				for sx := range w {
					dx := sx
					if o == 2 || o == 3 {
						dx = w - 1 - sx
					}
					row[4*dx], row[4*dx+1], row[4*dx+2], row[4*dx+3] = line[3*sx], line[3*sx+1], line[3*sx+2], 255
				}
			}
			continue
		}
		for sx := range w {
			dy := sx
			if o == 7 || o == 8 {
				dy = w - 1 - sx
			}
			row := out.Pix[dy*out.Stride : dy*out.Stride+4*dw]
			for i := range n {
				dx := sy0 + i
				if o == 6 || o == 7 {
					dx = h - 1 - dx
				}
				p := buf[i*3*w+3*sx:]
				row[4*dx], row[4*dx+1], row[4*dx+2], row[4*dx+3] = p[0], p[1], p[2], 255
			}
		}
	}
	return out
}
