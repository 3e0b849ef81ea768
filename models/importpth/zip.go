package importpth

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

// readZip decodes the zip container (PyTorch >= 1.6): ARCHIVE/data.pkl holds
// the pickle, ARCHIVE/data/KEY the raw little-endian bytes of each storage,
// ARCHIVE/byteorder (newer files) the byte order.
func readZip(r io.ReaderAt, size int64) (any, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	files := make(map[string]*zip.File, len(zr.File))
	var pkl *zip.File
	for _, f := range zr.File {
		files[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && strings.Count(f.Name, "/") == 1 {
			pkl = f
		}
	}
	if files["constants.pkl"] != nil || pkl != nil && files[path.Dir(pkl.Name)+"/constants.pkl"] != nil {
		return nil, fmt.Errorf("a TorchScript archive, not a state_dict checkpoint; save model.state_dict() instead")
	}
	if pkl == nil {
		return nil, fmt.Errorf("zip archive without ARCHIVE/data.pkl: not a PyTorch checkpoint")
	}
	prefix := path.Dir(pkl.Name) + "/"
	if bo := files[prefix+"byteorder"]; bo != nil {
		b, err := readSmall(bo, 16)
		if err != nil {
			return nil, fmt.Errorf("byteorder: %w", err)
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("byte order %q is not supported (only little-endian)", b)
		}
	}
	data, err := readSmall(pkl, maxPickle)
	if err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	loaded := map[string]*storage{}
	load := func(id any) (any, error) {
		_, dt, key, numel, err := persistentID(id)
		if err != nil {
			return nil, err
		}
		if s, ok := loaded[key]; ok {
			if s.dt != dt || s.numel != numel {
				return nil, fmt.Errorf("storage %q declared twice with different types or sizes", key)
			}
			return s, nil
		}
		f := files[prefix+"data/"+key]
		if f == nil {
			return nil, fmt.Errorf("storage %q: no %sdata/%s in the archive", key, prefix, key)
		}
		s := &storage{key: key, dt: dt, numel: numel}
		if s.vals, err = readStorage(f, dt, numel, size); err != nil {
			return nil, fmt.Errorf("storage %q: %w", key, err)
		}
		loaded[key] = s
		return s, nil
	}
	v, _, err := readPickle(bytes.NewReader(data), 0, int64(len(data)), load)
	return v, err
}

// readStorage decodes one storage record, which must hold exactly numel
// elements of dt.
func readStorage(f *zip.File, dt *dtype, numel, fileSize int64) ([]float32, error) {
	want := uint64(numel) * uint64(dt.size)
	if numel > fileSize || f.UncompressedSize64 != want {
		return nil, fmt.Errorf("record holds %d bytes, %d %s elements need %d", f.UncompressedSize64, numel, dt.name, want)
	}
	if f.CompressedSize64 > uint64(fileSize) {
		return nil, fmt.Errorf("record claims %d bytes in a %d-byte file", f.CompressedSize64, fileSize)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	vals, err := decodeInto(rc, dt, numel, int64(f.CompressedSize64)/int64(dt.size))
	if err != nil {
		return nil, err
	}
	// Reading to the end makes archive/zip verify the record's CRC-32.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return nil, err
	}
	return vals, nil
}

// readSmall reads a whole record of at most limit bytes.
func readSmall(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes, more than %d", f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("more than %d bytes", limit)
	}
	return b, nil
}
