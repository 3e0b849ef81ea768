package modelfile

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"unsafe"

	"convscope/engine"
)

// streamChunk is how many bytes of the data section DecodeShard reads and
// hashes at a time: the only buffer it holds beyond what it keeps.
const streamChunk = 1 << 20

// CompileShard compiles shard opt.Shard.Index of opt.Shard.Count from the
// model file of size bytes that r reads, holding only this shard's part of
// the weights it splits (DecodeShard): the way to run one of several
// programs that split a model between cores (Web Workers) without each
// holding the whole model. It returns the program and the file's metadata
// (inputs, outputs, labels). opt.Shard.Parts is set by CompileShard.
func CompileShard(r io.ReaderAt, size int64, opt engine.Options) (*engine.Program, *Meta, error) {
	m, g, parts, err := DecodeShard(r, size, opt)
	if err != nil {
		return nil, nil, err
	}
	opt.Shard.Parts = parts
	p, err := engine.Compile(g, opt)
	if err != nil {
		return nil, nil, err
	}
	return p, m, nil
}

// DecodeShard reads the model file of size bytes that r reads, tensor by
// tensor, keeping only what shard opt.Shard.Index of opt.Shard.Count
// compiled with opt needs: the metadata, every tensor whole except the
// weights the engine splits (engine.ShardParts decides which, and which
// part this shard keeps), of which it copies only its rows or columns and
// their scales. It returns the metadata, the graph (whose constants are
// this shard's own copies, so r may be dropped) and the parts, which
// engine.Compile takes in Options.Shard.Parts. With Count <= 1 it keeps
// every tensor whole.
//
// The file is checked as Decode checks it: the header first, then the
// SHA-256 over the whole file, streamed through one small buffer (so the
// whole file is read, but never held), before anything is returned; a
// truncated, tampered or otherwise malformed file is an error wrapping
// ErrFormat, and an error of r is returned as is.
func DecodeShard(r io.ReaderAt, size int64, opt engine.Options) (*Meta, *engine.Graph, map[string]engine.Part, error) {
	hb := make([]byte, HeaderSize)
	if size < HeaderSize {
		return nil, nil, nil, formatErr("file is %d bytes, shorter than the %d-byte header", size, HeaderSize)
	}
	if err := readAt(r, hb, 0); err != nil {
		return nil, nil, nil, err
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, nil, nil, err
	}
	if size != h.Size() {
		if size < h.Size() {
			return nil, nil, nil, formatErr("truncated: %d bytes, the header announces %d", size, h.Size())
		}
		return nil, nil, nil, formatErr("%d bytes of trailing data after the announced %d", size-h.Size(), h.Size())
	}
	metaBytes := make([]byte, h.MetaLen)
	if err := readAt(r, metaBytes, HeaderSize); err != nil {
		return nil, nil, nil, err
	}
	sum := sha256.New()
	sum.Write(hb[:hashedHeader])
	sum.Write(metaBytes)
	dataLen := int64(h.DataLen)

	// The metadata is parsed before the checksum is known (the data is
	// sliced as it streams past), but a problem with it is reported only
	// once the checksum is: a tampered file gets the checksum's error, as
	// from Decode.
	m, g, cuts, metaErr := planShard(metaBytes, dataLen, opt)
	metaBytes = nil
	if metaErr != nil {
		cuts = nil
	}
	buf := make([]byte, min(streamChunk, dataLen))
	for off := int64(0); off < dataLen; {
		c := buf[:min(int64(len(buf)), dataLen-off)]
		if err := readAt(r, c, HeaderSize+int64(h.MetaLen)+off); err != nil {
			return nil, nil, nil, err
		}
		sum.Write(c)
		for _, ct := range cuts {
			for i := range ct.pieces {
				ct.pieces[i].take(c, off)
			}
		}
		off += int64(len(c))
	}
	var got [32]byte
	if sum.Sum(got[:0]); got != h.Sum {
		return nil, nil, nil, formatErr("SHA-256 mismatch: the file is corrupt or was modified (stored %x, computed %x)", h.Sum[:8], got[:8])
	}
	if metaErr != nil {
		return nil, nil, nil, metaErr
	}
	parts := map[string]engine.Part{}
	for _, ct := range cuts {
		t, err := ct.tensor()
		if err != nil {
			return nil, nil, nil, err
		}
		if t != nil {
			g.Consts[ct.info.Name] = t
		}
		if ct.part != nil {
			parts[ct.info.Name] = *ct.part
		}
	}
	return m, g, parts, nil
}

// readAt fills b from r at off; a short read is the file ending early.
func readAt(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return formatErr("truncated: no bytes past %d", off+int64(n))
	}
	return err
}

// planShard parses and checks the metadata, asks the engine which tensors
// the shard keeps a part of, and lays out what to copy of each tensor.
func planShard(metaBytes []byte, dataLen int64, opt engine.Options) (*Meta, *engine.Graph, []*cut, error) {
	var m Meta
	if err := json.Unmarshal(metaBytes, &m); err != nil {
		return nil, nil, nil, formatErr("metadata: %v", err)
	}
	if err := checkMeta(&m); err != nil {
		return nil, nil, nil, err
	}
	layouts, err := tableLayout(&m, dataLen)
	if err != nil {
		return nil, nil, nil, err
	}
	g := m.graph()
	infos := make(map[string]engine.ConstInfo, len(m.Tensors))
	for _, t := range m.Tensors {
		infos[t.Name] = engine.ConstInfo{Shape: t.Shape, Int8: t.DType == Int8, Axis: t.Axis}
	}
	parts, err := engine.ShardParts(g, infos, opt)
	if err != nil {
		return nil, nil, nil, err
	}
	cuts := make([]*cut, len(m.Tensors))
	for i := range m.Tensors {
		var pt *engine.Part
		if p, ok := parts[m.Tensors[i].Name]; ok {
			pt = &p
		}
		cuts[i] = newCut(&m.Tensors[i], layouts[i], pt)
	}
	return &m, g, cuts, nil
}

// cut is what DecodeShard keeps of one tensor: all of it, or the part.
type cut struct {
	info   *TensorInfo
	l      layout
	part   *engine.Part // nil: whole
	pieces []piece      // values, then (int8) all the scales
	f32    []float32    // float32 values kept (pieces[0]'s bytes)
	q      []int8       // int8 values kept (pieces[0]'s bytes)
	scales []byte       // every scale (pieces[1])
}

// piece is rows of bytes to copy out of the data section: count runs of n
// bytes, the first at off and each stride after the one before, into dst.
type piece struct {
	off, n, stride, count int64
	dst                   []byte
}

func newCut(info *TensorInfo, l layout, pt *engine.Part) *cut {
	c := &cut{info: info, l: l, part: pt}
	es := int64(1)
	if info.DType == Float32 {
		es = 4
	}
	// Whole: one run of every value. A part along axis 0: one run of its
	// rows; along axis 1 (2-D): its columns of every row.
	v := piece{off: l.vals.off, n: l.vals.n, count: 1}
	keep := int64(l.n)
	if pt != nil {
		rows := int64(pt.Shape[0])
		cols := int64(l.n) / rows
		if pt.Axis == 0 {
			v = piece{off: l.vals.off + int64(pt.Lo)*cols*es, n: int64(pt.Hi-pt.Lo) * cols * es, count: 1}
		} else {
			v = piece{off: l.vals.off + int64(pt.Lo)*es, n: int64(pt.Hi-pt.Lo) * es, stride: cols * es, count: rows}
		}
		keep = v.n * v.count / es
	}
	if info.DType == Float32 {
		c.f32 = make([]float32, keep)
		v.dst = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(c.f32))), 4*keep)
	} else {
		b := make([]byte, keep)
		c.q, v.dst = int8View(b), b
	}
	c.pieces = append(c.pieces, v)
	if info.DType == Int8 {
		c.scales = make([]byte, l.scales.n)
		c.pieces = append(c.pieces, piece{off: l.scales.off, n: l.scales.n, count: 1, dst: c.scales})
	}
	return c
}

// take copies the bytes of p that lie in chunk, the data section's bytes
// from off on.
func (p *piece) take(chunk []byte, off int64) {
	end := off + int64(len(chunk))
	if p.n == 0 || p.off >= end || p.off+(p.count-1)*p.stride+p.n <= off {
		return
	}
	first := int64(0)
	if p.stride > 0 && off > p.off {
		first = min((off-p.off)/p.stride, p.count-1)
	}
	for r := first; r < p.count; r++ {
		lo := p.off + r*p.stride
		if lo >= end {
			return
		}
		a, b := max(lo, off), min(lo+p.n, end)
		if a < b {
			copy(p.dst[r*p.n+a-lo:], chunk[a-off:b-off])
		}
	}
}

// tensor returns the engine constant of what c kept (nil for an empty
// part), once every byte has been copied.
func (c *cut) tensor() (*engine.Tensor, error) {
	shape := append([]int(nil), c.info.Shape...)
	if c.part != nil {
		if c.part.Hi == c.part.Lo {
			return nil, nil
		}
		shape[c.part.Axis] = c.part.Hi - c.part.Lo
	}
	if c.info.DType == Float32 {
		floatsFromLE(c.f32, c.pieces[0].dst)
		return &engine.Tensor{Shape: shape, Data: c.f32}, nil
	}
	scales, err := decodeScales(c.scales, c.info.Name)
	if err != nil {
		return nil, err
	}
	if c.part != nil && c.part.Axis == c.info.Axis {
		scales = append([]float32(nil), scales[c.part.Lo:c.part.Hi]...)
	}
	t, err := engine.NewInt8Tensor(c.q, scales, c.info.Axis, shape...)
	if err != nil {
		return nil, formatErr("tensor %q: %v", c.info.Name, err)
	}
	return t, nil
}
