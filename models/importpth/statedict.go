package importpth

import (
	"fmt"
	"strings"

	"convscope/engine"

	"github.com/nlpodyssey/gopickle/types"
)

// wrapperKeys are the keys under which training scripts commonly nest the
// state_dict in a checkpoint dictionary.
var wrapperKeys = []string{"state_dict", "model_state_dict", "model", "net"}

// stateDict turns the unpickled top-level object into name -> tensor.
func stateDict(obj any) (map[string]*engine.Tensor, error) {
	entries, err := tensorEntries(obj)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*engine.Tensor, len(entries))
	for _, e := range entries {
		ref, ok := e.value.(*tensorRef)
		if !ok {
			return nil, fmt.Errorf("%s: a %s, not a tensor", e.key, typeName(e.value))
		}
		name := strings.TrimPrefix(e.key, "module.")
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s: appears twice", name)
		}
		t, err := ref.dense()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.key, err)
		}
		out[name] = t
	}
	return out, nil
}

// tensorEntries finds the state_dict in a checkpoint: the top-level
// dictionary if it holds tensors, else one nested under a wrapper key.
func tensorEntries(obj any) ([]entry, error) {
	entries, ok := dictEntries(obj)
	if !ok {
		return nil, fmt.Errorf("the checkpoint holds a %s, not a state_dict (a dictionary of tensors); whole pickled models are not supported", typeName(obj))
	}
	if hasTensor(entries) {
		return entries, nil
	}
	for _, w := range wrapperKeys {
		for _, e := range entries {
			if e.key != w {
				continue
			}
			if inner, ok := dictEntries(e.value); ok && hasTensor(inner) {
				return inner, nil
			}
		}
	}
	return nil, fmt.Errorf("the checkpoint holds no tensors at its top level nor under %q", wrapperKeys)
}

type entry struct {
	key   string
	value any
}

// dictEntries lists a pickled dict or OrderedDict with string keys.
func dictEntries(obj any) ([]entry, bool) {
	var out []entry
	switch d := obj.(type) {
	case *types.OrderedDict:
		for el := d.List.Front(); el != nil; el = el.Next() {
			e := el.Value.(*types.OrderedDictEntry)
			k, ok := e.Key.(string)
			if !ok {
				return nil, false
			}
			out = append(out, entry{k, e.Value})
		}
	case *types.Dict:
		for _, e := range *d {
			k, ok := e.Key.(string)
			if !ok {
				return nil, false
			}
			out = append(out, entry{k, e.Value})
		}
	default:
		return nil, false
	}
	return out, true
}

func hasTensor(es []entry) bool {
	for _, e := range es {
		if _, ok := e.value.(*tensorRef); ok {
			return true
		}
	}
	return false
}

func typeName(v any) string {
	switch v := v.(type) {
	case *types.GenericObject:
		return v.Class.Module + "." + v.Class.Name
	case nil:
		return "None"
	}
	return fmt.Sprintf("%T", v)
}

// dense copies the view into a row-major float32 tensor, checking that
// every element it addresses lies inside its storage.
func (t *tensorRef) dense() (*engine.Tensor, error) {
	vals, err := t.st.data()
	if err != nil {
		return nil, err
	}
	// Only stride-0 (broadcast) views address more elements than their
	// storage holds; allow a little of that, never an unbounded allocation.
	limit := int64(len(vals)) + 1<<20
	past := fmt.Errorf("shape %v, strides %v and offset %d run past its storage of %d elements", t.size, t.stride, t.offset, len(vals))
	numel := int64(1)
	last := t.offset // highest storage index the view touches
	if last >= int64(len(vals)) {
		return nil, past
	}
	for i, n := range t.size {
		if n == 0 {
			return nil, fmt.Errorf("empty tensor (shape %v)", t.size)
		}
		if n > limit/numel {
			return nil, fmt.Errorf("shape %v is larger than its storage of %d elements", t.size, len(vals))
		}
		numel *= n
		if st := t.stride[i]; st > 0 && n > 1 {
			if n-1 > (int64(len(vals))-1-last)/st {
				return nil, past
			}
			last += (n - 1) * st
		}
	}
	if numel > engine.MaxElements {
		return nil, fmt.Errorf("shape %v: %w", t.size, engine.ErrTooLarge)
	}
	shape := make([]int, len(t.size))
	for i, n := range t.size {
		shape[i] = int(n)
	}
	out := &engine.Tensor{Shape: shape, Data: make([]float32, numel)}
	if contiguous(t.size, t.stride) {
		copy(out.Data, vals[t.offset:t.offset+numel])
		return out, nil
	}
	// General strided copy: idx walks the output in row-major order.
	idx := make([]int64, len(t.size))
	src := t.offset
	for o := range out.Data {
		out.Data[o] = vals[src]
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			src += t.stride[d]
			if idx[d] < t.size[d] {
				break
			}
			src -= idx[d] * t.stride[d]
			idx[d] = 0
		}
	}
	return out, nil
}

// contiguous reports whether strides are row-major for size (dimensions of
// size 1 may carry any stride).
func contiguous(size, stride []int64) bool {
	want := int64(1)
	for d := len(size) - 1; d >= 0; d-- {
		if size[d] != 1 && stride[d] != want {
			return false
		}
		want *= size[d]
	}
	return true
}
