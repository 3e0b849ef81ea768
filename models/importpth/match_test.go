package importpth

import (
	"strings"
	"testing"

	"convscope/engine"
	"convscope/models"
)

func TestMatch(t *testing.T) {
	def, err := models.Arch("tinynet")
	if err != nil {
		t.Fatal(err)
	}
	full := def.RandomStateDict(1)
	full["bn1.num_batches_tracked"] = &engine.Tensor{Shape: []int{}, Data: []float32{3}}
	full["aux1.fc.weight"] = &engine.Tensor{Shape: []int{2}, Data: []float32{1, 2}}
	got, err := Match(def, full)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(def.Params()) {
		t.Errorf("%d entries, want %d", len(got), len(def.Params()))
	}

	bad := def.RandomStateDict(1)
	delete(bad, "fc.bias")
	bad["conv1.weight"] = &engine.Tensor{Shape: []int{8, 3, 5, 5}, Data: make([]float32, 8*3*5*5)}
	bad["classifier.9.weight"] = &engine.Tensor{Shape: []int{1}, Data: []float32{0}}
	_, err = Match(def, bad)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"does not match tinynet",
		"conv1.weight has shape (8, 3, 5, 5), tinynet needs (8, 3, 3, 3)",
		"1 missing entries:\n    fc.bias",
		"1 unexpected entries:\n    classifier.9.weight",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
