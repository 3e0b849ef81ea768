package main

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"convscope/web"
)

// TestCompareTable checks the comparison table against api/models: one row
// per model with the server's computed depth and parameter counts, sorting
// by a column (aria-sort, row order), the time measured in this browser for
// the model that ran, and the accuracy vs cost scatter plot per dataset.
func TestCompareTable(t *testing.T) {
	s := startLessonSite(t)
	a := s.open(t, "/")
	a.idle()
	a.pickSample("cat")

	type row struct {
		Name  string
		Cells map[string]string
	}
	rows := func() []row {
		var out []row
		a.jsonEval(`JSON.stringify([...document.querySelectorAll("#compare-table tbody tr")].map(tr => ({
			name: tr.dataset.model,
			cells: Object.fromEntries([...tr.querySelectorAll("td")].map(td => [[...td.classList].find(c => c.startsWith("col-")).slice(4), td.textContent]))})))`, &out)
		return out
	}
	got := rows()
	if len(got) != len(s.list) {
		t.Fatalf("the table has %d rows, api/models %d models", len(got), len(s.list))
	}
	byName := map[string]row{}
	for _, r := range got {
		byName[r.Name] = r
	}
	depthKnown := 0
	for _, m := range s.list {
		r, ok := byName[m.Name]
		if !ok {
			t.Errorf("%s is missing from the table", m.Name)
			continue
		}
		want := map[string]string{
			"params": web.Count(m.Params), "macs": web.Count(m.MACs), "top1": web.Accuracy(m.Top1),
			"top5": web.Accuracy(m.Top5), "bytes": web.Bytes(m.Bytes), "depth": "-",
		}
		if m.Depth > 0 {
			want["depth"] = strconv.Itoa(m.Depth)
			depthKnown++
		}
		for k, v := range want {
			if r.Cells[k] != v {
				t.Errorf("%s: %s cell %q, want %q (api/models)", m.Name, k, r.Cells[k], v)
			}
		}
		if m.Params <= 0 || m.MACs <= 0 {
			t.Errorf("%s: api/models gives params %d, MACs %d: not computed", m.Name, m.Params, m.MACs)
		}
	}
	t.Logf("%d models, %d with a computed depth", len(s.list), depthKnown)
	if depthKnown != len(s.list) {
		t.Errorf("api/models has a depth for %d of %d models", depthKnown, len(s.list))
	}
	// The model that ran has a time measured here; the others do not.
	var selected string
	a.eval(`document.querySelector("#layers-title").textContent.replace("Layers of ", "")`, &selected)
	if c := byName[selected].Cells["ms"]; !strings.HasSuffix(c, " ms") {
		t.Errorf("%s ran, but its time here is %q", selected, c)
	}
	for _, r := range got {
		if r.Name != selected && r.Cells["ms"] != "not run yet" {
			t.Errorf("%s never ran, but its time here is %q", r.Name, r.Cells["ms"])
		}
	}

	// Sorting: by params, largest first, then smallest first; by name.
	sorted := func(key string, desc bool) []string {
		ms := slices.Clone(s.list)
		sort.SliceStable(ms, func(i, j int) bool {
			if key == "name" {
				return ms[i].Name < ms[j].Name
			}
			if desc {
				return ms[i].Params > ms[j].Params
			}
			return ms[i].Params < ms[j].Params
		})
		var out []string
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	for _, step := range []struct {
		key  string
		desc bool
		aria string
	}{{"params", true, "descending"}, {"params", false, "ascending"}, {"name", false, "ascending"}} {
		if err := a.p.Click(`#compare-table th button[data-sort="` + step.key + `"]`); err != nil {
			t.Fatal(err)
		}
		a.wait(fmt.Sprintf(`document.querySelector('#compare-table th:has(button[data-sort=%q])').getAttribute("aria-sort") === %q && "ok"`, step.key, step.aria), 10*time.Second)
		var others string
		a.eval(fmt.Sprintf(`String([...document.querySelectorAll("#compare-table th[aria-sort]")].filter(th => th.getAttribute("aria-sort") !== "none").length)`), &others)
		if others != "1" {
			t.Errorf("%d headers have an aria-sort other than none", len(others))
		}
		var order []string
		for _, r := range rows() {
			order = append(order, r.Name)
		}
		if want := sorted(step.key, step.desc); !slices.Equal(order, want) {
			t.Errorf("sorted by %s %s: %v, want %v", step.key, step.aria, order, want)
		} else {
			t.Logf("sorted by %s %s: %v", step.key, step.aria, order)
		}
	}

	// The scatter plot: one point per model of the dataset with an accuracy
	// and a cost, CIFAR-10 and ImageNet separately.
	for _, ds := range []string{"imagenet", "cifar10"} {
		a.choose("#scatter-dataset", ds)
		want := 0
		var names []string
		for _, m := range s.list {
			if m.Dataset == ds && m.Top1 > 0 && m.MACs > 0 {
				want++
				names = append(names, m.Name)
			}
		}
		a.wait(fmt.Sprintf(`document.querySelector("#scatter")?.dataset.points === "%d" && document.querySelector("#scatter svg") && "ok"`, want), 10*time.Second)
		var svg string
		a.eval(`document.querySelector("#scatter svg").outerHTML`, &svg)
		for _, n := range names {
			if !strings.Contains(svg, n) {
				t.Errorf("%s scatter: %s is not in the plot", ds, n)
			}
		}
		for _, m := range s.list {
			if m.Dataset != ds && !slices.Contains(names, m.Name) && strings.Contains(svg, ">"+m.Name+"<") {
				t.Errorf("%s scatter shows %s, a model of another dataset", ds, m.Name)
			}
		}
		t.Logf("%s scatter: %d points, %d bytes of SVG", ds, want, len(svg))
	}
	a.choose("#scatter-cost", "ms")
	note := a.wait(`document.querySelector("#scatter")?.dataset.points === "1" && document.querySelector("#scatter-note").textContent`, 10*time.Second)
	t.Logf("by time here: %s", note)
	a.eval(`(document.querySelector("#lesson-table").scrollIntoView(), "ok")`, nil)
	shot(t, a.p, "compare-table")
	a.p.CheckNoErrors()
}

// TestCompareModels runs one sample through every built-in model in the
// Compare panel, checks each top-1 against the same model's single-model
// result on the page, then cancels a second comparison and checks that the
// user's model and result come back.
func TestCompareModels(t *testing.T) {
	s := startLessonSite(t)
	builtins := s.builtins()
	if len(builtins) < 2 {
		t.Skipf("%d built-in models: nothing to compare", len(builtins))
	}
	a := s.open(t, "/")
	a.idle()
	const sample = "cat"
	a.pickSample(sample)
	// The single-model path: Use each model (the image runs again on it).
	single := map[string]int{}
	for _, m := range builtins {
		before := a.runs()
		if firstSelected(a) == m.Name {
			before-- // the sample's result is this model's already
		} else {
			a.useModel(m, -1)
		}
		a.wait(fmt.Sprintf(`Number(document.querySelector("#result").dataset.runs) > %d && !document.querySelector("#run") && document.querySelector("#timing").textContent.startsWith(%q) && "ok"`, before, m.Name+" "), 2*time.Minute)
		top := a.top5()
		single[m.Name] = top[0].Index
		t.Logf("single model %s: top-1 %s (%.3f)", m.Name, top[0].Label, top[0].Prob)
	}
	// The user's model is not the last one used nor the first compared.
	user := builtins[1]
	a.useModel(user, -1)
	a.idle()
	var userTiming string
	a.eval(`document.querySelector("#timing").textContent`, &userTiming)

	// Start the comparison and watch its progress.
	if err := a.p.Click("#compare-start"); err != nil {
		t.Fatal(err)
	}
	step := a.wait(`(document.querySelector("#compare-step")?.textContent || "").startsWith("Model ") && document.querySelector("#compare-step").textContent`, time.Minute)
	t.Logf("progress: %s", step)
	a.wait(fmt.Sprintf(`document.querySelector("#compare").dataset.running === "false" && document.querySelector("#compare").dataset.done === "%d" && "ok"`, len(builtins)), 5*time.Minute)
	type card struct {
		Model string
		Top1  int
		Ms    float64
		Rows  int
		Error string
	}
	var cards []card
	a.jsonEval(`JSON.stringify([...document.querySelectorAll("#compare-results .compare-card")].map(c => ({
		model: c.dataset.model, top1: Number(c.dataset.top1), ms: Number(c.dataset.ms),
		rows: c.querySelectorAll("ol.top5 li").length, error: c.querySelector(".error")?.textContent || ""})))`, &cards)
	if len(cards) != len(builtins) {
		t.Fatalf("%d result columns, want %d (one per built-in model): %+v", len(cards), len(builtins), cards)
	}
	for _, c := range cards {
		want, ok := single[c.Model]
		switch {
		case !ok:
			t.Errorf("a column for %s, which is not a built-in model", c.Model)
		case c.Error != "" || c.Rows != 5:
			t.Errorf("%s: %d classes, error %q", c.Model, c.Rows, c.Error)
		case c.Top1 != want:
			t.Errorf("%s: top-1 class %d in Compare, %d on its own", c.Model, c.Top1, want)
		case c.Ms <= 0:
			t.Errorf("%s: time %v", c.Model, c.Ms)
		}
		t.Logf("compare %s: top-1 class %d (alone: %d), %.2f ms", c.Model, c.Top1, want, c.Ms)
	}
	// The user's model is back, with the image run on it again.
	a.wait(fmt.Sprintf(`document.querySelector("#layers-title").textContent === "Layers of %s" && document.querySelector("#timing").textContent.startsWith(%q) && !document.querySelector("#run") && "ok"`, user.Name, user.Name+" "), time.Minute)
	note, _ := a.p.Text("#compare-note")
	t.Logf("after the comparison: %s; the page shows %q (before: %q)", note, a.timing(), userTiming)
	// Every model now has a time measured here in the table.
	for _, m := range builtins {
		c, err := a.p.Text(`#compare-table tr[data-model="` + m.Name + `"] td.col-ms`)
		if err != nil || !strings.HasSuffix(c, " ms") {
			t.Errorf("%s: time here %q after the comparison (%v)", m.Name, c, err)
		}
	}
	a.eval(`(document.querySelector("#compare").scrollIntoView(), "ok")`, nil)
	shot(t, a.p, "compare-results")

	// Cancel a second comparison part way.
	if err := a.p.Click("#compare-start"); err != nil {
		t.Fatal(err)
	}
	a.wait(`(document.querySelector("#compare-step")?.textContent || "").startsWith("Model 2 ") && "ok"`, 2*time.Minute)
	if err := a.p.Click("#compare-cancel"); err != nil {
		t.Fatal(err)
	}
	note = a.wait(`document.querySelector("#compare").dataset.running === "false" && document.querySelector("#compare-note").textContent`, time.Minute)
	t.Logf("cancelled: %s", note)
	if !strings.HasPrefix(note, "Cancelled after ") {
		t.Errorf("note after cancel: %q", note)
	}
	a.wait(fmt.Sprintf(`document.querySelector("#layers-title").textContent === "Layers of %s" && document.querySelector("#timing").textContent.startsWith(%q) && !document.querySelector("#run") && "ok"`, user.Name, user.Name+" "), time.Minute)
	// And the page still classifies with the user's model.
	if top := a.pickSample("ship"); len(top) != 5 || !strings.HasPrefix(a.timing(), user.Name+" ") {
		t.Errorf("after the cancelled comparison: %d classes, %q", len(top), a.timing())
	}
	a.p.CheckNoErrors()
}

func (a appPage) timing() string {
	a.t.Helper()
	var s string
	a.eval(`document.querySelector("#timing")?.textContent || ""`, &s)
	return s
}
