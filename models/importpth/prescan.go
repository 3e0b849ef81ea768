package importpth

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// argKind is how a pickle opcode's argument is laid out in the stream.
type argKind uint8

const (
	argNone  argKind = iota // no argument
	argFixed                // a fixed number of bytes
	argLine                 // up to and including '\n'
	arg2Line                // two lines (GLOBAL, INST: module and name)
	argLen1                 // 1-byte length, then that many bytes
	argLen4                 // 4-byte little-endian length, then that many bytes
	argLen8                 // 8-byte little-endian length, then that many bytes
)

type opArg struct {
	kind argKind
	n    int // bytes for argFixed
}

// opArgs lists every opcode of pickle protocols 0 to 5 (Python's
// Lib/pickletools.py is the reference) with its argument layout.
var opArgs = map[byte]opArg{
	'(': {}, '.': {}, '0': {}, '1': {}, '2': {}, 'N': {}, 'Q': {}, 'R': {},
	'a': {}, 'b': {}, 'd': {}, '}': {}, 'e': {}, 'l': {}, ']': {}, 'o': {},
	's': {}, 't': {}, ')': {}, 'u': {},
	'F': {kind: argLine}, 'I': {kind: argLine}, 'L': {kind: argLine},
	'P': {kind: argLine}, 'S': {kind: argLine}, 'V': {kind: argLine},
	'g': {kind: argLine}, 'p': {kind: argLine},
	'c': {kind: arg2Line}, 'i': {kind: arg2Line},
	'J': {argFixed, 4}, 'K': {argFixed, 1}, 'M': {argFixed, 2}, 'G': {argFixed, 8},
	'h': {argFixed, 1}, 'j': {argFixed, 4}, 'q': {argFixed, 1}, 'r': {argFixed, 4},
	'T': {kind: argLen4}, 'U': {kind: argLen1}, 'X': {kind: argLen4},
	// protocol 2
	0x80: {argFixed, 1}, 0x81: {}, 0x82: {argFixed, 1}, 0x83: {argFixed, 2},
	0x84: {argFixed, 4}, 0x85: {}, 0x86: {}, 0x87: {}, 0x88: {}, 0x89: {},
	0x8a: {kind: argLen1}, 0x8b: {kind: argLen4},
	// protocol 3
	'B': {kind: argLen4}, 'C': {kind: argLen1},
	// protocol 4: FRAME's argument is a size, and the frame's content is
	// ordinary opcodes that follow, so it is checked like a length but not
	// skipped.
	0x8c: {kind: argLen1}, 0x8d: {kind: argLen8}, 0x8e: {kind: argLen8},
	0x8f: {}, 0x90: {}, 0x91: {}, 0x92: {}, 0x93: {}, 0x94: {}, 0x95: {argFixed, 8},
	// protocol 5
	0x96: {kind: argLen8}, 0x97: {}, 0x98: {},
}

// pickleLen walks the opcodes of one pickle in r, at most limit bytes, and
// returns its length up to and including STOP. It decodes nothing; it exists
// because the unpickler allocates whatever a length field says before it
// reads, so every length (strings, bytes, longs, frames) is checked here
// against the bytes that remain, and a file cannot make the reader allocate
// more than it holds.
func pickleLen(r *bufio.Reader, limit int64) (int64, error) {
	var pos int64
	var lenBuf [8]byte
	for {
		op, err := r.ReadByte()
		if err != nil {
			return 0, truncated(err, pos)
		}
		pos++
		a, ok := opArgs[op]
		if !ok {
			return 0, fmt.Errorf("pickle: unknown opcode 0x%02x at byte %d", op, pos-1)
		}
		var skip int64
		switch a.kind {
		case argFixed:
			skip = int64(a.n)
			if op == 0x95 { // FRAME: check the size, keep walking inside
				if _, err := io.ReadFull(r, lenBuf[:8]); err != nil {
					return 0, truncated(err, pos)
				}
				pos += 8
				if n := binary.LittleEndian.Uint64(lenBuf[:8]); n > uint64(limit-pos) {
					return 0, fmt.Errorf("pickle: frame of %d bytes at byte %d runs past the end", n, pos-9)
				}
				skip = 0
			}
		case argLine, arg2Line:
			lines := 1
			if a.kind == arg2Line {
				lines = 2
			}
			for range lines {
				for {
					b, err := r.ReadByte()
					if err != nil {
						return 0, truncated(err, pos)
					}
					pos++
					if pos > limit {
						return 0, fmt.Errorf("pickle: longer than %d bytes", limit)
					}
					if b == '\n' {
						break
					}
				}
			}
		case argLen1, argLen4, argLen8:
			w := 1
			switch a.kind {
			case argLen4:
				w = 4
			case argLen8:
				w = 8
			}
			if _, err := io.ReadFull(r, lenBuf[:w]); err != nil {
				return 0, truncated(err, pos)
			}
			pos += int64(w)
			n := uint64(lenBuf[0])
			switch w {
			case 4:
				n = uint64(binary.LittleEndian.Uint32(lenBuf[:4]))
			case 8:
				n = binary.LittleEndian.Uint64(lenBuf[:8])
			}
			if n > uint64(limit-pos) {
				return 0, fmt.Errorf("pickle: opcode 0x%02x at byte %d declares %d bytes, past the end", op, pos-int64(w)-1, n)
			}
			skip = int64(n)
		}
		if skip > 0 {
			if skip > limit-pos {
				return 0, fmt.Errorf("pickle: truncated at byte %d", pos)
			}
			if _, err := r.Discard(int(skip)); err != nil {
				return 0, truncated(err, pos)
			}
			pos += skip
		}
		if pos > limit {
			return 0, fmt.Errorf("pickle: longer than %d bytes", limit)
		}
		if op == '.' {
			return pos, nil
		}
	}
}

func truncated(err error, pos int64) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("pickle: truncated at byte %d", pos)
	}
	return fmt.Errorf("pickle: %w", err)
}
