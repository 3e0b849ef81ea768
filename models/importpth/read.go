// Package importpth reads PyTorch checkpoints (torchvision's .pth files) and
// maps their state_dict onto a ConvScope architecture definition.
//
// The pickle inside a checkpoint is decoded by gopickle's unpickler
// (github.com/nlpodyssey/gopickle/pickle); this package supplies what
// gopickle's own pytorch.Load leaves to chance for untrusted files: every
// length and size in the file is checked against the bytes that are really
// there before anything is allocated, storages are read whole (no silent
// short reads), legacy storage views are supported, and a panic anywhere in
// the decoder becomes an error. Both containers torch.save writes are read:
// the zip format (PyTorch >= 1.6) and the legacy stream format (older files,
// such as vgg16-397923af.pth). A test checks that both readers agree with
// gopickle's pytorch.Load on the fixtures.
//
// This package is native-only: the browser never imports checkpoints.
package importpth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"convscope/engine"
)

// maxPickle bounds the pickle part of a checkpoint. A torchvision state_dict
// pickle is a few kilobytes (tensor names and shapes); the weights live
// outside it.
const maxPickle = 64 << 20

// onPanic, when set (by the fuzz test), sees every panic Read recovers, so
// that panics in this package's own code are found rather than hidden.
var onPanic func(p any, stack []byte)

// zipMagic and legacyMagic open the two containers torch.save writes. The
// legacy stream starts with a pickled long, 0x1950a86a20f9469cfc6c
// (PROTO 2, LONG1 of 10 bytes).
var (
	zipMagic    = []byte("PK\x03\x04")
	legacyMagic = []byte("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19")
)

// ReadFile reads the checkpoint at path. See Read.
func ReadFile(path string) (map[string]*engine.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	sd, err := Read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sd, nil
}

// Read decodes a PyTorch checkpoint of size bytes from r into its state_dict:
// tensor name -> float32 tensor in row-major order. Float16, bfloat16 and
// float64 tensors are converted to float32; integer tensors (such as
// BatchNorm's num_batches_tracked) are converted too, and a scalar has an
// empty Shape and one element. Views (strides, storage offsets, storages
// shared between tensors) are materialised as dense copies.
//
// A checkpoint that wraps its state_dict ({"state_dict": ...} or
// {"model": ...}) is unwrapped, and a "module." prefix left by DataParallel
// is removed. Any malformed input is an error, never a panic.
func Read(r io.ReaderAt, size int64) (sd map[string]*engine.Tensor, err error) {
	defer func() {
		// gopickle's unpickler assumes well-formed input in places (for
		// example an unhashable dictionary key panics): this is the
		// boundary where a corrupt file becomes an ordinary error.
		if p := recover(); p != nil {
			if onPanic != nil {
				onPanic(p, debug.Stack())
			}
			sd, err = nil, fmt.Errorf("corrupt checkpoint: %v", p)
		}
	}()
	head := make([]byte, len(legacyMagic))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	var obj any
	switch {
	case bytes.HasPrefix(head, zipMagic):
		obj, err = readZip(r, size)
	case bytes.HasPrefix(head, legacyMagic):
		obj, err = readLegacy(r, size)
	case isTar(r, size):
		return nil, errors.New("tar checkpoints (PyTorch before 0.4) are not supported; re-save with a recent PyTorch")
	default:
		return nil, errors.New("not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save stream)")
	}
	if err != nil {
		return nil, err
	}
	return stateDict(obj)
}

// isTar reports whether r holds a POSIX tar header ("ustar" at offset 257),
// the container of the oldest torch.save format.
func isTar(r io.ReaderAt, size int64) bool {
	if size < 512 {
		return false
	}
	b := make([]byte, 5)
	if _, err := r.ReadAt(b, 257); err != nil {
		return false
	}
	return string(b) == "ustar"
}
