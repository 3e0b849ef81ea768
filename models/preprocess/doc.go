// Package preprocess turns an uploaded file into a model's input exactly as
// torchvision would: Decode reads JPEG, PNG, GIF, WebP, BMP and TIFF with
// limits checked before any pixel is decoded and EXIF orientation applied;
// a Spec (stored in every model file) resizes, crops and normalises.
//
// The resize reproduces PIL's antialiased bilinear resampling bit for bit
// (see resample.go), so the same picture gives the same tensor in Go, in
// the browser and in PyTorch, up to JPEG decoding itself: Go's decoder and
// libjpeg differ by a few levels on some pixels. The golden test
// (golden_test.go, data from tools/pytorch/preprocess_golden.py) measures
// both.
//
// The package is pure Go and builds for js/wasm; it runs in the browser.
package preprocess
