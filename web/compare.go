package web

import (
	"fmt"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// Compare is lesson 12: the user's image through every available model, side
// by side, top-5 and time each. It loads each model in turn in the worker
// (Host.Load, as a click on Use does) and classifies the image the worker
// already holds again (Host.Classify(nil, ...)); at the end, or when
// cancelled, the user's model is loaded back and the image runs on it again,
// so the result, the layers and the maps are the user's again.
type Compare struct {
	Root *Root

	Scope   string // "dataset": models of the chosen model's dataset; "all": every available one
	Running bool
	Done    int // models finished in this comparison
	Total   int
	Current string // the model being loaded or run
	StepTxt string
	Results []CompareResult
	Note    string

	cancelled bool
	gen       int
}

// CompareResult is one model's column.
type CompareResult struct {
	Model   string
	Dataset string
	Result  *protocol.Result
	Err     string
}

// CompareModels lists the models a comparison runs, in the table's order:
// available ones of the dataset (or all available ones).
func CompareModels(list []ModelEntry, dataset string, all bool) []ModelEntry {
	var out []ModelEntry
	for _, m := range list {
		if m.Available && m.URL != "" && (all || m.Dataset == dataset) {
			out = append(out, m)
		}
	}
	return out
}

// Models are the models the next comparison runs.
func (c *Compare) Models() []ModelEntry {
	return CompareModels(c.Root.Models, datasetOf(c.Root), c.Scope == "all")
}

// CanStart reports whether a comparison can start: an image is there and
// the page is idle.
func (c *Compare) CanStart() bool {
	r := c.Root
	return !c.Running && r.HasImage && !r.Busy() && !r.Reading && len(c.Models()) > 0
}

// StartText explains the Compare button, or why it waits.
func (c *Compare) StartText() string {
	r := c.Root
	switch {
	case c.Running:
		return ""
	case !r.HasImage:
		return "Classify an image first: the comparison runs that image."
	case len(c.Models()) == 0:
		return "No model is available to compare."
	}
	n, size := 0, int64(0)
	for _, m := range c.Models() {
		n++
		size += m.Bytes
	}
	return fmt.Sprintf("Runs %s through %d models (%s to load; downloads are kept for next time).", r.ImageName, n, Bytes(size))
}

// SetScope is the change of the model-set control.
func (c *Compare) SetScope(event vugu.DOMEvent) {
	switch v := event.PropString("target", "value"); v {
	case "dataset", "all":
		c.Scope = v
	}
}

// ScopeLabel names the dataset choice.
func (c *Compare) ScopeLabel() string {
	return "available " + DatasetTitle(datasetOf(c.Root)) + " models"
}

// Start is the click on "Compare".
func (c *Compare) Start(event vugu.DOMEvent) {
	if !c.CanStart() {
		return
	}
	ee := event.EventEnv()
	root := c.Root
	list := c.Models()
	c.gen++
	gen := c.gen
	c.Running, c.cancelled, c.Done, c.Total, c.Results, c.Note = true, false, 0, len(list), nil, ""
	user, userLoadGen, image := root.Selected, root.loadGen, root.ImageName
	var userEntry ModelEntry
	for _, m := range root.Models {
		if m.Name == user {
			userEntry = m
		}
	}
	loaded := root.Current // the model the worker holds
	go func() {
		for _, m := range list {
			ee.Lock()
			stop := c.cancelled || gen != c.gen
			c.Current, c.StepTxt = m.Name, "Loading "+m.Name+"..."
			ee.UnlockRender()
			if stop {
				break
			}
			res, err := c.runOne(ee, m, &loaded)
			ee.Lock()
			out := CompareResult{Model: m.Name, Dataset: m.Dataset, Result: res}
			if err != nil {
				out.Err = err.Error()
				if isCancelled(err) {
					c.cancelled = true
				}
			} else {
				root.Lab.Record(res)
			}
			if !c.cancelled {
				c.Results = append(c.Results, out)
				c.Done++
			}
			ee.UnlockRender()
		}
		// Back to the user's model, unless the user chose another one
		// meanwhile (then that load is the page's, in flight or done).
		ee.Lock()
		c.StepTxt = "Loading " + user + " back..."
		restore := root.loadGen == userLoadGen && user != "" && userEntry.URL != ""
		ee.UnlockRender()
		var rerr error
		if restore && loaded != user {
			_, rerr = root.Host.Load(userEntry, func(int64, int64) {})
		}
		ee.Lock()
		defer ee.UnlockRender()
		c.Running, c.Current, c.StepTxt = false, "", ""
		switch {
		case rerr != nil:
			root.Alert = fmt.Sprintf("Could not load %s back after the comparison: %v", user, rerr)
		case restore:
			if root.HasImage {
				root.classify(ee, nil) // the result and the maps become the user's model's again
			}
		}
		if c.cancelled {
			c.Note = fmt.Sprintf("Cancelled after %d of %d models.", c.Done, c.Total)
		} else {
			c.Note = fmt.Sprintf("%s through %d models.", image, c.Done)
		}
	}()
}

// runOne loads m (unless the worker holds it) and classifies the worker's
// image again, showing progress in the panel.
func (c *Compare) runOne(ee vugu.EventEnv, m ModelEntry, loaded *string) (*protocol.Result, error) {
	root := c.Root
	if *loaded != m.Name {
		if _, err := root.Host.Load(m, func(done, total int64) {
			ee.Lock()
			defer ee.UnlockOnly()
			c.StepTxt = fmt.Sprintf("Loading %s: %s of %s", m.Name, Bytes(done), Bytes(total))
			root.Host.ShowProgress("compare", c.ProgressText(), float64(c.Done), float64(c.Total))
		}); err != nil {
			*loaded = "" // the worker keeps its model, but do not rely on it
			return nil, err
		}
		*loaded = m.Name
	}
	ee.Lock()
	cancelled := c.cancelled
	ee.UnlockOnly()
	if cancelled {
		return nil, &Error{Code: protocol.CodeCancelled, Message: "cancelled"}
	}
	return root.Host.Classify(nil, func(s protocol.LayerDone) {
		ee.Lock()
		defer ee.UnlockOnly()
		c.StepTxt = fmt.Sprintf("%s: layer %d of %d", m.Name, s.Index+1, s.Total)
		root.Host.ShowProgress("compare", c.ProgressText(), float64(c.Done)+float64(s.Index+1)/float64(max(s.Total, 1)), float64(c.Total))
	})
}

// Cancel is the click on the panel's Cancel: it stops the load or run in
// flight; the user's model is then loaded back.
func (c *Compare) Cancel(event vugu.DOMEvent) {
	if !c.Running {
		return
	}
	c.cancelled = true
	c.Root.Host.CancelLoad()
	c.Root.Host.Cancel()
}

// ProgressText is the progress bar's label.
func (c *Compare) ProgressText() string {
	return fmt.Sprintf("Model %d of %d. %s", min(c.Done+1, c.Total), c.Total, c.StepTxt)
}

// Top1 is a column's first class (for the tests and the summary row).
func (r CompareResult) Top1() protocol.Prediction {
	if r.Result == nil || len(r.Result.Top) == 0 {
		return protocol.Prediction{Index: -1}
	}
	return r.Result.Top[0]
}

// Time is a column's inference time.
func (r CompareResult) Time() string {
	if r.Result == nil {
		return ""
	}
	return fmt.Sprintf("%s (total %s)", Millis(r.Result.RunMs), Millis(r.Result.Ms))
}

// RunMs is a column's inference time as a number (for the tests).
func (c *Compare) RunMs(r CompareResult) float64 {
	if r.Result == nil {
		return 0
	}
	return r.Result.RunMs
}

// LabelID names a class label of a column, which its bar uses as its label.
func (c *Compare) LabelID(r CompareResult, i int) string {
	return fmt.Sprintf("compare-%s-%d", r.Model, i)
}
