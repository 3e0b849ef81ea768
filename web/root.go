package web

import (
	"fmt"
	"strconv"

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
}

// Root is the page's root component.
type Root struct {
	// LoadModels fetches the model list. It is set by the wasm main, which
	// knows how to reach the server; it runs in its own goroutine.
	LoadModels func() ([]ModelEntry, error)
	// LoadLayers downloads a model's file, checks its SHA-256 and returns
	// its layer table; set by the wasm main, run in its own goroutine.
	LoadLayers func(m ModelEntry) ([]LayerRow, error)

	Loading bool
	Err     string
	Models  []ModelEntry

	Selected      string // model whose layers are shown, "" for none
	LayersLoading bool
	LayersErr     string
	Layers        []LayerRow
}

// Init starts loading the model list without blocking the first render.
func (c *Root) Init(ctx vugu.InitCtx) {
	if c.LoadModels == nil {
		c.Err = "no model source configured"
		return
	}
	c.Loading = true
	go func(ee vugu.EventEnv) {
		list, err := c.LoadModels()
		ee.Lock()
		defer ee.UnlockRender()
		c.Loading = false
		if err != nil {
			c.Err = "Could not load the model list: " + err.Error()
			return
		}
		c.Models = list
	}(ctx.EventEnv())
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

// RowClass marks rows whose file is not on the server yet.
func (c *Root) RowClass(m ModelEntry) string {
	if m.Available {
		return "model available"
	}
	return "model missing"
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
