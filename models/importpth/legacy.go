package importpth

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/nlpodyssey/gopickle/types"
)

// legacyProtocol is the version torch.save wrote in the legacy stream.
const legacyProtocol = 1001

// readLegacy decodes the legacy stream (torch.save before PyTorch 1.6, or
// with _use_new_zipfile_serialization=False): five pickles back to back
// (magic number, protocol version, system info, the object, the list of
// storage keys), then for each key in that order an 8-byte little-endian
// element count followed by the storage's raw bytes.
func readLegacy(r io.ReaderAt, size int64) (any, error) {
	var off int64
	next := func(what string, load func(any) (any, error)) (any, error) {
		v, n, err := readPickle(r, off, size-off, load)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		off += n
		return v, nil
	}
	if _, err := next("magic number", nil); err != nil {
		return nil, err
	}
	v, err := next("protocol version", nil)
	if err != nil {
		return nil, err
	}
	if p, ok := v.(int); !ok || p != legacyProtocol {
		return nil, fmt.Errorf("legacy protocol version %v, want %d", v, legacyProtocol)
	}
	info, err := next("system info", nil)
	if err != nil {
		return nil, err
	}
	if d, ok := info.(*types.Dict); ok {
		if le, ok := d.Get("little_endian"); ok && le != true {
			return nil, fmt.Errorf("written on a big-endian machine: not supported")
		}
	}

	storages := map[string]*storage{}
	load := func(id any) (any, error) {
		t, dt, key, numel, err := persistentID(id)
		if err != nil {
			return nil, err
		}
		if t.Len() < 6 {
			return nil, fmt.Errorf("legacy storage %q: no view field", key)
		}
		if numel > size {
			return nil, fmt.Errorf("storage %q: %d elements in a %d-byte file", key, numel, size)
		}
		root, ok := storages[key]
		if !ok {
			root = &storage{key: key, dt: dt, numel: numel}
			storages[key] = root
		} else if root.dt != dt || root.numel != numel {
			return nil, fmt.Errorf("storage %q declared twice with different types or sizes", key)
		}
		switch view := t.Get(5).(type) {
		case nil:
			return root, nil
		case *types.Tuple:
			// (view_key, offset, view_size): a window on the root storage.
			if view.Len() != 3 {
				return nil, fmt.Errorf("storage %q: view %v", key, view)
			}
			vkey, ok1 := view.Get(0).(string)
			voff, ok2 := view.Get(1).(int)
			vn, ok3 := view.Get(2).(int)
			if !ok1 || !ok2 || !ok3 || voff < 0 || vn < 0 || int64(voff)+int64(vn) > numel {
				return nil, fmt.Errorf("storage %q: view %v outside its %d elements", key, view, numel)
			}
			if s, ok := storages[vkey]; ok {
				return s, nil
			}
			s := &storage{key: vkey, dt: dt, numel: int64(vn), root: root, off: int64(voff)}
			storages[vkey] = s
			return s, nil
		default:
			return nil, fmt.Errorf("storage %q: view field is %T", key, view)
		}
	}
	obj, err := next("state", load)
	if err != nil {
		return nil, err
	}
	keysObj, err := next("storage keys", nil)
	if err != nil {
		return nil, err
	}
	keys, ok := keysObj.(*types.List)
	if !ok {
		return nil, fmt.Errorf("storage keys are a %T, not a list", keysObj)
	}
	for _, k := range *keys {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("storage key %v is not a string", k)
		}
		s := storages[key]
		if s == nil || s.root != nil {
			return nil, fmt.Errorf("storage %q has data but no tensor uses it", key)
		}
		if s.vals != nil {
			return nil, fmt.Errorf("storage %q stored twice", key)
		}
		var hdr [8]byte
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return nil, fmt.Errorf("storage %q: truncated before its size", key)
		}
		off += 8
		if n := binary.LittleEndian.Uint64(hdr[:]); n != uint64(s.numel) {
			return nil, fmt.Errorf("storage %q: %d elements in the data, %d in the pickle", key, n, s.numel)
		}
		s.vals, err = decodeInto(io.NewSectionReader(r, off, size-off), s.dt, s.numel, (size-off)/int64(s.dt.size))
		if err != nil {
			return nil, fmt.Errorf("storage %q: %w", key, err)
		}
		off += s.numel * int64(s.dt.size)
	}
	return obj, nil
}
