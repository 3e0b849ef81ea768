package models

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convscope/engine"
	"convscope/models/modelfile"
)

// tinyPair converts one random state_dict of tinynet twice: the int8
// model and its float32 twin, both encoded and loaded.
func tinyPair(t *testing.T, name string, seed uint64) (q, twin *Model, qb, tb []byte) {
	t.Helper()
	d := mustArch(t, "tinynet", Config{})
	meta := testMeta(d)
	meta.Name = name
	sd := d.RandomStateDict(seed)
	load := func(f *modelfile.File, err error) (*Model, []byte) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := modelfile.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := LoadBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		return m, b
	}
	q, qb = load(Convert(d, sd, meta))
	twin, tb = load(ConvertFloat32(d, sd, meta))
	return q, twin, qb, tb
}

// TestConvertFloat32: the twin keeps every weight float32 (the int8
// model's conv and fc weights are int8), names its model, is about four
// times the int8 file, and passes CheckTwin; its logits differ from the
// int8 model's only by the rounding of the weights.
func TestConvertFloat32(t *testing.T) {
	q, twin, qb, tb := tinyPair(t, "tiny", 5)
	if twin.Meta.TwinOf != "tiny" || q.Meta.TwinOf != "" {
		t.Fatalf("twin_of: twin %q, model %q", twin.Meta.TwinOf, q.Meta.TwinOf)
	}
	int8s := 0
	for name, c := range q.Graph().Consts {
		if c.Int8 != nil {
			int8s++
			if twin.Graph().Consts[name].Int8 != nil {
				t.Errorf("%s is int8 in the twin", name)
			}
		}
	}
	if int8s == 0 {
		t.Fatal("the int8 model has no int8 weights")
	}
	if len(tb) < 3*len(qb)/2 {
		t.Errorf("twin %d bytes, int8 file %d: the twin's weights are not float32", len(tb), len(qb))
	}
	if err := CheckTwin(q, twin); err != nil {
		t.Fatal(err)
	}
	x, err := engine.NewTensor(q.Meta.Inputs[0].Shape...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Data {
		x.Data[i] = float32(i%7) - 3
	}
	run := func(m *Model) []float32 {
		p, err := m.defaultProgram()
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Run(map[string]*engine.Tensor{m.Graph().Inputs[0].Name: x})
		if err != nil {
			t.Fatal(err)
		}
		return res.Outputs[m.Graph().Outputs[0]].Data
	}
	a, b := run(q), run(twin)
	same := true
	for i := range a {
		if a[i] != b[i] {
			same = false
		}
	}
	if same {
		t.Error("int8 and float32 logits are bit-identical: the twin is not float32")
	}
}

// TestCheckTwinRefuses: each way a file can fail to be the twin is an
// ErrNotTwin that says why.
func TestCheckTwinRefuses(t *testing.T) {
	q, twin, _, _ := tinyPair(t, "tiny", 5)
	_, other, _, _ := tinyPair(t, "tiny", 6)
	_, renamed, _, _ := tinyPair(t, "tinier", 5)
	q2, _, _, _ := tinyPair(t, "tiny", 5)

	// One weight moved by one quantization step: other weights.
	nudged, _, _, _ := tinyPair(t, "tiny", 5)
	_, nudgedTwin, _, _ := tinyPair(t, "tiny", 5)
	var wname string
	for name, c := range nudged.Graph().Consts {
		if c.Int8 != nil && (wname == "" || name < wname) {
			wname = name
		}
	}
	w := nudgedTwin.Graph().Consts[wname]
	w.Data[len(w.Data)/2] += 0.75 * nudged.Graph().Consts[wname].Int8.Scales[0] * 2
	cases := []struct {
		name string
		q, t *Model
		want string
	}{
		{"other weights", q, other, "differs"},
		{"other model", q, renamed, "float32 twin of tinier"},
		{"a model, not a twin", q, q2, "not a float32 twin"},
		{"a twin as the model", twin, twin, "itself is a float32 twin"},
		{"one weight changed", nudged, nudgedTwin, wname},
	}
	for _, c := range cases {
		err := CheckTwin(c.q, c.t)
		if !errors.Is(err, ErrNotTwin) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrNotTwin mentioning %q", c.name, err, c.want)
		}
	}
}

// TestTwinNotInCatalog: a twin stored in TwinDir is found by TwinInfo and
// is not a model of the catalog; one copied among the models is skipped
// too (it is a reference, not a model to pick).
func TestTwinNotInCatalog(t *testing.T) {
	dir := t.TempDir()
	_, _, qb, tb := tinyPair(t, "tiny", 5)
	if err := modelfile.WriteBytes(PathFor(dir, "tiny"), qb); err != nil {
		t.Fatal(err)
	}
	if _, err := TwinInfo(dir, "tiny"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no twin yet: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, TwinDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := modelfile.WriteBytes(TwinPath(dir, "tiny"), tb); err != nil {
		t.Fatal(err)
	}
	if err := modelfile.WriteBytes(PathFor(dir, "tiny.f32"), tb); err != nil {
		t.Fatal(err)
	}
	info, err := TwinInfo(dir, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if info.Bytes != int64(len(tb)) || len(info.SHA256) != 64 || info.Path != TwinPath(dir, "tiny") {
		t.Errorf("twin info %+v", info)
	}
	// The twin of "tiny" is not the twin of another name.
	if err := modelfile.WriteBytes(TwinPath(dir, "other"), tb); err != nil {
		t.Fatal(err)
	}
	if _, err := TwinInfo(dir, "other"); !errors.Is(err, ErrNotTwin) {
		t.Errorf("a twin of tiny stored as other's: %v", err)
	}
	list, err := Catalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if strings.HasPrefix(m.Name, "tiny.") || m.Name == "float32" || m.Name == "other" {
			t.Errorf("catalog lists %q", m.Name)
		}
	}
}
