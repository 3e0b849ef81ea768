package preprocess

import "image"

// Turning a JPEG's YCbCr planes into RGB the way libjpeg(-turbo) does, since
// that is what PIL, and so torchvision, feeds the models. Go's image/color
// conversion samples subsampled chroma at the nearest position and rounds
// differently; at colour edges that moves pixels by tens of levels (up to 55
// on the golden JPEGs). libjpeg's defaults, which PIL keeps, are:
//   - "fancy" upsampling: chroma subsampled 2x in a direction is
//     interpolated with a triangle filter (3/4 nearer sample, 1/4 farther),
//     with libjpeg's alternating rounding biases; other factors are
//     replicated (jdsample.c: h2v1, h1v2, h2v2 fancy; int_upsample);
//   - fixed-point colour conversion with 16 fractional bits, each chroma
//     term rounded on its own (jdcolor.c, build_ycc_rgb_table).
// The DCT itself is still Go's, whose rounding differs from libjpeg's
// islow IDCT by at most a level on a few pixels.

// libjpeg's colour conversion tables, indexed by the 8-bit chroma value.
var (
	crR [256]int32 // R = Y + crR[Cr]
	cbB [256]int32 // B = Y + cbB[Cb]
	crG [256]int32 // G = Y + (cbG[Cb] + crG[Cr]) >> 16
	cbG [256]int32
)

func init() {
	const scaleBits = 16
	fix := func(x float64) int32 { return int32(x*(1<<scaleBits) + 0.5) }
	for i := range 256 {
		x := int32(i) - 128
		crR[i] = (fix(1.40200)*x + 1<<(scaleBits-1)) >> scaleBits
		cbB[i] = (fix(1.77200)*x + 1<<(scaleBits-1)) >> scaleBits
		crG[i] = -fix(0.71414) * x
		cbG[i] = -fix(0.34414)*x + 1<<(scaleBits-1)
	}
}

func clamp8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// ycbcrSource reads a YCbCr image through libjpeg's upsampling and colour
// conversion.
type ycbcrSource struct {
	baseSource
	m      *image.YCbCr
	hs, vs int  // chroma subsampling factors
	cw, ch int  // chroma plane size in samples (libjpeg's downsampled size)
	fancyH bool // triangle interpolation horizontally (factor 2, width > 2)
	fancyV bool // and vertically (factor 2)
	cb, cr []uint8
	sumCb  []int32
	sumCr  []int32
}

func newYCbCrSource(base baseSource, m *image.YCbCr) rowSource {
	hs, vs := 1, 1
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
	case image.YCbCrSubsampleRatio422:
		hs = 2
	case image.YCbCrSubsampleRatio420:
		hs, vs = 2, 2
	case image.YCbCrSubsampleRatio440:
		vs = 2
	case image.YCbCrSubsampleRatio411:
		hs = 4
	case image.YCbCrSubsampleRatio410:
		hs, vs = 4, 2
	default:
		return genericSource{base, m}
	}
	w, h := base.size()
	s := &ycbcrSource{
		baseSource: base, m: m, hs: hs, vs: vs,
		cw: (w + hs - 1) / hs, ch: (h + vs - 1) / vs,
		cb: make([]uint8, w), cr: make([]uint8, w),
		sumCb: make([]int32, (w+hs-1)/hs), sumCr: make([]int32, (w+hs-1)/hs),
	}
	// libjpeg's chroma grid starts at the image origin; a sub-image cut at
	// an odd offset has no libjpeg equivalent, so it is sampled plainly.
	aligned := m.Rect.Min == image.Point{}
	if h2v2 := hs == 2 && vs == 2; h2v2 {
		// jdsample.c picks h2v2_fancy only for planes wider than 2.
		s.fancyH, s.fancyV = aligned && s.cw > 2, aligned && s.cw > 2
	} else {
		s.fancyH = aligned && hs == 2 && s.cw > 2
		s.fancyV = aligned && vs == 2 && hs == 1
	}
	return s
}

func (s *ycbcrSource) row(y int, dst []uint8) {
	w := s.b.Dx()
	s.chromaRow(y, s.m.Cb, s.cb, s.sumCb)
	s.chromaRow(y, s.m.Cr, s.cr, s.sumCr)
	yo := s.m.YOffset(s.b.Min.X, s.b.Min.Y+y)
	for x, l := range s.m.Y[yo : yo+w] {
		cb, cr := s.cb[x], s.cr[x]
		lum := int32(l)
		dst[3*x] = clamp8(lum + crR[cr])
		dst[3*x+1] = clamp8(lum + (cbG[cb]+crG[cr])>>16)
		dst[3*x+2] = clamp8(lum + cbB[cb])
	}
}

// chromaRow fills out (one value per pixel) with the upsampled chroma of
// image row y, using sum as scratch.
func (s *ycbcrSource) chromaRow(y int, plane, out []uint8, sum []int32) {
	w := s.b.Dx()
	if !s.fancyH && !s.fancyV {
		for x := range w {
			out[x] = plane[s.m.COffset(s.b.Min.X+x, s.b.Min.Y+y)]
		}
		return
	}
	// Aligned image (Min is the origin): sample (cx, cy) is at cy*CStride+cx.
	cy := y / s.vs
	row := plane[cy*s.m.CStride : cy*s.m.CStride+s.cw]
	if !s.fancyV {
		for cx := range s.cw {
			sum[cx] = 4 * int32(row[cx]) // same scale as the vertical sums
		}
	} else {
		// The nearer row counts 3, the other neighbour 1; at the top and
		// bottom edges libjpeg repeats the edge row.
		ny := cy - 1
		if y%2 == 1 {
			ny = cy + 1
		}
		ny = max(0, min(ny, s.ch-1))
		near := plane[ny*s.m.CStride : ny*s.m.CStride+s.cw]
		for cx := range s.cw {
			sum[cx] = 3*int32(row[cx]) + int32(near[cx])
		}
	}
	switch {
	case s.fancyH && s.fancyV: // h2v2_fancy_upsample
		for x := range w {
			cx := x / 2
			this := sum[cx]
			var v int32
			if x%2 == 0 {
				if cx == 0 {
					v = (this*4 + 8) >> 4
				} else {
					v = (this*3 + sum[cx-1] + 8) >> 4
				}
			} else {
				if cx == s.cw-1 {
					v = (this*4 + 7) >> 4
				} else {
					v = (this*3 + sum[cx+1] + 7) >> 4
				}
			}
			out[x] = uint8(v)
		}
	case s.fancyH: // h2v1_fancy_upsample (sum holds 4x the sample)
		for x := range w {
			cx := x / 2
			this := sum[cx] >> 2
			var v int32
			switch {
			case x%2 == 0 && cx == 0, x%2 == 1 && cx == s.cw-1:
				v = this
			case x%2 == 0:
				v = (this*3 + sum[cx-1]>>2 + 1) >> 2
			default:
				v = (this*3 + sum[cx+1]>>2 + 2) >> 2
			}
			out[x] = uint8(v)
		}
	default: // h1v2_fancy_upsample, or a plain factor-4 horizontal repeat
		bias := int32(1)
		if y%2 == 1 {
			bias = 2
		}
		for x := range w {
			cx := x / s.hs
			if s.fancyV {
				out[x] = uint8((sum[cx] + bias) >> 2)
			} else {
				out[x] = uint8(sum[cx] >> 2)
			}
		}
	}
}
