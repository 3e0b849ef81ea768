package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"unsafe"

	"convscope/engine"
)

// File is a decoded model file.
type File struct {
	Meta    Meta
	Tensors []*Tensor // the graph's constants, in file order
}

// Encode serialises f: it fills f.Meta.Tensors from f.Tensors, lays the
// tensors out (each entry 4-byte aligned so float32 data can be viewed in
// place), and computes the checksum.
func Encode(f *File) ([]byte, error) {
	infos := make([]TensorInfo, 0, len(f.Tensors))
	seen := map[string]bool{}
	var size int64
	for _, t := range f.Tensors {
		if t == nil || t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("encode: tensor with an empty or repeated name %v", t)
		}
		seen[t.Name] = true
		n, err := engine.NumElements(t.Shape)
		if err != nil {
			return nil, fmt.Errorf("encode: tensor %q: %w", t.Name, err)
		}
		info := TensorInfo{Name: t.Name, Shape: t.Shape, DType: t.DType, Offset: size}
		switch t.DType {
		case Float32:
			if len(t.F32) != n {
				return nil, fmt.Errorf("encode: tensor %q: %d values for shape %v", t.Name, len(t.F32), t.Shape)
			}
			size += 4 * int64(n)
		case Int8:
			if len(t.Q) != n || t.Axis < 0 || t.Axis >= len(t.Shape) || len(t.Scales) != t.Shape[t.Axis] {
				return nil, fmt.Errorf("encode: tensor %q: int8 data does not match shape %v, axis %d", t.Name, t.Shape, t.Axis)
			}
			info.Axis, info.ScalesOffset = t.Axis, align4(size+int64(n))
			size = info.ScalesOffset + 4*int64(len(t.Scales))
		default:
			return nil, fmt.Errorf("encode: tensor %q: unknown dtype %q", t.Name, t.DType)
		}
		size = align4(size)
		infos = append(infos, info)
	}
	f.Meta.Tensors = infos
	meta, err := json.Marshal(&f.Meta)
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	if len(meta) > MaxMetaBytes || size > MaxDataBytes {
		return nil, fmt.Errorf("encode: %d bytes of metadata and %d of data exceed the format's limits", len(meta), size)
	}
	h := Header{Version: Version, MetaLen: uint64(len(meta)), DataLen: uint64(size)}
	copy(h.Magic[:], Magic)
	out := make([]byte, h.Size())
	copy(out, h.encode())
	copy(out[HeaderSize:], meta)
	data := out[HeaderSize+len(meta):]
	le := binary.LittleEndian
	for i, t := range f.Tensors {
		info := infos[i]
		switch t.DType {
		case Float32:
			dst := data[info.Offset:]
			for j, v := range t.F32 {
				le.PutUint32(dst[4*j:], math.Float32bits(v))
			}
		case Int8:
			dst := data[info.Offset:]
			for j, q := range t.Q {
				dst[j] = byte(q)
			}
			dst = data[info.ScalesOffset:]
			for j, s := range t.Scales {
				le.PutUint32(dst[4*j:], math.Float32bits(s))
			}
		}
	}
	sum := checksum(out[:hashedHeader], out[HeaderSize:])
	copy(out[hashedHeader:HeaderSize], sum[:])
	return out, nil
}

func align4(n int64) int64 { return (n + 3) &^ 3 }

func checksum(head, content []byte) [32]byte {
	h := sha256.New()
	h.Write(head)
	h.Write(content)
	var s [32]byte
	h.Sum(s[:0])
	return s
}

// Decode parses a whole file held in memory: header, length bounds,
// checksum, metadata, and every tensor's bounds before its values are
// copied out. Any problem is an error wrapping ErrFormat.
func Decode(b []byte) (*File, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != h.Size() {
		if int64(len(b)) < h.Size() {
			return nil, formatErr("truncated: %d bytes, the header announces %d", len(b), h.Size())
		}
		return nil, formatErr("%d bytes of trailing data after the announced %d", int64(len(b))-h.Size(), h.Size())
	}
	return decodeContent(h, b[:hashedHeader], b[HeaderSize:], false)
}

// DecodeGraph is Decode followed by File.Graph, without copying the int8
// weights: the graph's int8 constants are views of b, so a loaded model
// costs the size of its file (VGG16: 138 MB, where float32 weights would
// be 553 MB, and a copy of the int8 values another 138 MB while b is still
// held). b must not be modified while the graph is in use. It is the loader
// with the least memory (the browser's).
func DecodeGraph(b []byte) (*Meta, *engine.Graph, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, nil, err
	}
	if int64(len(b)) != h.Size() {
		if int64(len(b)) < h.Size() {
			return nil, nil, formatErr("truncated: %d bytes, the header announces %d", len(b), h.Size())
		}
		return nil, nil, formatErr("%d bytes of trailing data after the announced %d", int64(len(b))-h.Size(), h.Size())
	}
	f, err := decodeContent(h, b[:hashedHeader], b[HeaderSize:], true)
	if err != nil {
		return nil, nil, err
	}
	g, err := f.Graph()
	if err != nil {
		return nil, nil, err
	}
	return &f.Meta, g, nil
}

// Read reads a whole file from r and decodes it. Memory grows with what r
// actually delivers, so a truncated file with a huge announced length fails
// without a huge allocation.
func Read(r io.Reader) (*File, error) {
	hb := make([]byte, HeaderSize)
	if n, err := io.ReadFull(r, hb); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, formatErr("file is %d bytes, shorter than the %d-byte header", n, HeaderSize)
		}
		return nil, err
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, err
	}
	want := int64(h.MetaLen) + int64(h.DataLen)
	var buf bytes.Buffer
	buf.Grow(int(min(want, 1<<20)))
	n, err := io.CopyN(&buf, r, want)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, formatErr("truncated: %d bytes, the header announces %d", HeaderSize+n, h.Size())
		}
		return nil, err
	}
	if m, _ := io.ReadFull(r, make([]byte, 1)); m != 0 {
		return nil, formatErr("trailing data after the announced %d bytes", h.Size())
	}
	return decodeContent(h, hb[:hashedHeader], buf.Bytes(), false)
}

// ReadFile reads and decodes the file at path.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mf, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return mf, nil
}

// ReadMeta reads only the header and the metadata, without checking the
// checksum (which needs the whole file): for listing models cheaply.
// Anything that uses the weights must go through Read or Decode.
func ReadMeta(r io.Reader) (*Meta, Header, error) {
	hb := make([]byte, HeaderSize)
	if n, err := io.ReadFull(r, hb); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, Header{}, formatErr("file is %d bytes, shorter than the %d-byte header", n, HeaderSize)
		}
		return nil, Header{}, err
	}
	h, err := parseHeader(hb)
	if err != nil {
		return nil, h, err
	}
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, r, int64(h.MetaLen)); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, h, formatErr("truncated inside the metadata")
		}
		return nil, h, err
	}
	var m Meta
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		return nil, h, formatErr("metadata: %v", err)
	}
	return &m, h, nil
}

// decodeContent checks the checksum over head and content (metadata +
// data), then decodes the metadata and the tensors; with view, int8
// tensors are views of content instead of copies.
func decodeContent(h Header, head, content []byte, view bool) (*File, error) {
	if sum := checksum(head, content); sum != h.Sum {
		return nil, formatErr("SHA-256 mismatch: the file is corrupt or was modified (stored %x, computed %x)", h.Sum[:8], sum[:8])
	}
	metaBytes, data := content[:h.MetaLen], content[h.MetaLen:]
	f := &File{}
	if err := json.Unmarshal(metaBytes, &f.Meta); err != nil {
		return nil, formatErr("metadata: %v", err)
	}
	if err := checkMeta(&f.Meta); err != nil {
		return nil, err
	}
	layouts, err := tableLayout(&f.Meta, int64(len(data)))
	if err != nil {
		return nil, err
	}
	for i := range f.Meta.Tensors {
		t, err := decodeTensor(&f.Meta.Tensors[i], layouts[i], data, view)
		if err != nil {
			return nil, err
		}
		f.Tensors = append(f.Tensors, t)
	}
	return f, nil
}

// tableLayout checks the tensor table of m against a data section of
// dataLen bytes (names, shapes, dtypes, ranges) and returns each tensor's
// layout.
func tableLayout(m *Meta, dataLen int64) ([]layout, error) {
	var total int64
	seen := make(map[string]bool, len(m.Tensors))
	out := make([]layout, len(m.Tensors))
	for i := range m.Tensors {
		info := &m.Tensors[i]
		if info.Name == "" || seen[info.Name] {
			return nil, formatErr("tensor %d has an empty or repeated name %q", i, info.Name)
		}
		seen[info.Name] = true
		l, err := tensorLayout(info, dataLen)
		if err != nil {
			return nil, err
		}
		// Ranges may not be shared: the sum of what tensors occupy is at
		// most the data section, which bounds what decoding allocates.
		if total += l.vals.n + l.scales.n; total > dataLen {
			return nil, formatErr("tensors occupy more bytes than the %d-byte data section", dataLen)
		}
		out[i] = l
	}
	return out, nil
}

// checkMeta checks the graph part of the metadata for what a decoder
// relies on; the engine checks the rest (shapes, params) when compiling.
func checkMeta(m *Meta) error {
	if len(m.Inputs) == 0 || len(m.Outputs) == 0 || len(m.Nodes) == 0 {
		return formatErr("metadata has %d inputs, %d outputs and %d nodes; a model needs at least one of each", len(m.Inputs), len(m.Outputs), len(m.Nodes))
	}
	for i, n := range m.Nodes {
		if n == nil {
			return formatErr("node %d is null", i)
		}
	}
	return nil
}

// layout is where a tensor lies in the data section: its element count,
// its values and (int8) its scales.
type layout struct {
	n            int
	vals, scales byteRange
}

// byteRange is bytes [off, off+n) of the data section.
type byteRange struct{ off, n int64 }

// tensorLayout checks info (rank, element count, dtype, channel axis)
// and that its bytes lie inside a data section of dataLen bytes.
func tensorLayout(info *TensorInfo, dataLen int64) (layout, error) {
	if len(info.Shape) > maxRank {
		return layout{}, formatErr("tensor %q has rank %d (at most %d)", info.Name, len(info.Shape), maxRank)
	}
	n, err := engine.NumElements(info.Shape)
	if err != nil {
		return layout{}, formatErr("tensor %q: %v", info.Name, err)
	}
	l := layout{n: n}
	switch info.DType {
	case Float32:
		l.vals = byteRange{info.Offset, 4 * int64(n)}
		return l, l.vals.check(dataLen, info.Name)
	case Int8:
		if info.Axis < 0 || info.Axis >= len(info.Shape) {
			return l, formatErr("tensor %q: channel axis %d out of range for shape %v", info.Name, info.Axis, info.Shape)
		}
		l.vals = byteRange{info.Offset, int64(n)}
		if err := l.vals.check(dataLen, info.Name); err != nil {
			return l, err
		}
		l.scales = byteRange{info.ScalesOffset, 4 * int64(info.Shape[info.Axis])}
		return l, l.scales.check(dataLen, info.Name+" scales")
	}
	return l, formatErr("tensor %q: unknown dtype %q", info.Name, info.DType)
}

// check reports an error naming what is out of bounds unless r lies inside
// a data section of dataLen bytes.
func (r byteRange) check(dataLen int64, what string) error {
	if r.off < 0 || r.n < 0 || r.off > dataLen || r.n > dataLen-r.off {
		return formatErr("tensor %s: bytes [%d, %d+%d) lie outside the %d-byte data section", what, r.off, r.off, r.n, dataLen)
	}
	return nil
}

// decodeTensor copies the values of the tensor info describes, laid out as
// l in data, out (int8 ones only without view).
func decodeTensor(info *TensorInfo, l layout, data []byte, view bool) (*Tensor, error) {
	t := &Tensor{Name: info.Name, Shape: info.Shape, DType: info.DType}
	b := data[l.vals.off : l.vals.off+l.vals.n]
	if info.DType == Float32 {
		t.F32 = make([]float32, l.n)
		floatsFromLE(t.F32, b)
		return t, nil
	}
	scales, err := decodeScales(data[l.scales.off:l.scales.off+l.scales.n], info.Name)
	if err != nil {
		return nil, err
	}
	t.Axis, t.Scales = info.Axis, scales
	if view {
		t.Q = int8View(b)
	} else {
		t.Q = make([]int8, l.n)
		for i, v := range b {
			t.Q[i] = int8(v)
		}
	}
	return t, nil
}

// floatsFromLE sets dst to the little-endian float32 values in b. b may be
// dst's own bytes (each value is read before it is written).
func floatsFromLE(dst []float32, b []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// decodeScales decodes int8 scales, which must be finite and >= 0.
func decodeScales(b []byte, name string) ([]float32, error) {
	scales := make([]float32, len(b)/4)
	floatsFromLE(scales, b)
	for i, s := range scales {
		if !(s >= 0) || math.IsInf(float64(s), 0) {
			return nil, formatErr("tensor %q: scale %d is %v", name, i, s)
		}
	}
	return scales, nil
}

// Graph builds the engine graph the file describes. Its constants share
// the file's slices: int8 weights stay int8 (the engine dequantizes them
// as it uses them, see engine.Int8), float32 tensors stay float32.
func (f *File) Graph() (*engine.Graph, error) {
	g := f.Meta.graph()
	for _, t := range f.Tensors {
		et, err := t.Engine()
		if err != nil {
			return nil, err
		}
		g.Consts[t.Name] = et
	}
	return g, nil
}

// graph returns the graph m describes, with no constants yet.
func (m *Meta) graph() *engine.Graph {
	g := &engine.Graph{Consts: make(map[string]*engine.Tensor, len(m.Tensors))}
	for _, in := range m.Inputs {
		g.Inputs = append(g.Inputs, engine.ValueInfo{Name: in.Name, Shape: append([]int(nil), in.Shape...)})
	}
	g.Outputs = append([]string(nil), m.Outputs...)
	for _, n := range m.Nodes {
		c := engine.Node(*n)
		c.Inputs = append([]string(nil), n.Inputs...)
		c.Outputs = append([]string(nil), n.Outputs...)
		g.Nodes = append(g.Nodes, &c)
	}
	return g
}

// int8View returns b's bytes as int8 values without copying them (the
// two's complement reading a conversion int8(v) gives, byte for byte).
// Both types have size and alignment 1, so the view is valid for any b.
func int8View(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}
