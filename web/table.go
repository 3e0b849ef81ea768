package web

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/vugu/vugu"
)

// Table is lesson 1, the comparison table: every model of api/models with
// its size and cost (computed by the server from the architecture, so known
// before any download), its published accuracy, and the inference time
// measured in this browser for the models that ran here; sortable by any
// column, with an accuracy vs cost scatter plot. ImageNet and CIFAR-10
// accuracies are not comparable (1000 classes of photographs vs 10 classes
// of 32x32 thumbnails), so the plot shows one dataset at a time.
type Table struct {
	Root *Root

	SortKey string // a TableColumn key; "" = the catalog's order
	Desc    bool
	Dataset string // the scatter's dataset: "cifar10" or "imagenet"
	Cost    string // the scatter's x axis: "macs", "params" or "ms"

	// The last plot (SVG) and what it shows: the page renders after every
	// pick, and the plot changes only with its points or choices.
	svgPts   []TablePoint
	svgTitle string
	svgCost  string
	svgOut   vugu.HTML
}

// TableColumn is one column of the comparison table.
type TableColumn struct {
	Key, Title string
	Num        bool
	// value returns the column's number for m (numeric columns; ok false
	// when unknown: those rows sort last whichever the direction) and text
	// its cell.
	value func(l *Lab, m ModelEntry) (float64, bool)
	text  func(l *Lab, m ModelEntry) string
}

func positive(v float64) (float64, bool) { return v, v > 0 }

// tableColumns lists the columns in display order; the first is the row
// header.
var tableColumns = []TableColumn{
	{Key: "name", Title: "Model", text: func(_ *Lab, m ModelEntry) string { return m.Name }},
	{Key: "dataset", Title: "Dataset", text: func(_ *Lab, m ModelEntry) string { return DatasetTitle(m.Dataset) }},
	{Key: "depth", Title: "Depth", Num: true,
		value: func(_ *Lab, m ModelEntry) (float64, bool) { return positive(float64(m.Depth)) },
		text: func(_ *Lab, m ModelEntry) string {
			if m.Depth <= 0 {
				return "-"
			}
			return fmt.Sprint(m.Depth)
		}},
	{Key: "params", Title: "Params", Num: true,
		value: func(_ *Lab, m ModelEntry) (float64, bool) { return positive(float64(m.Params)) },
		text:  func(_ *Lab, m ModelEntry) string { return Count(m.Params) }},
	{Key: "fcshare", Title: "In FC layers", Num: true,
		value: func(_ *Lab, m ModelEntry) (float64, bool) { return fcShare(m) },
		text: func(_ *Lab, m ModelEntry) string {
			if v, ok := fcShare(m); ok {
				return Percent(v)
			}
			return "-"
		}},
	{Key: "macs", Title: "MACs", Num: true,
		value: func(_ *Lab, m ModelEntry) (float64, bool) { return positive(float64(m.MACs)) },
		text:  func(_ *Lab, m ModelEntry) string { return Count(m.MACs) }},
	{Key: "top1", Title: "Top-1", Num: true,
		value: func(_ *Lab, m ModelEntry) (float64, bool) { return positive(m.Top1) },
		text:  func(_ *Lab, m ModelEntry) string { return Accuracy(m.Top1) }},
	{Key: "top5", Title: "Top-5", Num: true,
		value: func(_ *Lab, m ModelEntry) (float64, bool) { return positive(m.Top5) },
		text:  func(_ *Lab, m ModelEntry) string { return Accuracy(m.Top5) }},
	{Key: "source", Title: "Accuracy from", text: func(_ *Lab, m ModelEntry) string { return ShortSource(m.Published) }},
	{Key: "bytes", Title: "Download", Num: true,
		value: func(_ *Lab, m ModelEntry) (float64, bool) { return positive(float64(m.Bytes)) },
		text:  func(_ *Lab, m ModelEntry) string { return Bytes(m.Bytes) }},
	{Key: "ms", Title: "Time here", Num: true,
		value: func(l *Lab, m ModelEntry) (float64, bool) {
			ms, n := l.Latency(m.Name)
			return ms, n > 0
		},
		text: func(l *Lab, m ModelEntry) string {
			ms, n := l.Latency(m.Name)
			if n == 0 {
				return "not run yet"
			}
			return Millis(ms)
		}},
}

// fcShare is the fraction of a model's parameters in its fully connected
// layers (unknown when the server did not split them).
func fcShare(m ModelEntry) (float64, bool) {
	total := m.ConvParams + m.FCParams
	if total <= 0 {
		return 0, false
	}
	return float64(m.FCParams) / float64(total), true
}

// ShortSource is the first phrase of where an accuracy comes from ("torchvision's
// documentation", "measured by convscope eval"); the cell's title has it all.
func ShortSource(s string) string {
	if s == "" {
		return "-"
	}
	for _, sep := range []string{":", " on ", " (", ";", ","} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:39]) + "..."
	}
	return s
}

// CellTitle is a cell's tooltip: the whole source of the accuracy.
func (c *Table) CellTitle(col TableColumn, m ModelEntry) string {
	if col.Key == "source" {
		return m.Published
	}
	return ""
}

// DatasetTitle names a dataset for people.
func DatasetTitle(d string) string {
	switch d {
	case "imagenet":
		return "ImageNet"
	case "cifar10":
		return "CIFAR-10"
	}
	return d
}

// Columns returns the table's columns (the first is the row header).
func (c *Table) Columns() []TableColumn { return tableColumns }

// BodyColumns are the columns after the row header.
func (c *Table) BodyColumns() []TableColumn { return tableColumns[1:] }

// BeforeBuild records the result on the page as a measurement of its
// model (see Lab.observe) and fills in the defaults.
func (c *Table) BeforeBuild() {
	if c.Dataset == "" {
		c.Dataset = "cifar10"
	}
	if c.Cost == "" {
		c.Cost = "macs"
	}
	if c.Root != nil {
		c.Root.Lab.observe(c.Root.Result)
	}
}

// Rows returns the models in the chosen order.
func (c *Table) Rows() []ModelEntry {
	return SortModels(c.Root.Models, &c.Root.Lab, c.SortKey, c.Desc)
}

// SortModels orders models by a column; rows without a value for a numeric
// column go last in both directions, and ties keep the catalog's order.
func SortModels(models []ModelEntry, l *Lab, key string, desc bool) []ModelEntry {
	out := slices.Clone(models)
	col, ok := columnByKey(key)
	if !ok {
		return out
	}
	slices.SortStableFunc(out, func(a, b ModelEntry) int {
		var r int
		if col.Num {
			va, oka := col.value(l, a)
			vb, okb := col.value(l, b)
			switch {
			case !oka || !okb:
				// Unknown values last, whatever the direction.
				if oka == okb {
					return 0
				}
				if oka {
					return -1
				}
				return 1
			default:
				r = cmp.Compare(va, vb)
			}
		} else {
			r = strings.Compare(strings.ToLower(col.text(l, a)), strings.ToLower(col.text(l, b)))
		}
		if desc {
			r = -r
		}
		return r
	})
	return out
}

func columnByKey(key string) (TableColumn, bool) {
	for _, col := range tableColumns {
		if col.Key == key {
			return col, true
		}
	}
	return TableColumn{}, false
}

// Cell is a column's text for a model.
func (c *Table) Cell(col TableColumn, m ModelEntry) string { return col.text(&c.Root.Lab, m) }

// CellClass right-aligns numbers.
func (c *Table) CellClass(col TableColumn) string {
	if col.Num {
		return "num col-" + col.Key
	}
	return "col-" + col.Key
}

// SortBy is the click on a column header: the first click sorts by it
// (numbers largest first, text A to Z), the next ones reverse the order.
func (c *Table) SortBy(event vugu.DOMEvent, key string) {
	col, ok := columnByKey(key)
	if !ok {
		return
	}
	if c.SortKey == key {
		c.Desc = !c.Desc
		return
	}
	c.SortKey, c.Desc = key, col.Num
}

// AriaSort is a header's aria-sort: set on the sorted column only.
func (c *Table) AriaSort(key string) string {
	switch {
	case key != c.SortKey:
		return "none"
	case c.Desc:
		return "descending"
	default:
		return "ascending"
	}
}

// SortLabel names what a header button does, for screen readers.
func (c *Table) SortLabel(col TableColumn) string {
	next := "ascending"
	if (c.SortKey == col.Key && !c.Desc) || (c.SortKey != col.Key && col.Num) {
		next = "descending"
	}
	return fmt.Sprintf("Sort by %s, %s", col.Title, next)
}

// Caption says what the table shows and how it is ordered.
func (c *Table) Caption() string {
	s := fmt.Sprintf("%d models. Times are inference only, measured in this browser on the images you ran.", len(c.Root.Models))
	if col, ok := columnByKey(c.SortKey); ok {
		dir := "ascending"
		if c.Desc {
			dir = "descending"
		}
		s += fmt.Sprintf(" Sorted by %s, %s.", col.Title, dir)
	}
	return s
}

// SetDataset and SetCost are the scatter plot's controls.
func (c *Table) SetDataset(event vugu.DOMEvent) {
	switch v := event.PropString("target", "value"); v {
	case "cifar10", "imagenet":
		c.Dataset = v
	}
}

func (c *Table) SetCost(event vugu.DOMEvent) {
	switch v := event.PropString("target", "value"); v {
	case "macs", "params", "ms":
		c.Cost = v
	}
}
