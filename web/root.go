package web

import (
	"fmt"
	"strconv"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// ModelEntry is one model as listed by the server's /api/models (and by the
// static api/models file of an export): the catalog entry plus where to
// download the file.
type ModelEntry struct {
	Name      string  `json:"name"`
	Arch      string  `json:"arch"`
	Dataset   string  `json:"dataset"`
	Params    int64   `json:"params"`
	MACs      int64   `json:"macs"`
	Bytes     int64   `json:"bytes"`
	Top1      float64 `json:"top1"`
	Top5      float64 `json:"top5"`
	Available bool    `json:"available"`
	BuiltIn   bool    `json:"builtin"`
	SHA256    string  `json:"sha256,omitempty"`
	URL       string  `json:"url,omitempty"` // relative to the page; empty when not available

	// Computed by the server from the architecture's definition (so they
	// are known before a download), for the comparison lessons.
	Depth      int    `json:"depth,omitempty"`       // weight layers on the longest path (conv + fc)
	ConvParams int64  `json:"conv_params,omitempty"` // parameters of the conv layers (batch norm folded in)
	FCParams   int64  `json:"fc_params,omitempty"`   // parameters of the fully connected layers
	Published  string `json:"published,omitempty"`   // where Top1/Top5 come from (paper, torchvision, this project's eval)

	// Float32 is the model's float32 twin (same graph, weights before
	// quantization), when the server has one: the int8 lesson's reference.
	Float32 *TwinRef `json:"float32,omitempty"`
}

// Root is the page's root component: the image input, the model picker, the
// result, and the layers with their feature maps. Its state changes only
// while the render lock is held (event handlers hold it; goroutines take it
// with Lock and release it with UnlockRender, which re-renders, or with
// UnlockOnly where a render would only delay the answer: run.go, BusyDelay).
type Root struct {
	Host Host

	// The model list.
	Loading bool
	Err     string
	Models  []ModelEntry

	// The model: Selected is the one chosen (loading or loaded), Current
	// the one the worker has loaded and Info its description.
	Selected  string
	Current   string
	ModelBusy bool  // a Load is in flight
	DLLoaded  int64 // download progress of the Load in flight
	DLTotal   int64
	Info      *protocol.Loaded
	loadGen   int

	// The image and the run.
	ImageName string
	HasImage  bool // the worker holds an image to classify again
	Reading   bool // a file or sample is being read
	Running   bool
	Step      protocol.LayerDone // the last layer the run finished
	Result    *protocol.Result
	ViewURL   string // the model's view of the image, as a data: URL
	Alert     string // the last error, shown with role=alert until the next action
	Notice    string // the last status message (a cancelled run)
	Runs      int    // results shown so far (data-runs on #result, for tests)
	runGen    int
	busyGen   int        // the pick or run whose busy state a timer may render (run.go, BusyDelay)
	previewed *previewed // the run's Preview, shown before its Result (run.go)

	// The layers and the viewer.
	Layer     string // layer whose maps are shown ("" = none)
	Filters   bool   // the viewer shows the first conv's filters
	LayerNote string // what the viewer shows, or why it shows nothing
	Colormap  string
	Norm      string
	Hover     string // the value under the cursor in the viewer
	mapsGen   int

	// The page-level lessons (comparison table, Compare, Classroom:
	// table.go, compare.go, classroom.go) keep what they share here.
	Lab Lab
}

// Init starts loading the model list without blocking the first render,
// then loads the default model: the first built-in one, else the first
// available one.
func (c *Root) Init(ctx vugu.InitCtx) {
	c.Colormap, c.Norm = "viridis", "map"
	if c.Host == nil {
		c.Err = "no model source configured"
		return
	}
	c.Loading = true
	go func(ee vugu.EventEnv) {
		list, err := c.Host.ModelList()
		ee.Lock()
		defer ee.UnlockRender()
		c.Loading = false
		if err != nil {
			c.Err = "Could not load the model list: " + err.Error()
			return
		}
		c.Models = list
		if m, ok := DefaultModel(list); ok && c.Selected == "" {
			c.useModel(ee, m)
		}
	}(ctx.EventEnv())
}

// DefaultModel is the model the page loads at once: the first built-in one
// that the server has, else the first available one.
func DefaultModel(list []ModelEntry) (ModelEntry, bool) {
	for _, m := range list {
		if m.BuiltIn && m.Available && m.URL != "" {
			return m, true
		}
	}
	for _, m := range list {
		if m.Available && m.URL != "" {
			return m, true
		}
	}
	return ModelEntry{}, false
}

// Summary is the table caption: how many models there are and how many can
// run right now.
func (c *Root) Summary() string {
	n := 0
	for _, m := range c.Models {
		if m.Available {
			n++
		}
	}
	return fmt.Sprintf("%d models, %d ready to run in this browser", len(c.Models), n)
}

// RowClass marks rows whose file is not on the server yet, and the chosen
// model's row.
func (c *Root) RowClass(m ModelEntry) string {
	cls := "model missing"
	if m.Available {
		cls = "model available"
	}
	if m.Name == c.Selected {
		cls += " selected"
	}
	return cls
}

// Availability says whether a model can be used now, and how to get it if not.
func Availability(m ModelEntry) string {
	switch {
	case m.BuiltIn:
		return "built in"
	case m.Available:
		return "yes"
	default:
		return "fetch first"
	}
}

// Count formats a large count the way the design tables do: 61.1 M, 714 M, 1.8 G.
func Count(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n < 1_000:
		return strconv.FormatInt(n, 10)
	case n < 1_000_000:
		return trim(float64(n)/1e3) + " k"
	case n < 1_000_000_000:
		return trim(float64(n)/1e6) + " M"
	default:
		return trim(float64(n)/1e9) + " G"
	}
}

// Bytes formats a file size in binary units.
func Bytes(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return trim(float64(n)/(1<<10)) + " KiB"
	case n < 1<<30:
		return trim(float64(n)/(1<<20)) + " MiB"
	default:
		return trim(float64(n)/(1<<30)) + " GiB"
	}
}

// trim prints three significant digits at most (1.23, 12.3, 123).
func trim(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}
