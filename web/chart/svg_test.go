package chart

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed SVG element.
type node struct {
	name     string
	attr     map[string]string
	children []*node
	text     string // character data directly inside
}

// parse reads out as XML (failing the test on any error) and returns the
// root element.
func parse(t *testing.T, out string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(out))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				t.Fatalf("two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

// all returns every element below n (n included) for which keep is true,
// in document order.
func (n *node) all(keep func(*node) bool) []*node {
	var out []*node
	if keep(n) {
		out = append(out, n)
	}
	for _, c := range n.children {
		out = append(out, c.all(keep)...)
	}
	return out
}

func named(name string) func(*node) bool { return func(n *node) bool { return n.name == name } }

func hasAttr(name, attr string) func(*node) bool {
	return func(n *node) bool { _, ok := n.attr[attr]; return n.name == name && ok }
}

func num(t *testing.T, n *node, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr[attr], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, attr, n.attr[attr], err)
	}
	return v
}

// checkCommon checks what every chart promises: accessible name and
// title, a viewBox and no fixed size, no CSS, colours from the palette,
// marks inside the viewBox.
func checkCommon(t *testing.T, out, title string) *node {
	t.Helper()
	root := parse(t, out)
	if root.name != "svg" || root.attr["role"] != "img" || root.attr["aria-label"] != title {
		t.Errorf("root <%s role=%q aria-label=%q>, want <svg role=img aria-label=%q>", root.name, root.attr["role"], root.attr["aria-label"], title)
	}
	if len(root.children) < 2 || root.children[0].name != "title" || root.children[0].text != title || root.children[1].name != "desc" || root.children[1].text == "" {
		t.Errorf("the first children are not <title>%s</title> and a <desc>", title)
	}
	if _, ok := root.attr["width"]; ok {
		t.Error("fixed width: the page should size the chart")
	}
	vb := strings.Fields(root.attr["viewBox"])
	if len(vb) != 4 || vb[0] != "0" || vb[1] != "0" {
		t.Fatalf("viewBox %q", root.attr["viewBox"])
	}
	w, _ := strconv.ParseFloat(vb[2], 64)
	h, _ := strconv.ParseFloat(vb[3], 64)
	if w < 100 || h < 100 {
		t.Errorf("viewBox %vx%v", w, h)
	}
	allowed := map[string]bool{"none": true, textColor: true, axisColor: true, gridColor: true, "#FFFFFF": true}
	for _, c := range Palette {
		allowed[c] = true
	}
	for _, n := range root.all(func(*node) bool { return true }) {
		if n.name == "style" || n.attr["style"] != "" || n.attr["class"] != "" {
			t.Errorf("CSS in <%s>", n.name)
		}
		for _, a := range []string{"fill", "stroke"} {
			if c, ok := n.attr[a]; ok && !allowed[c] {
				t.Errorf("<%s %s=%q>: not a palette colour", n.name, a, c)
			}
		}
		for _, a := range []string{"x", "cx", "x1", "x2"} {
			if v, ok := n.attr[a]; ok {
				if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 || f > w {
					t.Errorf("<%s %s=%q> outside 0..%v", n.name, a, v, w)
				}
			}
		}
		for _, a := range []string{"y", "cy", "y1", "y2"} {
			if v, ok := n.attr[a]; ok {
				if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 || f > h {
					t.Errorf("<%s %s=%q> outside 0..%v", n.name, a, v, h)
				}
			}
		}
	}
	return root
}

// texts returns the text of every <text> element.
func texts(root *node) []string {
	var out []string
	for _, n := range root.all(named("text")) {
		out = append(out, n.text)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// luminance is WCAG's relative luminance of a #RRGGBB colour.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func TestPaletteContrast(t *testing.T) {
	for _, c := range append(append([]string{}, Palette...), textColor, axisColor) {
		if r := 1.05 / (luminance(t, c) + 0.05); r < 3 {
			t.Errorf("%s has contrast %.2f:1 with white, want >= 3", c, r)
		}
	}
	seen := map[string]bool{}
	for _, c := range Palette {
		if seen[c] {
			t.Errorf("%s twice in the palette", c)
		}
		seen[c] = true
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		`a<b>&"c'`: "a&lt;b&gt;&amp;&#34;c&#39;",
		"ok":       "ok",
		"\x00":     "\uFFFD",
	} {
		if got := esc(in); got != want {
			t.Errorf("esc(%q) = %q, want %q", in, got, want)
		}
	}
}

func parseF(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
