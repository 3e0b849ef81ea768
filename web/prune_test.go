package web

import (
	"fmt"
	"sync"
	"testing"

	"convscope/web/protocol"

	"github.com/vugu/vugu"
)

// pn builds a test node: tag "" is a template, tag "#text" a text node;
// attrs are key, value pairs.
func pn(tag string, attrs []string, kids ...*vugu.VGNode) *vugu.VGNode {
	n := &vugu.VGNode{Type: vugu.ElementNode, Data: tag}
	if tag == "#text" {
		n = &vugu.VGNode{Type: vugu.TextNode, Data: attrs[0]}
		return n
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.Attr = append(n.Attr, vugu.VGAttribute{Key: attrs[i], Val: attrs[i+1]})
	}
	for _, k := range kids {
		n.AppendChild(k)
	}
	return n
}

func ptext(s string) *vugu.VGNode { return pn("#text", []string{s}) }

func phtml(tag, html string) *vugu.VGNode {
	n := pn(tag, nil)
	n.SetInnerHTML(vugu.HTML(html))
	return n
}

func pbr(root *vugu.VGNode) *vugu.BuildResults {
	return &vugu.BuildResults{Out: &vugu.BuildOut{Out: []*vugu.VGNode{root}}}
}

// content is what the renderer writes into n: its innerHTML, or its text
// node's data.
func content(n *vugu.VGNode) string {
	if n.InnerHTML != nil {
		return "html:" + *n.InnerHTML
	}
	if c := n.FirstChild; c != nil && c == n.LastChild && c.Type == vugu.TextNode {
		return c.Data
	}
	return "?"
}

// pruned reports whether the renderer will leave n's DOM children alone.
func pruned(n *vugu.VGNode) bool { return n.FirstChild == nil && n.InnerHTML == nil }

func TestPrune(t *testing.T) {
	// page returns a fresh tree as a Build would; cell is the content
	// of the changing cell, extra adds a node to the template.
	type page struct {
		root, table, same, changed, withClick, volatile, afterTemplate *vugu.VGNode
	}
	build := func(cell string, extra bool) page {
		var p page
		p.same = pn("tr", []string{"class", "row"}, phtml("td", "a"), ptext(" "), phtml("td", "b"))
		p.changed = pn("tr", []string{"class", "row"}, phtml("td", "a"), ptext(" "), phtml("td", cell))
		button := pn("button", nil, ptext("Maps"))
		button.DOMEventHandlerSpecList = []vugu.DOMEventHandlerSpec{{EventType: "click", Func: func(vugu.DOMEvent) {}}}
		p.withClick = pn("tr", nil, phtml("td", "c"), pn("td", nil, button))
		p.table = pn("tbody", nil, p.same, p.changed, p.withClick)
		p.volatile = pn("div", []string{"id", "result"}, phtml("p", "top-5"))
		tmpl := pn("", nil, phtml("p", "one"))
		if extra {
			tmpl.AppendChild(phtml("p", "two"))
		}
		p.afterTemplate = phtml("p", "after")
		p.root = pn("div", nil, p.table, p.volatile, tmpl, p.afterTemplate)
		return p
	}

	var pr Pruner
	first := build("1.0", false)
	pr.Prune(pbr(first.root))
	for _, n := range []*vugu.VGNode{first.same, first.changed, first.withClick, first.volatile, first.afterTemplate} {
		if pruned(n) {
			t.Fatalf("first render pruned %s: nothing to compare with", n.Data)
		}
	}

	second := build("2.0", false)
	pr.Prune(pbr(second.root))
	if !pruned(second.same) {
		t.Errorf("unchanged row kept its children")
	}
	if pruned(second.changed) || pruned(second.table) || pruned(second.root) {
		t.Errorf("changed row or its ancestors pruned")
	}
	if c := second.changed.FirstChild; c == nil || !pruned(c) {
		t.Errorf("the changed row's unchanged cell was not pruned")
	}
	if c := second.changed.LastChild; c == nil || content(c) != "2.0" {
		t.Errorf("the changed cell lost its content")
	}
	if pruned(second.withClick) || second.withClick.LastChild.FirstChild == nil {
		t.Errorf("a subtree with an event handler was pruned")
	}
	if !pruned(second.withClick.FirstChild) {
		t.Errorf("the unchanged cell next to the button was not pruned")
	}
	if pruned(second.volatile) || pruned(second.volatile.FirstChild) {
		t.Errorf("a volatile id's subtree was pruned")
	}
	if !pruned(second.afterTemplate) {
		t.Errorf("unchanged node after the template was not pruned")
	}

	// The template grows: the node after it moves to another DOM
	// position, where the previous render had something else.
	third := build("2.0", true)
	pr.Prune(pbr(third.root))
	if pruned(third.afterTemplate) {
		t.Errorf("node moved by a template was pruned")
	}
	if !pruned(third.changed) {
		t.Errorf("row unchanged since the last render kept its children")
	}

	pr.Reset()
	fourth := build("2.0", true)
	pr.Prune(pbr(fourth.root))
	if pruned(fourth.same) {
		t.Errorf("pruned after Reset")
	}
}

// TestPruneAttributes: an attribute change anywhere below keeps the
// subtree; a text node change too.
func TestPruneAttributes(t *testing.T) {
	var pr Pruner
	mk := func(cls, text string) (*vugu.VGNode, *vugu.VGNode) {
		inner := pn("span", []string{"class", cls}, ptext(text))
		outer := pn("div", nil, inner)
		return pn("main", nil, outer), outer
	}
	r, _ := mk("a", "x")
	pr.Prune(pbr(r))
	for _, c := range []struct{ cls, text string }{{"b", "x"}, {"b", "y"}} {
		r, outer := mk(c.cls, c.text)
		pr.Prune(pbr(r))
		if pruned(outer) {
			t.Errorf("%v: changed subtree pruned", c)
		}
	}
	r, outer := mk("b", "y")
	pr.Prune(pbr(r))
	if !pruned(outer) {
		t.Errorf("unchanged subtree kept")
	}
}

// TestPruneText: escaped text in innerHTML becomes a text node (the same
// DOM as the parser makes of it); markup, "", and pre stay innerHTML.
func TestPruneText(t *testing.T) {
	for _, c := range []struct{ tag, html, want string }{
		{"td", "1.25 ms", "1.25 ms"},
		{"span", "a &amp; b &lt;c&gt; &#39;d&#39; &#34;e&#34;", `a & b <c> 'd' "e"`},
		{"p", "a <b>bold</b>", "html:a <b>bold</b>"},
		{"p", "", "html:"},
		{"p", "&nbsp;", "html:&nbsp;"},
		{"p", "a\r\nb", "html:a\r\nb"},
		{"pre", "\ncode", "html:\ncode"},
		{"tr", "x", "html:x"},
	} {
		n := phtml(c.tag, c.html)
		var pr Pruner
		pr.Prune(pbr(pn("div", nil, n)))
		if got := content(n); got != c.want {
			t.Errorf("<%s>%q: got %q, want %q", c.tag, c.html, got, c.want)
		}
	}
}

// pruneParent and pruneChild are a page with a component: Prune walks a
// component's output in its place, and the siblings after it.
type pruneParent struct {
	child *pruneChild
	text  string
	last  *vugu.VGNode // the <p> after the component, of the last Build
}

type pruneChild struct {
	text string
	last *vugu.VGNode // its <h2>
}

func (p *pruneParent) Build(in *vugu.BuildIn) *vugu.BuildOut {
	p.last = phtml("p", p.text)
	root := pn("div", nil, &vugu.VGNode{Component: p.child}, p.last)
	return &vugu.BuildOut{Out: []*vugu.VGNode{root}, Components: []vugu.Builder{p.child}}
}

func (c *pruneChild) Build(in *vugu.BuildIn) *vugu.BuildOut {
	c.last = phtml("h2", c.text)
	return &vugu.BuildOut{Out: []*vugu.VGNode{pn("section", nil, c.last)}}
}

func TestPruneComponent(t *testing.T) {
	page := &pruneParent{child: &pruneChild{text: "title"}, text: "after"}
	env, err := vugu.NewBuildEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	var pr Pruner
	pr.Prune(env.RunBuild(page))
	if content(page.last) != "after" || content(page.child.last) != "title" {
		t.Fatalf("first render: %q, %q: want text nodes (the walk missed a node)", content(page.last), content(page.child.last))
	}
	pr.Prune(env.RunBuild(page))
	if !pruned(page.last) || !pruned(page.child.last) {
		t.Errorf("unchanged nodes in and after a component kept")
	}
	page.text, page.child.text = "changed", "new title"
	pr.Prune(env.RunBuild(page))
	if content(page.last) != "changed" || content(page.child.last) != "new title" {
		t.Errorf("changed nodes in and after a component pruned: %q, %q", content(page.last), content(page.child.last))
	}
}

// TestPruneRoot renders the real page twice, with a new Result as after a
// pick: the second render must leave almost every element's content to the
// DOM (the layer table's times change, so their rows stay).
func TestPruneRoot(t *testing.T) {
	c := &Root{Host: newFakeHost()}
	ee := vugu.NewEventEnvImpl(&sync.RWMutex{}, make(chan bool, 64))
	env, err := vugu.NewBuildEnv(ee)
	if err != nil {
		t.Fatal(err)
	}
	env.RunBuild(c) // starts the model list's load
	waitFor(t, ee, "the model list", func() bool { return !c.Loading })
	ee.Lock()
	defer ee.UnlockOnly()
	c.Models = []ModelEntry{
		{Name: "googlenet_cifar", Arch: "googlenet_cifar", URL: "models/g.csm", BuiltIn: true, Available: true, Dataset: "cifar10"},
		{Name: "vgg_cifar", Arch: "vgg_cifar", URL: "models/v.csm", BuiltIn: true, Available: true, Dataset: "cifar10"},
	}
	var layers []protocol.LayerInfo
	for i := 0; i < 100; i++ {
		k := []string{"conv", "bn", "relu"}[i%3]
		layers = append(layers, protocol.LayerInfo{Name: fmt.Sprintf("l%d", i), Kind: k, Maps: k == "conv", Shape: []int{1, 16, 8, 8}, Params: int64(i * 100), Block: fmt.Sprintf("b%d", i/10)})
	}
	c.Info = &protocol.Loaded{Name: "googlenet_cifar", Layers: layers}
	c.Selected, c.Current = "googlenet_cifar", "googlenet_cifar"
	var pr Pruner
	for run := 1; run <= 3; run++ {
		res := &protocol.Result{Model: "googlenet_cifar", Top: []protocol.Prediction{{Index: run, Label: "cat", Prob: 0.9}}}
		for i := 0; i < 100; i += 3 {
			res.Timings = append(res.Timings, protocol.Timing{Name: fmt.Sprintf("l%d", i), Ms: float64(run) * 0.1 * float64(i)})
		}
		c.Result, c.Runs = res, run
		br := env.RunBuild(c)
		pr.Prune(br)
		elements, html := 0, 0
		var walk func(n *vugu.VGNode)
		walk = func(n *vugu.VGNode) {
			n = resolve(br, n)
			if n.Type == vugu.ElementNode && !n.IsTemplate() {
				elements++
			}
			if n.InnerHTML != nil && *n.InnerHTML != "" {
				html++
				if run > 1 {
					t.Logf("render %d: innerHTML of <%s %v>: %.60q", run, n.Data, n.Attr, *n.InnerHTML)
				}
			}
			for k := n.FirstChild; k != nil; k = k.NextSibling {
				walk(k)
			}
		}
		walk(br.Out.Out[0])
		t.Logf("render %d: %d elements visited, %d non-empty innerHTML", run, elements, html)
		if run > 1 && (elements > 600 || html > 0) {
			t.Errorf("render %d after a new result visits %d elements, %d with innerHTML: want < 600, 0", run, elements, html)
		}
	}
}
