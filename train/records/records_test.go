package records

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"convscope/models"
	"convscope/models/builtin"
)

// TestRunsEmbedded: there is a record for every built-in model, and each
// describes the network the definition builds (same params and MACs).
func TestRunsEmbedded(t *testing.T) {
	runs, err := Runs()
	if err != nil {
		t.Fatal(err)
	}
	var nets []string
	for _, r := range runs {
		nets = append(nets, r.Net)
		d, err := models.Arch(r.Net)
		if err != nil {
			t.Errorf("%s: %v", r.Net, err)
			continue
		}
		if r.Params != d.ParamCount() || r.MACs != d.MACs() {
			t.Errorf("%s: record says %d params %d MACs, the definition %d and %d", r.Net, r.Params, r.MACs, d.ParamCount(), d.MACs())
		}
		if !strings.Contains(r.Command, "train.py") || !strings.Contains(r.Command, r.Net) {
			t.Errorf("%s: command %q", r.Net, r.Command)
		}
		last := r.Epochs[len(r.Epochs)-1]
		t.Logf("%-16s %d epochs, %d steps, last test accuracy %.2f%%", r.Net, len(r.Epochs), last.Steps, last.TestAcc)
	}
	if want := builtin.Names(); !slices.Equal(nets, want) {
		t.Errorf("records for %v, built-in models %v", nets, want)
	}
}

func TestParseRejects(t *testing.T) {
	good := `{"net":"m","command":"python3 train.py --net m","params":10,"macs":20,"epochs":[` +
		`{"epoch":1,"steps":390,"train_loss":1.9,"train_acc":30,"test_acc":35,"seconds":60},` +
		`{"epoch":2,"steps":780,"train_loss":1.5,"train_acc":45,"test_acc":50,"seconds":61}]}`
	runs, err := parse(fstest.MapFS{"m.json": {Data: []byte(good)}, "notes.txt": {Data: []byte("x")}})
	if err != nil || len(runs) != 1 || len(runs[0].Epochs) != 2 || runs[0].Epochs[1].TestAcc != 50 {
		t.Fatalf("good record: %+v, %v", runs, err)
	}
	for _, c := range []struct{ name, file, body, want string }{
		{"other net", "n.json", good, `file name says "n"`},
		{"not json", "m.json", `{"net":`, "m.json"},
		{"no epochs", "m.json", `{"net":"m","params":10,"macs":20,"epochs":[]}`, "no epochs"},
		{"no params", "m.json", strings.Replace(good, `"params":10`, `"params":0`, 1), "positive"},
		{"epoch order", "m.json", strings.Replace(good, `"epoch":2`, `"epoch":3`, 1), "numbered 3"},
		{"steps back", "m.json", strings.Replace(good, `"steps":780`, `"steps":300`, 1), "not more"},
		{"accuracy", "m.json", strings.Replace(good, `"test_acc":50`, `"test_acc":150`, 1), "percentage"},
		{"seconds", "m.json", strings.Replace(good, `"seconds":61`, `"seconds":0`, 1), "out of range"},
	} {
		_, err := parse(fstest.MapFS{c.file: {Data: []byte(c.body)}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
