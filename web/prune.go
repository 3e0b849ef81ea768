package web

import (
	"html"
	"strings"

	"github.com/vugu/vugu"
)

// Pruner cuts from each new Vugu tree the parts the DOM already shows, so
// that the renderer leaves them alone. Vugu's DOM renderer re-applies the
// whole tree on every render: every element's attributes, every text node,
// and the innerHTML of every element vugugen compiled to HTML (vg-content
// and static text), which the browser parses into new nodes each time and
// must lay out again. On googlenet_cifar's page (about 1600 nodes) one full
// render after a pick made some 1800 HTML parses and a forced layout of the
// whole page, one long task of 50-200 ms.
//
// The renderer descends into an element only through its children or its
// innerHTML: an element with neither keeps its DOM children as they are
// (the viewer slot relies on this). So for an element whose whole subtree
// (tag, attributes, properties, innerHTML, text, children, recursively) is
// the same as at the same position in the previous render, Prune drops the
// children and the innerHTML from the new tree; the element itself is still
// synced (its attributes), so positions and everything around stay as Vugu
// keeps them. Positions follow the renderer's walk: a component stands for
// its output, a template for its children.
//
// Never pruned: subtrees with event handlers or vg-js callbacks (the
// renderer records handlers by position as it visits them), and subtrees
// in or around an element that other code writes into directly between
// renders (pruneVolatile: the Result shown in place, progress bars, the
// viewer's hover text), whose DOM may differ from what the previous render
// wrote: those are rendered in full, as before.
//
// The signature is a 64-bit FNV-1a hash of the subtree; the tree of the
// previous render is kept as one flat slice of signatures.
type Pruner struct {
	prev, cur []pruneSig
	stack     []*vugu.VGNode
}

type pruneSig struct {
	sig      uint64
	kids, nk int32 // the children's signatures: cur[kids : kids+nk]
}

// pruneVolatile are the ids of elements that the host writes into between
// renders (wasm/app host.go ShowResult and ShowProgress, viewer.go hover):
// their subtrees, and their ancestors' children, are always rendered.
var pruneVolatile = map[string]bool{
	"result": true, "alert": true, "hover": true,
	"run-step": true, "run-progress": true, "download-step": true, "download-progress": true,
	"compare-step": true, "compare-progress": true,
}

// Reset forgets the previous tree: the next Prune keeps everything. Call it
// when a render failed (the DOM may then match neither tree).
func (p *Pruner) Reset() { p.prev = p.prev[:0] }

// Prune marks the unchanged parts of br's tree as described on Pruner and
// returns br.
func (p *Pruner) Prune(br *vugu.BuildResults) *vugu.BuildResults {
	if br == nil || br.Out == nil || len(br.Out.Out) != 1 {
		p.Reset()
		return br
	}
	prev := int32(-1)
	if len(p.prev) > 0 {
		prev = 0
	}
	p.cur = append(p.cur[:0], pruneSig{})
	p.visit(br, br.Out.Out[0], 0, prev, false)
	p.prev, p.cur = p.cur, p.prev
	return br
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return (h ^ 0xff) * fnvPrime // separator: "ab","c" != "a","bc"
}

func hashUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h = (h ^ (v & 0xff)) * fnvPrime
		v >>= 8
	}
	return h
}

// resolve returns what the renderer walks for n: a component's output.
func resolve(br *vugu.BuildResults, n *vugu.VGNode) *vugu.VGNode {
	for n.Component != nil {
		out := br.ResultFor(n.Component)
		if out == nil || len(out.Out) != 1 {
			return n
		}
		n = out.Out[0]
	}
	return n
}

// appendKids appends n's children as the renderer visits them: templates
// replaced by their children.
func appendKids(br *vugu.BuildResults, dst []*vugu.VGNode, n *vugu.VGNode) []*vugu.VGNode {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r := resolve(br, c) // c's siblings follow c, not its component's output
		if r.IsTemplate() {
			dst = appendKids(br, dst, r)
			continue
		}
		dst = append(dst, r)
	}
	return dst
}

// visit computes the signature of n's subtree into p.cur[at], comparing
// with p.prev[prev] (prev < 0: no previous node there), prunes n when it
// may, and reports whether n's subtree must be rendered (handlers,
// callbacks, volatile ids). keep: n is inside a volatile element, whose
// whole subtree is rendered.
func (p *Pruner) visit(br *vugu.BuildResults, n *vugu.VGNode, at, prev int32, keep bool) bool {
	n = resolve(br, n)
	must := len(n.DOMEventHandlerSpecList) > 0 || n.JSCreateHandler != nil || n.JSPopulateHandler != nil
	h := hashUint(fnvOffset, uint64(n.Type))
	h = hashString(h, n.Data)
	h = hashString(h, n.Namespace)
	for _, a := range n.Attr {
		h = hashString(hashString(hashString(h, a.Namespace), a.Key), a.Val)
		if a.Key == "id" && pruneVolatile[a.Val] {
			keep = true
		}
	}
	for _, pr := range n.Prop {
		h = hashString(hashString(h, pr.Key), string(pr.JSONVal))
	}
	if n.InnerHTML != nil {
		h = hashString(hashUint(h, 1), *n.InnerHTML)
	}

	start := len(p.stack)
	p.stack = appendKids(br, p.stack, n)
	kids := p.stack[start:]
	first := int32(len(p.cur))
	for range kids {
		p.cur = append(p.cur, pruneSig{})
	}
	var pk, pn int32
	if prev >= 0 {
		pk, pn = p.prev[prev].kids, p.prev[prev].nk
	}
	for i, k := range kids {
		pi := int32(-1)
		if int32(i) < pn {
			pi = pk + int32(i)
		}
		if p.visit(br, k, first+int32(i), pi, keep) {
			must = true
		}
		h = hashUint(h, p.cur[first+int32(i)].sig)
	}
	h = hashUint(h, uint64(len(kids)))
	must = must || keep
	p.stack = p.stack[:start]
	p.cur[at] = pruneSig{sig: h, kids: first, nk: int32(len(kids))}

	if !must && prev >= 0 && n.Type == vugu.ElementNode && p.prev[prev].sig == h {
		n.FirstChild, n.LastChild = nil, nil
		n.InnerHTML = nil
	} else if n.InnerHTML != nil && n.FirstChild == nil && n.Namespace == "" && textTags[n.Data] {
		// What vg-content makes of a string is escaped text: as a text
		// node child the renderer sets its data (or creates it) rather
		// than have the browser parse HTML into a new node each render.
		// The DOM is the same: the parser makes one text node of it.
		if t, ok := textOnly(*n.InnerHTML); ok {
			n.InnerHTML = nil
			n.AppendChild(&vugu.VGNode{Type: vugu.TextNode, Data: t})
		}
	}
	return must
}

// textTags are the elements whose innerHTML Prune may turn into a text
// node: where the HTML parser keeps the text as it is (not pre, textarea,
// listing: a leading newline dropped; not table parts: text moved out).
var textTags = map[string]bool{
	"p": true, "span": true, "td": true, "th": true, "caption": true, "label": true,
	"figcaption": true, "button": true, "option": true, "li": true, "output": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "summary": true, "strong": true,
	"em": true, "code": true, "small": true, "b": true, "i": true, "a": true,
}

// textOnly returns the text that innerHTML s stands for when s is escaped
// text, as html.EscapeString (vg-content of a string) writes it; ok is
// false for markup, and for "" (no text node at all) and the characters
// the parser changes (CR, NUL).
func textOnly(s string) (string, bool) {
	if s == "" || strings.ContainsAny(s, "<\r\x00") {
		return "", false
	}
	if !strings.Contains(s, "&") {
		return s, true
	}
	t := html.UnescapeString(s)
	if html.EscapeString(t) != s {
		return "", false
	}
	return t, true
}
