package models

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"convscope/engine"
	"convscope/models/modelfile"
)

// A float32 twin (ConvertFloat32, `convscope import -float32`) is a model
// file with the same graph as an int8 model and its weights as they were
// before quantization. It is what the "what int8 costs" lesson compares the
// int8 model with. Twins are never catalog entries: in a models folder they
// live in the TwinDir subfolder, which Catalog does not read.

// TwinDir is the subfolder of a models folder that holds float32 twins,
// TwinDir/NAME.csm for the model NAME.csm.
const TwinDir = "float32"

// TwinPath is where the float32 twin of the model called name is stored in
// dir (what `import -float32` writes).
func TwinPath(dir, name string) string { return filepath.Join(dir, TwinDir, name+Ext) }

// ErrNotTwin wraps every reason CheckTwin refuses a twin.
var ErrNotTwin = errors.New("not the float32 twin")

// CheckTwin reports whether twin is the float32 twin of q: its metadata
// names q (TwinOf), it has q's graph (inputs, outputs, nodes with their
// operators and values, labels and preprocessing), and every constant of q
// is in twin with the same shape, as float32, such that quantizing it the
// way the converter does gives q's int8 values and scales bit for bit (a
// float32 constant of q, a bias, must be equal bit for bit). A twin that
// passes holds exactly the weights q was quantized from, so any difference
// between the two models' outputs is the cost of int8.
func CheckTwin(q, twin *Model) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w of %s: %s", ErrNotTwin, q.Meta.Name, fmt.Sprintf(format, args...))
	}
	if twin.Meta.TwinOf == "" {
		return bad("the file %s is a model, not a float32 twin", twin.Meta.Name)
	}
	if twin.Meta.TwinOf != q.Meta.Name {
		return bad("the file is the float32 twin of %s", twin.Meta.TwinOf)
	}
	if q.Meta.TwinOf != "" {
		return bad("the model itself is a float32 twin (of %s)", q.Meta.TwinOf)
	}
	if !slices.Equal(q.Meta.Labels, twin.Meta.Labels) {
		return bad("other labels")
	}
	qp, tp := q.Meta.Preprocess, twin.Meta.Preprocess
	if qp != tp {
		return bad("other preprocessing (%+v, the model's is %+v)", tp, qp)
	}
	qg, tg := q.Graph(), twin.Graph()
	if !slices.Equal(qg.Outputs, tg.Outputs) {
		return bad("outputs %v, the model's are %v", tg.Outputs, qg.Outputs)
	}
	if !slices.EqualFunc(qg.Inputs, tg.Inputs, func(a, b engine.ValueInfo) bool {
		return a.Name == b.Name && slices.Equal(a.Shape, b.Shape)
	}) {
		return bad("other inputs")
	}
	if len(qg.Nodes) != len(tg.Nodes) {
		return bad("%d nodes, the model has %d", len(tg.Nodes), len(qg.Nodes))
	}
	for i, a := range qg.Nodes {
		b := tg.Nodes[i]
		if a.Name != b.Name || a.Op != b.Op || !slices.Equal(a.Inputs, b.Inputs) || !slices.Equal(a.Outputs, b.Outputs) {
			return bad("node %d is %s (%v), the model's is %s (%v)", i, b.Name, b.Op, a.Name, a.Op)
		}
	}
	if len(qg.Consts) != len(tg.Consts) {
		return bad("%d constants, the model has %d", len(tg.Consts), len(qg.Consts))
	}
	names := make([]string, 0, len(qg.Consts))
	for name := range qg.Consts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := checkTwinConst(name, qg.Consts[name], tg.Consts[name]); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// checkTwinConst compares one constant of the int8 model with its twin.
func checkTwinConst(name string, a, b *engine.Tensor) error {
	if b == nil {
		return fmt.Errorf("no constant %q", name)
	}
	if !slices.Equal(a.Shape, b.Shape) {
		return fmt.Errorf("constant %q has shape %v, the model's %v", name, b.Shape, a.Shape)
	}
	if b.Int8 != nil {
		return fmt.Errorf("constant %q is int8 in the twin", name)
	}
	if a.Int8 == nil {
		for i, v := range a.Data {
			if math.Float32bits(v) != math.Float32bits(b.Data[i]) {
				return fmt.Errorf("constant %q differs at %d: %v, the model's %v", name, i, b.Data[i], v)
			}
		}
		return nil
	}
	st, err := modelfile.QuantizeInt8(name, b, a.Int8.Axis)
	if err != nil {
		return err
	}
	for c, s := range st.Scales {
		if math.Float32bits(s) != math.Float32bits(a.Int8.Scales[c]) {
			return fmt.Errorf("weight %q quantizes to scale %v for channel %d, the model has %v: other weights", name, s, c, a.Int8.Scales[c])
		}
	}
	diff := 0
	first := -1
	for i, v := range st.Q {
		if v != a.Int8.Q[i] {
			if first < 0 {
				first = i
			}
			diff++
		}
	}
	if diff > 0 {
		return fmt.Errorf("weight %q quantizes to other int8 values at %d of %d places (first at %d: %d, the model has %d): other weights", name, diff, len(st.Q), first, st.Q[first], a.Int8.Q[first])
	}
	return nil
}

// errTwinFile is metaInfo's answer for a float32 twin: Catalog skips it.
var errTwinFile = errors.New("a float32 twin")

// TwinInfo describes the float32 twin of the model name stored in dir
// (TwinPath): Name, Bytes, SHA256 (cached like a model's) and Path. A
// missing file is an error satisfying errors.Is(err, fs.ErrNotExist); a
// file that is not a twin of name is ErrNotTwin.
func TwinInfo(dir, name string) (Info, error) {
	path := TwinPath(dir, name)
	st, err := os.Stat(path)
	if err != nil {
		return Info{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	m, _, err := modelfile.ReadMeta(f)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	if m.TwinOf != name {
		return Info{}, fmt.Errorf("%s: %w of %s (its metadata says twin of %q)", path, ErrNotTwin, name, m.TwinOf)
	}
	sum, err := fileSum(path, st)
	if err != nil {
		return Info{}, err
	}
	return Info{Name: name, Arch: m.Arch, Dataset: m.Dataset, Params: m.Params, MACs: m.MACs,
		Bytes: st.Size(), SHA256: sum, Available: true, Path: path}, nil
}
