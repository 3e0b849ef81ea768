// Package wasmrelax fixes Go's encoding of relaxed-SIMD instructions (and
// of v128.load32_splat) in a linked WebAssembly module (the engine's
// relaxed-SIMD build, see convscope/engine/internal/relaxed for why and
// how).
//
// Go's wasm assembler (go1.27.3) writes relaxed op 0xFD 0x100+k as
// FD uleb(0x80+k) 02, which reads as SIMD op 0x80+k (i16x8.narrow_i32x4_s
// for f32x4.relaxed_madd) then a block. Our kernels put Nop right after
// each relaxed op, so Go's bytes are FD 80+k 01 02 01 (that block's type
// index 1; Go never writes a typed block), and Fix rewrites them to
// FD 80+k 02 01 01: the relaxed op (0x100+k is uleb 80+k 02), then two
// nops. Same length: no function size, offset or relocation moves.
//
// Go's assembler also writes v128.load32_splat (FD 09) without its memarg
// (it writes one for v128.load only). The relaxed build's SPLAT4
// (engine/gemm/madd_wasm.h) puts I32Const $off right after it, FD 09 41
// off, and Fix makes the const's two bytes the memarg, FD 09 02 off:
// alignment 4 bytes, offset off (below 64, one byte either way).
//
// Fix walks every function body instruction by instruction (the
// immediates of all opcodes Go writes), so bytes inside constants are
// never touched.
package wasmrelax

import (
	"errors"
	"fmt"
	"os"
)

func uleb(b []byte, i int) (uint64, int, error) {
	var v uint64
	var s uint
	for {
		if i >= len(b) {
			return 0, i, errors.New("truncated LEB")
		}
		c := b[i]
		i++
		v |= uint64(c&0x7f) << s
		s += 7
		if c < 0x80 {
			return v, i, nil
		}
		if s > 63 {
			return 0, i, errors.New("LEB too long")
		}
	}
}

// Fix rewrites m's relaxed ops in place (see the package comment) and
// returns how many it fixed. An error means m is not a module Fix can
// read; m may then be partly fixed.
func Fix(m []byte) (int, error) {
	if len(m) < 8 || string(m[:4]) != "\x00asm" {
		return 0, errors.New("not a wasm module")
	}
	i := 8
	n := 0
	for i < len(m) {
		id := m[i]
		size, j, err := uleb(m, i+1)
		if err != nil {
			return n, err
		}
		end := j + int(size)
		if id == 10 {
			k, err := fixCode(m[:end], j)
			return n + k, err
		}
		i = end
	}
	return n, errors.New("no code section")
}

func fixCode(m []byte, i int) (int, error) {
	count, i, err := uleb(m, i)
	if err != nil {
		return 0, err
	}
	n := 0
	for f := uint64(0); f < count; f++ {
		size, j, err := uleb(m, i)
		if err != nil {
			return n, err
		}
		end := j + int(size)
		k, err := fixBody(m[:end], j)
		n += k
		if err != nil {
			return n, fmt.Errorf("function %d: %v", f, err)
		}
		i = end
	}
	return n, nil
}

func fixBody(m []byte, i int) (int, error) {
	// locals
	groups, i, err := uleb(m, i)
	if err != nil {
		return 0, err
	}
	for g := uint64(0); g < groups; g++ {
		if _, i, err = uleb(m, i); err != nil {
			return 0, err
		}
		i++ // valtype
	}
	n := 0
	skip := func(k int) error {
		for ; k > 0; k-- {
			if _, i, err = uleb(m, i); err != nil {
				return err
			}
		}
		return nil
	}
	for i < len(m) {
		op := m[i]
		i++
		switch {
		case op == 0x02 || op == 0x03 || op == 0x04:
			err = skip(1) // blocktype (s33; LEB length is the same)
		case op == 0x0C || op == 0x0D || op == 0x10 || (op >= 0x20 && op <= 0x26) || op == 0x3F || op == 0x40 || op == 0xD0 || op == 0xD2:
			err = skip(1)
		case op == 0x0E:
			var c uint64
			if c, i, err = uleb(m, i); err == nil {
				err = skip(int(c) + 1)
			}
		case op == 0x11:
			err = skip(2)
		case op == 0x1C:
			var c uint64
			if c, i, err = uleb(m, i); err == nil {
				i += int(c)
			}
		case op >= 0x28 && op <= 0x3E:
			err = skip(2)
		case op == 0x41 || op == 0x42:
			err = skip(1)
		case op == 0x43:
			i += 4
		case op == 0x44:
			i += 8
		case op == 0xFC:
			var s uint64
			if s, i, err = uleb(m, i); err != nil {
				break
			}
			switch {
			case s <= 7:
			case s == 8:
				err = skip(1)
				i++
			case s == 9 || s == 13 || (s >= 15 && s <= 17):
				err = skip(1)
			case s == 10:
				i += 2
			case s == 11:
				i++
			case s == 12 || s == 14:
				err = skip(2)
			default:
				err = fmt.Errorf("unknown 0xFC op %d", s)
			}
		case op == 0xFD:
			at := i
			var s uint64
			if s, i, err = uleb(m, i); err != nil {
				break
			}
			switch {
			case s == 0x09 && i+1 < len(m) && m[i] == 0x41 && m[i+1] < 0x40:
				// v128.load32_splat as Go's assembler writes it, no
				// memarg, then our I32Const $off (41 off): the
				// const's bytes become the memarg, align 2 (4 bytes)
				// and offset off.
				m[i] = 0x02
				i += 2
				n++
			case s <= 0x0B || s == 0x5C || s == 0x5D:
				err = skip(2)
			case s == 0x0C || s == 0x0D:
				i += 16
			case s >= 0x15 && s <= 0x22:
				i++
			case s >= 0x54 && s <= 0x5B:
				err = skip(2)
				i++
			case s >= 0x80 && s <= 0x93 && i-at == 2 && i+1 < len(m) && m[i] == 0x02 && m[i+1] == 0x01:
				// Go's assembler wrote relaxed op 0x100+(s-0x80) as
				// FD uleb(s) 02; with the Nop after it that reads as
				// op s then block (type 1). Rewrite to FD uleb(0x100+s-0x80) 01.
				m[at+1] = 0x02
				m[i] = 0x01
				i += 2
				n++
			}
		}
		if err != nil {
			return n, err
		}
	}
	if i != len(m) {
		return n, errors.New("body overrun")
	}
	return n, nil
}

// FixFile fixes the relaxed ops of the module in the file at path in place
// (rewritten with its mode only when there was one to fix) and returns how
// many it fixed.
func FixFile(path string) (int, error) {
	m, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n, err := Fix(m)
	if err != nil || n == 0 {
		return n, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return n, err
	}
	return n, os.WriteFile(path, m, st.Mode().Perm())
}
