package preprocess

import (
	"image"
	"math"
)

// This file reproduces Pillow's ImagingResample (libImaging/Resample.c) for
// the bilinear filter on 8-bit RGB images, which is what torchvision's
// transforms.Resize does to a PIL image. Matching it bit for bit matters
// because the pretrained weights were evaluated on exactly those pixels.
//
// Pillow's algorithm, restated:
//   - Each axis gets its own table: for output index i, the centre in input
//     coordinates is (i+0.5)*scale with scale = in/out; the triangle filter's
//     support is 1 (upscaling) or scale (downscaling, which is the
//     antialiasing); taps run over the input indices round(centre-support)
//     to round(centre+support), clamped to the image, with weights
//     tri((j-centre+0.5)/filterscale) normalised to sum 1.
//   - Weights are converted to fixed point with 22 fractional bits
//     (PRECISION_BITS = 32-8-2), rounded half away from zero.
//   - Two separable passes, horizontal first, each accumulating in an int32
//     that starts at 0.5 in fixed point, then shifted back and clamped to
//     0..255, so the intermediate image is rounded to 8 bits.
// Every float64 product below is wrapped in an explicit float64(...)
// conversion: the Go spec lets the compiler fuse x*y+z into one FMA on some
// architectures, and Pillow (built for baseline x86-64) rounds each operation
// separately.

// precisionBits is Pillow's PRECISION_BITS for 8-bit images.
const precisionBits = 32 - 8 - 2

// axisTable holds the fixed-point filter taps of one axis for the output
// indices [from, from+len(start)).
type axisTable struct {
	from  int
	ksize int     // taps reserved per output index
	start []int   // first input index of each output index
	n     []int   // number of taps of each output index
	k     []int32 // (outputs, ksize) fixed-point weights
}

// bilinearTaps builds Pillow's bilinear table for resizing an axis of inSize
// pixels to outSize pixels, restricted to output indices [from, to). Only the
// needed part is built, so a crop out of a very large virtual output costs
// nothing extra.
func bilinearTaps(inSize, outSize, from, to int) axisTable {
	// Pillow passes the box edges as C floats and subtracts them in float.
	scale := float64(float32(inSize)-float32(0)) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := 1.0 * filterscale // the triangle filter's support is 1
	ksize := int(math.Ceil(support))*2 + 1
	t := axisTable{
		from:  from,
		ksize: ksize,
		start: make([]int, to-from),
		n:     make([]int, to-from),
		k:     make([]int32, (to-from)*ksize),
	}
	w := make([]float64, ksize)
	for xx := from; xx < to; xx++ {
		center := float64((float64(xx) + 0.5) * scale) // in0 is 0
		ss := 1.0 / filterscale
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			w[x] = triangle(float64((float64(x+xmin) - center + 0.5) * ss))
			ww += w[x]
		}
		row := t.k[(xx-from)*ksize : (xx-from+1)*ksize]
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				row[x] = int32(-0.5 + float64(v*(1<<precisionBits)))
			} else {
				row[x] = int32(0.5 + float64(v*(1<<precisionBits)))
			}
		}
		t.start[xx-from] = xmin
		t.n[xx-from] = xmax
	}
	return t
}

// triangle is Pillow's bilinear_filter.
func triangle(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// clip8 turns a fixed-point accumulator into a byte as Pillow's clip8 does
// (its lookup table clamps to 0..255).
func clip8(ss int32) uint8 {
	v := ss >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// resizeWindow returns the pixels in window of src resized to outW x outH with
// Pillow's bilinear resampling. It equals resizing the whole image and then
// cropping, because every output pixel depends only on its own taps; only the
// input rows the window needs are read. src must be non-empty and window must
// lie inside (0, 0, outW, outH).
func resizeWindow(src rowSource, outW, outH int, window image.Rectangle) *image.RGBA {
	inW, inH := src.size()
	needH := outW != inW
	needV := outH != inH
	ww := window.Dx()

	// Input rows needed by the window's output rows.
	var vt axisTable
	ylo, yhi := window.Min.Y, window.Max.Y
	if needV {
		vt = bilinearTaps(inH, outH, window.Min.Y, window.Max.Y)
		ylo, yhi = inH, 0
		for i, s := range vt.start {
			ylo = min(ylo, s)
			yhi = max(yhi, s+vt.n[i])
		}
		if yhi < ylo { // only when every tap count is zero, which needs inH == 0
			yhi = ylo
		}
	}

	// Horizontal pass (or a plain copy of the window's columns) into tmp,
	// one 8-bit RGB row per needed input row.
	tmp := make([]uint8, (yhi-ylo)*ww*3)
	line := make([]uint8, inW*3)
	var ht axisTable
	if needH {
		ht = bilinearTaps(inW, outW, window.Min.X, window.Max.X)
	}
	for y := ylo; y < yhi; y++ {
		src.row(y, line)
		dst := tmp[(y-ylo)*ww*3 : (y-ylo+1)*ww*3]
		if !needH {
			copy(dst, line[window.Min.X*3:window.Max.X*3])
			continue
		}
		for i := range ww {
			k := ht.k[i*ht.ksize : i*ht.ksize+ht.n[i]]
			p := line[ht.start[i]*3:]
			ss0, ss1, ss2 := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			for x, kx := range k {
				ss0 += int32(p[x*3]) * kx
				ss1 += int32(p[x*3+1]) * kx
				ss2 += int32(p[x*3+2]) * kx
			}
			dst[i*3] = clip8(ss0)
			dst[i*3+1] = clip8(ss1)
			dst[i*3+2] = clip8(ss2)
		}
	}

	// Vertical pass into the output.
	out := image.NewRGBA(image.Rect(0, 0, ww, window.Dy()))
	for j := range window.Dy() {
		o := out.Pix[j*out.Stride : j*out.Stride+ww*4]
		if !needV {
			r := tmp[j*ww*3 : (j+1)*ww*3]
			for i := range ww {
				o[i*4], o[i*4+1], o[i*4+2], o[i*4+3] = r[i*3], r[i*3+1], r[i*3+2], 255
			}
			continue
		}
		k := vt.k[j*vt.ksize : j*vt.ksize+vt.n[j]]
		base := (vt.start[j] - ylo) * ww * 3
		for i := range ww {
			ss0, ss1, ss2 := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			p := base + i*3
			for _, ky := range k {
				ss0 += int32(tmp[p]) * ky
				ss1 += int32(tmp[p+1]) * ky
				ss2 += int32(tmp[p+2]) * ky
				p += ww * 3
			}
			o[i*4], o[i*4+1], o[i*4+2], o[i*4+3] = clip8(ss0), clip8(ss1), clip8(ss2), 255
		}
	}
	return out
}
