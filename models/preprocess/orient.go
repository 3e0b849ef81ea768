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
	line := make([]uint8, 3*w)
	for sy := range h {
		src.row(sy, line)
		for sx := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-sx, sy
			case 3:
				dx, dy = w-1-sx, h-1-sy
			case 4:
				dx, dy = sx, h-1-sy
			case 5:
				dx, dy = sy, sx
			case 6:
				dx, dy = h-1-sy, sx
			case 7:
				dx, dy = h-1-sy, w-1-sx
			case 8:
				dx, dy = sy, w-1-sx
			}
			p := out.PixOffset(dx, dy)
			out.Pix[p], out.Pix[p+1], out.Pix[p+2], out.Pix[p+3] = line[sx*3], line[sx*3+1], line[sx*3+2], 255
		}
	}
	return out
}
