package importpth

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"convscope/engine"
	"convscope/models"
)

// ignored reports whether a state_dict entry no definition uses may be
// dropped silently: BatchNorm's step counter, and GoogLeNet's auxiliary
// classifiers, which exist only for training.
func ignored(name string) bool {
	return strings.HasSuffix(name, ".num_batches_tracked") || name == "num_batches_tracked" ||
		strings.HasPrefix(name, "aux1.") || strings.HasPrefix(name, "aux2.")
}

// maxListed bounds how many problems one error lists.
const maxListed = 8

// Match checks a state_dict against a definition: every entry of
// def.Params() must be present with exactly its shape, and every other
// entry must be one that is safely ignored (see ignored). It returns the
// entries the definition needs, or an error naming the offending keys.
func Match(def *models.Def, sd map[string]*engine.Tensor) (map[string]*engine.Tensor, error) {
	var missing, wrong, extra []string
	out := make(map[string]*engine.Tensor, len(def.Params()))
	for _, p := range def.Params() {
		t, ok := sd[p.Name]
		switch {
		case !ok:
			missing = append(missing, p.Name)
		case !slices.Equal(t.Shape, p.Shape):
			wrong = append(wrong, fmt.Sprintf("%s has shape %s, %s needs %s", p.Name, shapeString(t.Shape), def.Name, shapeString(p.Shape)))
		default:
			out[p.Name] = t
		}
	}
	for name := range sd {
		if _, ok := out[name]; !ok && !ignored(name) && !slices.Contains(missing, name) && !hasPrefixIn(wrong, name+" ") {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	if len(missing)+len(wrong)+len(extra) == 0 {
		return out, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the checkpoint does not match %s", def.Name)
	list := func(what string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n  %d %s:", len(items), what)
		for i, s := range items {
			if i == maxListed {
				fmt.Fprintf(&b, "\n    ... and %d more", len(items)-i)
				break
			}
			fmt.Fprintf(&b, "\n    %s", s)
		}
	}
	list("entries with the wrong shape", wrong)
	list("missing entries", missing)
	list("unexpected entries", extra)
	return nil, fmt.Errorf("%s", b.String())
}

func hasPrefixIn(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// shapeString formats a shape as PyTorch prints it: (64, 3, 7, 7).
func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
