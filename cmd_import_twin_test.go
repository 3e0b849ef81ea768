package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"convscope/engine"
	"convscope/engine/onnx"
	"convscope/models"
	"convscope/models/modelfile"
)

// TestImportFloat32: -float32 writes the twin into the models folder's
// float32/ subfolder, checked against the int8 model of the same name
// (its weights quantize to that model's bytes exactly); the catalog still
// lists one model; a second twin and a twin of other weights are refused
// with a reason.
func TestImportFloat32(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := importCmd(append([]string{"-models", dir}, args...), &out)
		return out.String(), err
	}
	// Without the int8 model the twin is stored unchecked, and says so.
	out, err := run("-float32", "-name", "lone", "-arch", "tinynet", tinynetZip)
	if err != nil || !strings.Contains(out, "stored unchecked") {
		t.Fatalf("twin without a model: %v, %q", err, out)
	}
	if _, err := run("-name", "tiny", "-arch", "tinynet", tinynetZip); err != nil {
		t.Fatal(err)
	}
	out, err = run("-float32", "-name", "tiny", "-arch", "tinynet", tinynetZip)
	if err != nil {
		t.Fatal(err)
	}
	checkStoredTwin(t, dir, "tiny", out)
	assertModelsDir(t, dir, "float32", "tiny.csm")
	list, err := models.Catalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Name == "lone" || m.Name == "float32" {
			t.Errorf("the catalog lists %q", m.Name)
		}
	}

	if _, err := run("-float32", "-name", "tiny", "-arch", "tinynet", tinynetZip); err == nil || !strings.Contains(err.Error(), "already has a float32 twin") {
		t.Errorf("second twin: %v", err)
	}
	// A model "other" of random weights: the fixture's twin is not its.
	if err := modelfile.WriteBytes(models.PathFor(dir, "other"), tinyModelBytes(t, "other", 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := run("-float32", "-name", "other", "-arch", "tinynet", tinynetZip); !errors.Is(err, models.ErrNotTwin) {
		t.Errorf("twin of other weights: %v", err)
	} else {
		t.Logf("refused: %v", err)
	}
	if _, err := os.Stat(models.TwinPath(dir, "other")); err == nil {
		t.Error("the refused twin was stored")
	}
}

// checkStoredTwin checks that import's output out says the twin of name
// was checked, and that the stored twin is the int8 model's (CheckTwin).
func checkStoredTwin(t *testing.T, dir, name, out string) *models.Model {
	t.Helper()
	if !strings.Contains(out, "quantize to the int8 bytes of "+models.PathFor(dir, name)+" exactly") {
		t.Errorf("output %q does not say the twin was checked", out)
	}
	q, err := models.Load(models.PathFor(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	twin, err := models.Load(models.TwinPath(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := models.CheckTwin(q, twin); err != nil {
		t.Fatal(err)
	}
	return twin
}

// TestImportFloat32ONNX: -float32 on an ONNX file writes the twin of the
// model imported from the same file, checked the same way; the twin of an
// ONNX file with one weight changed is refused and not stored.
func TestImportFloat32ONNX(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := importCmd(append([]string{"-models", dir, "-dataset", "cifar10"}, args...), &out)
		return out.String(), err
	}
	if _, err := run("-name", "small", smallONNX); err != nil {
		t.Fatal(err)
	}
	out, err := run("-float32", "-name", "small", smallONNX)
	if err != nil {
		t.Fatal(err)
	}
	twin := checkStoredTwin(t, dir, "small", out)
	if twin.Meta.TwinOf != "small" || twin.Meta.Arch != "onnx" {
		t.Errorf("twin of %q, arch %q", twin.Meta.TwinOf, twin.Meta.Arch)
	}

	// The same graph with one conv weight changed, checked against small's
	// int8 model under the name "other": not its twin.
	data, err := os.ReadFile(smallONNX)
	if err != nil {
		t.Fatal(err)
	}
	om, err := onnx.ReadModel(data)
	if err != nil {
		t.Fatal(err)
	}
	g, err := om.ToGraph()
	if err != nil {
		t.Fatal(err)
	}
	changed := ""
	for _, n := range g.Nodes {
		if n.Op == engine.OpConv {
			w := g.Consts[n.Inputs[1]]
			w.Data[0] += 0.5 * (1 + w.Data[0])
			changed = n.Inputs[1]
			break
		}
	}
	b, err := onnx.MarshalModel(g)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.onnx")
	if err := os.WriteFile(other, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run("-name", "other", smallONNX); err != nil {
		t.Fatal(err)
	}
	if _, err := run("-float32", "-name", "other", other); !errors.Is(err, models.ErrNotTwin) || !strings.Contains(err.Error(), changed) {
		t.Errorf("twin of other weights (%s changed): %v", changed, err)
	} else {
		t.Logf("refused: %v", err)
	}
	if _, err := os.Stat(models.TwinPath(dir, "other")); err == nil {
		t.Error("the refused twin was stored")
	}
}
