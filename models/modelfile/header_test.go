package modelfile

import (
	"encoding/binary"
	"testing"
)

// TestHeaderLayout pins the fixed header: 64 bytes, fields at the offsets
// FORMAT.md gives, checksum covering the first 32.
func TestHeaderLayout(t *testing.T) {
	if n := binary.Size(Header{}); n != HeaderSize {
		t.Fatalf("binary.Size(Header) = %d, want %d", n, HeaderSize)
	}
	h := Header{Version: 0x01020304, Flags: 0x05060708, MetaLen: 0x1112131415161718, DataLen: 0x2122232425262728}
	copy(h.Magic[:], Magic)
	for i := range h.Sum {
		h.Sum[i] = byte(0x80 + i)
	}
	b := h.encode()
	if len(b) != HeaderSize {
		t.Fatalf("encoded header is %d bytes", len(b))
	}
	checks := []struct {
		off  int
		want byte
	}{{0, 'C'}, {7, '\n'}, {8, 0x04}, {11, 0x01}, {12, 0x08}, {16, 0x18}, {23, 0x11}, {24, 0x28}, {31, 0x21}, {32, 0x80}, {63, 0x80 + 31}}
	for _, c := range checks {
		if b[c.off] != c.want {
			t.Errorf("byte %d = %#x, want %#x", c.off, b[c.off], c.want)
		}
	}
	if len(Magic) != 8 || hashedHeader != 32 {
		t.Errorf("magic %d bytes, hashed header %d", len(Magic), hashedHeader)
	}
}
