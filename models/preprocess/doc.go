// Package preprocess turns an uploaded file into a model's input exactly as
// torchvision would.
//
// Decode reads JPEG, PNG, GIF (first frame), WebP, BMP and TIFF. It checks
// the size limits from the header before any pixel is decoded, reports
// truncated and corrupt files as errors (see the Err* values), and applies
// the EXIF orientation of JPEGs.
//
// A Spec, stored in every model file, is torchvision's
// Resize + CenterCrop + ToTensor + Normalize. The reference pipeline is
// torchvision's default loader (PIL, convert("RGB")) after
// ImageOps.exif_transpose. Two parts reproduce it bit for bit:
//   - the resize is PIL's antialiased bilinear resampling in PIL's fixed-point
//     arithmetic (resample.go);
//   - JPEG chroma upsampling and YCbCr->RGB conversion follow libjpeg, which
//     PIL uses (jpegcolor.go).
//
// Only the JPEG IDCT stays Go's. Measured against torchvision 0.14.1 and
// PIL 9.4.0 (golden_test.go, data from tools/pytorch/preprocess_golden.py):
// on identical pixels the resized and cropped image is identical and the
// tensor equal. From the JPEG file end to end, a few percent of the bytes
// differ by 1 to 3 levels.
//
// The package is pure Go, builds for js/wasm (it runs in the browser), and
// all functions are safe for concurrent use.
package preprocess
