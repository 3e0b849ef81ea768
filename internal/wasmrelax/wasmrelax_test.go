package wasmrelax

import (
	"bytes"
	"testing"
)

// module wraps function bodies (each without its size) into a module with
// only a code section (Fix reads no other).
func module(bodies ...[]byte) []byte {
	var code []byte
	code = append(code, byte(len(bodies)))
	for _, b := range bodies {
		code = append(code, byte(len(b)))
		code = append(code, b...)
	}
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, 10, byte(len(code)))
	return append(m, code...)
}

// TestFix: Go's bytes for f32x4.relaxed_madd then Nop become the op then
// two nops, and v128.load32_splat then i32.const (no memarg) the load with
// the const's offset; the same bytes inside an f64.const or a v128.const,
// a real i16x8.narrow_i32x4_s before a block, relaxed_madd already right
// and a load32_splat with its memarg are left alone.
func TestFix(t *testing.T) {
	for _, c := range []struct {
		name       string
		body, want []byte
		n          int
	}{
		{"madd", []byte{0, 0xFD, 0x85, 0x01, 0x02, 0x01, 0x0B}, []byte{0, 0xFD, 0x85, 0x02, 0x01, 0x01, 0x0B}, 1},
		{"nmadd after a local.get", []byte{0, 0x20, 0x05, 0xFD, 0x86, 0x01, 0x02, 0x01, 0x1A, 0x0B}, []byte{0, 0x20, 0x05, 0xFD, 0x86, 0x02, 0x01, 0x01, 0x1A, 0x0B}, 1},
		{"in f64.const", []byte{0, 0x44, 0xFD, 0x85, 0x01, 0x02, 0x01, 0, 0, 0, 0x1A, 0x0B}, nil, 0},
		{"in v128.const", []byte{0, 0xFD, 0x0C, 0xFD, 0x85, 0x01, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1A, 0x0B}, nil, 0},
		{"narrow then block", []byte{0, 0xFD, 0x85, 0x01, 0x02, 0x40, 0x0B, 0x0B}, nil, 0},
		{"already right", []byte{0, 0xFD, 0x85, 0x02, 0x01, 0x0B}, nil, 0},
		{"load32_splat then i32.const", []byte{0, 0x20, 0x01, 0xFD, 0x09, 0x41, 0x0C, 0x1A, 0x0B}, []byte{0, 0x20, 0x01, 0xFD, 0x09, 0x02, 0x0C, 0x1A, 0x0B}, 1},
		{"load32_splat with a memarg", []byte{0, 0x20, 0x01, 0xFD, 0x09, 0x02, 0x04, 0x1A, 0x0B}, nil, 0},
		{"load32_splat in v128.const", []byte{0, 0xFD, 0x0C, 0xFD, 0x09, 0x41, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1A, 0x0B}, nil, 0},
		{"locals and a load", []byte{1, 3, 0x7B, 0x20, 0x00, 0xFD, 0x00, 0x04, 0x10, 0xFD, 0x85, 0x01, 0x02, 0x01, 0x0B}, []byte{1, 3, 0x7B, 0x20, 0x00, 0xFD, 0x00, 0x04, 0x10, 0xFD, 0x85, 0x02, 0x01, 0x01, 0x0B}, 1},
	} {
		m := module(c.body)
		n, err := Fix(m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.want
		if want == nil {
			want = c.body
		}
		if n != c.n || !bytes.Equal(m, module(want)) {
			t.Errorf("%s: fixed %d, module % x, want %d and % x", c.name, n, m, c.n, module(want))
		}
	}
	if _, err := Fix([]byte("not a module")); err == nil {
		t.Error("no error for bytes that are not a module")
	}
	if _, err := Fix(module([]byte{0, 0x44, 0x01})); err == nil {
		t.Error("no error for a truncated f64.const")
	}
}
