package importpth

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// storage is one torch storage: a flat run of elements that tensors view
// with an offset and strides. In legacy files a storage can itself be a
// window on another (root, offset).
type storage struct {
	key   string
	dt    *dtype
	numel int64
	vals  []float32 // decoded elements once loaded (len numel)
	root  *storage  // non-nil for a legacy storage view
	off   int64     // element offset of the view in root
}

// data returns the decoded elements, following a view to its root.
func (s *storage) data() ([]float32, error) {
	if s.root != nil {
		rv, err := s.root.data()
		if err != nil {
			return nil, err
		}
		return rv[s.off : s.off+s.numel], nil
	}
	if s.vals == nil && s.numel > 0 {
		return nil, fmt.Errorf("storage %q has no data in the file", s.key)
	}
	return s.vals, nil
}

// storageClass stands for a torch.*Storage class in the pickle.
type storageClass struct{ dt *dtype }

// tensorRef is a tensor as the pickle describes it: a view on a storage.
// It becomes a dense engine.Tensor only after every storage is loaded
// (legacy files put the data after the pickle).
type tensorRef struct {
	st     *storage
	offset int64
	size   []int64
	stride []int64
}

// rebuildTensor is torch._utils._rebuild_tensor_v2 (storage, storage_offset,
// size, stride, requires_grad, backward_hooks[, metadata]) and the older
// _rebuild_tensor (storage, storage_offset, size, stride).
type rebuildTensor struct{ minArgs int }

func (rb rebuildTensor) Call(args ...any) (any, error) {
	if len(args) < rb.minArgs {
		return nil, fmt.Errorf("tensor: %d arguments, want at least %d", len(args), rb.minArgs)
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("tensor: storage argument is %T", args[0])
	}
	off, ok := args[1].(int)
	if !ok || off < 0 {
		return nil, fmt.Errorf("tensor: bad storage offset %v", args[1])
	}
	size, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("tensor size: %w", err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("tensor stride: %w", err)
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("tensor: %d sizes but %d strides", len(size), len(stride))
	}
	return &tensorRef{st: st, offset: int64(off), size: size, stride: stride}, nil
}

// rebuildParameter is torch._utils._rebuild_parameter (data, requires_grad,
// backward_hooks): a Parameter is its tensor here.
type rebuildParameter struct{}

func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("parameter: no arguments")
	}
	if _, ok := args[0].(*tensorRef); !ok {
		return nil, fmt.Errorf("parameter: data is %T, not a tensor", args[0])
	}
	return args[0], nil
}

func intTuple(v any) ([]int64, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("%T is not a tuple", v)
	}
	out := make([]int64, t.Len())
	for i := range out {
		n, ok := t.Get(i).(int)
		if !ok || n < 0 {
			return nil, fmt.Errorf("element %d is %v, not a non-negative int", i, t.Get(i))
		}
		out[i] = int64(n)
	}
	return out, nil
}

// findClass resolves the globals a checkpoint pickle names. Anything
// unknown becomes an inert generic object: it can sit in a checkpoint's
// metadata, but not where a tensor is expected.
func findClass(module, name string) (any, error) {
	switch module + "." + name {
	case "torch._utils._rebuild_tensor_v2":
		return rebuildTensor{minArgs: 6}, nil
	case "torch._utils._rebuild_tensor":
		return rebuildTensor{minArgs: 4}, nil
	case "torch._utils._rebuild_parameter":
		return rebuildParameter{}, nil
	}
	if module == "torch" {
		if dt, ok := dtypes[name]; ok {
			return &storageClass{dt: dt}, nil
		}
	}
	return types.NewGenericClass(module, name), nil
}

// readPickle reads the pickle that starts at off in r (at most limit bytes
// available) after checking its lengths, and decodes it. It returns the
// value and the pickle's length in bytes.
func readPickle(r io.ReaderAt, off, limit int64, persistentLoad func(any) (any, error)) (any, int64, error) {
	limit = min(limit, maxPickle)
	n, err := pickleLen(bufio.NewReader(io.NewSectionReader(r, off, limit)), limit)
	if err != nil {
		return nil, 0, err
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, off); err != nil {
		return nil, 0, fmt.Errorf("pickle: %w", err)
	}
	u := pickle.NewUnpickler(bytes.NewReader(buf))
	u.FindClass = findClass
	u.PersistentLoad = persistentLoad
	v, err := u.Load()
	if err != nil {
		return nil, 0, fmt.Errorf("pickle: %w", err)
	}
	return v, n, nil
}

// persistentID splits a persistent id tuple ('storage', class, key,
// location, numel[, view]) into its parts.
func persistentID(id any) (t *types.Tuple, dt *dtype, key string, numel int64, err error) {
	t, ok := id.(*types.Tuple)
	if !ok || t.Len() < 5 {
		return nil, nil, "", 0, fmt.Errorf("persistent id %v is not a storage tuple", id)
	}
	if s, _ := t.Get(0).(string); s != "storage" {
		return nil, nil, "", 0, fmt.Errorf("persistent id of type %v, want storage", t.Get(0))
	}
	cls, ok := t.Get(1).(*storageClass)
	if !ok {
		return nil, nil, "", 0, fmt.Errorf("unsupported storage type %v", t.Get(1))
	}
	key, ok = t.Get(2).(string)
	if !ok {
		return nil, nil, "", 0, fmt.Errorf("storage key %v is not a string", t.Get(2))
	}
	n, ok := t.Get(4).(int)
	if !ok || n < 0 {
		return nil, nil, "", 0, fmt.Errorf("storage %q: bad size %v", key, t.Get(4))
	}
	return t, cls.dt, key, int64(n), nil
}

// decodeInto reads numel elements of dt from r, converting them to float32
// in chunks; the slice grows with the data actually read, so a size field
// that lies cannot make it allocate more than the file holds.
func decodeInto(r io.Reader, dt *dtype, numel, capHint int64) ([]float32, error) {
	vals := make([]float32, 0, min(numel, max(capHint, 0)))
	buf := make([]byte, 64<<10)
	per := int64(len(buf) / dt.size)
	for done := int64(0); done < numel; {
		k := min(per, numel-done)
		b := buf[:k*int64(dt.size)]
		if _, err := io.ReadFull(r, b); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("truncated after %d of %d elements", done, numel)
			}
			return nil, err
		}
		for i := 0; i < len(b); i += dt.size {
			vals = append(vals, dt.decode(b[i:i+dt.size]))
		}
		done += k
	}
	return vals, nil
}
