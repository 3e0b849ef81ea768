// Package modelfile reads and writes ConvScope model files (.csm): a
// versioned header, JSON metadata (labels, preprocessing, the graph, the
// per-layer table, accuracy), and the weights, int8 with per-output-channel
// float32 scales for conv and fc weights and float32 for the rest, all
// covered by a SHA-256. FORMAT.md next to this file is the specification.
// The package builds for js/wasm: the browser reads the same files.
package modelfile

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Magic starts every model file. Like PNG's signature it holds a CR-LF, a
// LF and a ^Z, so a file mangled by a text-mode transfer is recognised.
const Magic = "CSMF\r\n\x1a\n"

// Version is the format version this package writes and reads.
const Version = 1

// HeaderSize is the size of the fixed header; metadata starts right after.
const HeaderSize = 64

// Limits a reader enforces before allocating, so that a corrupt length
// cannot make it allocate more than the file holds.
const (
	MaxMetaBytes = 64 << 20 // metadata JSON
	MaxDataBytes = 4 << 30  // tensor data (VGG-19 at int8 needs 144 MB)
	maxRank      = 8
)

// Header is the fixed-size start of a file, little-endian on disk.
type Header struct {
	Magic   [8]byte
	Version uint32
	Flags   uint32   // reserved, 0
	MetaLen uint64   // bytes of JSON metadata after the header
	DataLen uint64   // bytes of tensor data after the metadata
	Sum     [32]byte // SHA-256 of header bytes [0, 32), metadata and data
}

// hashedHeader is the part of the header the checksum covers: everything
// before Sum.
const hashedHeader = 32

// ErrFormat is wrapped by every error about a malformed, truncated or
// tampered file, so callers can tell a bad file from an I/O failure.
var ErrFormat = errors.New("not a valid model file")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// encode returns the header's 64 bytes.
func (h *Header) encode() []byte {
	b := make([]byte, HeaderSize)
	copy(b[0:8], h.Magic[:])
	binary.LittleEndian.PutUint32(b[8:], h.Version)
	binary.LittleEndian.PutUint32(b[12:], h.Flags)
	binary.LittleEndian.PutUint64(b[16:], h.MetaLen)
	binary.LittleEndian.PutUint64(b[24:], h.DataLen)
	copy(b[32:64], h.Sum[:])
	return b
}

// parseHeader decodes and checks the fixed header: magic, version, flags
// and the length limits. The checksum is checked later, over the content.
func parseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderSize {
		return h, formatErr("file is %d bytes, shorter than the %d-byte header", len(b), HeaderSize)
	}
	copy(h.Magic[:], b[0:8])
	if string(h.Magic[:]) != Magic {
		return h, formatErr("bad magic %q (want %q)", h.Magic[:], Magic)
	}
	h.Version = binary.LittleEndian.Uint32(b[8:])
	h.Flags = binary.LittleEndian.Uint32(b[12:])
	h.MetaLen = binary.LittleEndian.Uint64(b[16:])
	h.DataLen = binary.LittleEndian.Uint64(b[24:])
	copy(h.Sum[:], b[32:64])
	if h.Version != Version {
		return h, formatErr("version %d, this program reads version %d", h.Version, Version)
	}
	if h.Flags != 0 {
		return h, formatErr("unknown flags %#x", h.Flags)
	}
	if h.MetaLen == 0 || h.MetaLen > MaxMetaBytes {
		return h, formatErr("metadata length %d out of range (1 to %d)", h.MetaLen, MaxMetaBytes)
	}
	if h.DataLen > MaxDataBytes {
		return h, formatErr("data length %d over the limit of %d", h.DataLen, MaxDataBytes)
	}
	return h, nil
}

// Size is the total file size the header announces.
func (h *Header) Size() int64 { return HeaderSize + int64(h.MetaLen) + int64(h.DataLen) }
