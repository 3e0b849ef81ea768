package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"convscope/web/protocol"
)

// Link is what a classroom link restores: the model, the sample image, the
// layer whose maps are shown and the enlarged channel. It travels in the
// URL's fragment (#model=resnet20_cifar&sample=cat&layer=layer1.0.conv1&channel=3),
// which the browser never sends to the server.
type Link struct {
	Model   string
	Sample  string
	Layer   string
	Channel int // -1 = none
}

// maxLinkBytes bounds a fragment the page reads: real links are under 200
// bytes.
const maxLinkBytes = 1024

// linkFields are the fragment's keys, in the order a link writes them.
var linkFields = []string{"model", "sample", "layer", "channel"}

// ParseLink reads a URL fragment (with or without its "#"). It returns the
// link and, for each part it cannot use, a sentence saying why; a fragment
// that names nothing of a link (empty, or another page's anchor) gives
// ok false and no problems.
func ParseLink(fragment string) (l Link, problems []string, ok bool) {
	l.Channel = -1
	fragment = strings.TrimPrefix(fragment, "#")
	if fragment == "" {
		return l, nil, false
	}
	if len(fragment) > maxLinkBytes {
		return l, []string{fmt.Sprintf("The link's settings are %d characters long (at most %d): ignored.", len(fragment), maxLinkBytes)}, false
	}
	q, err := url.ParseQuery(fragment)
	if err != nil {
		return l, []string{"The link's settings cannot be read (" + err.Error() + "): ignored."}, false
	}
	any := false
	var unknown []string
	for k := range q {
		if !slices.Contains(linkFields, k) {
			unknown = append(unknown, k)
		} else {
			any = true
		}
	}
	if !any {
		return l, nil, false
	}
	slices.Sort(unknown)
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("The link has settings this page does not know: %s (ignored).", strings.Join(unknown, ", ")))
	}
	one := func(k string) string {
		v := q[k]
		if len(v) > 1 {
			problems = append(problems, fmt.Sprintf("The link gives %s %d times: the first is used.", k, len(v)))
		}
		if len(v) == 0 {
			return ""
		}
		return strings.TrimSpace(v[0])
	}
	l.Model, l.Sample, l.Layer = one("model"), one("sample"), one("layer")
	if s := one("channel"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("The link's channel %q is not a whole number: no map is enlarged.", s))
		case n < 0:
			problems = append(problems, fmt.Sprintf("The link's channel %d is negative: no map is enlarged.", n))
		default:
			l.Channel = n
		}
	}
	if l.Channel >= 0 && l.Layer == "" {
		problems = append(problems, "The link gives a channel but no layer: no map is enlarged.")
		l.Channel = -1
	}
	return l, problems, true
}

// Fragment writes the link as a URL fragment (without the "#"), leaving
// out what it does not set.
func (l Link) Fragment() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+url.QueryEscape(v))
		}
	}
	add("model", l.Model)
	add("sample", l.Sample)
	add("layer", l.Layer)
	if l.Layer != "" && l.Channel >= 0 {
		add("channel", strconv.Itoa(l.Channel))
	}
	return strings.Join(parts, "&")
}

// linkModel finds the link's model in the list: it must exist and be on
// the server.
func linkModel(list []ModelEntry, name string) (ModelEntry, string) {
	for _, m := range list {
		if m.Name != name {
			continue
		}
		if m.URL == "" || !m.Available {
			return ModelEntry{}, fmt.Sprintf("The link's model %s is not on this server (fetch it first: go run . fetch %s).", name, name)
		}
		return m, ""
	}
	return ModelEntry{}, fmt.Sprintf("The link's model %q is not one this page knows.", name)
}

// linkSample finds the link's sample among the gallery of a dataset.
func linkSample(dataset, name string) (Sample, string) {
	var names []string
	for _, s := range samples {
		if s.Dataset == dataset {
			if s.Name == name {
				return s, ""
			}
			names = append(names, s.Name)
		}
	}
	return Sample{}, fmt.Sprintf("The link's sample %q is not a %s sample (there are: %s).", name, DatasetTitle(dataset), strings.Join(names, ", "))
}

// linkLayer checks the link's layer and channel against the loaded model:
// the layer must have maps, the channel must be one of its output's.
func linkLayer(info *protocol.Loaded, layer string, channel int) (ok bool, chOK bool, problem string) {
	if info == nil {
		return false, false, fmt.Sprintf("The link's layer %s cannot be shown: no model is loaded.", layer)
	}
	for _, li := range info.Layers {
		if li.Name != layer {
			continue
		}
		if !li.Maps {
			return false, false, fmt.Sprintf("The link's layer %s of %s has no feature maps to show.", layer, info.Name)
		}
		if channel < 0 {
			return true, false, ""
		}
		c := 0
		if len(li.Shape) > 1 {
			c = li.Shape[1]
		}
		if channel >= c {
			return true, false, fmt.Sprintf("The link's channel %d is not one of the %d channels of %s.", channel, c, layer)
		}
		return true, true, ""
	}
	return false, false, fmt.Sprintf("The link's layer %q is not a layer of %s.", layer, info.Name)
}
