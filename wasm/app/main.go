//go:build js && wasm

// Command app is the ConvScope page: it mounts the Vugu root component of
// package web on #app, gives it a Host (the engine worker, the viewer
// iframe, files, the server's model list) and renders it until the page goes
// away.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/url"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"convscope/web"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"
)

// maxListBytes bounds the model list we are willing to decode; the real list
// is a few kilobytes.
const maxListBytes = 4 << 20

func main() {
	renderer, err := newRenderer("#app")
	if err != nil {
		log.Fatalf("convscope: %v", err)
	}
	defer renderer.Release()

	env := renderer.EventEnv()
	buildEnv, err := vugu.NewBuildEnv(env)
	if err != nil {
		log.Fatalf("convscope: %v", err)
	}
	h := &host{engine: startEngine(), viewer: newViewer()}
	root := &web.Root{Host: h}
	h.viewer.listen(env, root)
	listenForFiles(env, root, h)

	// The page's own script waits for this attribute before it hides the
	// "starting" notice; the browser tests wait for it too.
	js.Global().Get("document").Get("documentElement").Call("setAttribute", "data-wasm", "running")

	// The slowest render so far (build + DOM update), in milliseconds, on
	// <html data-render-max>: the browser tests log it next to the click
	// latency during a run.
	html := js.Global().Get("document").Get("documentElement")
	var slowest time.Duration
	var pruner web.Pruner // the renderer skips what the DOM already shows
	for ok := true; ok; ok = renderer.EventWait() {
		start := time.Now()
		err := renderer.Render(pruner.Prune(buildEnv.RunBuild(root)))
		if d := time.Since(start); d > slowest {
			slowest = d
			html.Call("setAttribute", "data-render-max", strconv.FormatInt(d.Milliseconds(), 10))
		}
		if err != nil {
			// A render that failed leaves the page as it was; the next
			// state change renders again, so keep running.
			js.Global().Get("console").Call("error", "convscope: render: "+err.Error())
			pruner.Reset()
		}
		h.viewer.dock()
	}
}

// newRenderer creates Vugu's DOM renderer without eval. domrender.New evals
// its helper script, which a Content-Security-Policy without 'unsafe-eval'
// forbids; the page loads the same script as a file (vugu-render.js, written
// by the build from Vugu's source) before this runs, and the script returns at
// once when it finds window.vuguRender. So while domrender.New runs, eval is
// replaced by a function that does nothing, and restored right after.
func newRenderer(mount string) (*domrender.JSRenderer, error) {
	win := js.Global().Get("window")
	if win.Get("vuguRender").Type() != js.TypeFunction {
		return nil, errors.New("vugu-render.js is not loaded: the page must include it before the wasm starts")
	}
	orig := win.Get("eval")
	noop := js.FuncOf(func(this js.Value, args []js.Value) any { return nil })
	defer noop.Release()
	win.Set("eval", noop)
	defer win.Set("eval", orig)
	return domrender.New(mount)
}

// resolve turns a URL relative to the page (as api/models gives them) into
// an absolute one.
func resolve(rel string) (*url.URL, error) {
	// Without the fragment: a classroom link's fragment may hold anything,
	// including escapes url.Parse refuses, and never affects the result.
	href, _, _ := strings.Cut(js.Global().Get("location").Get("href").String(), "#")
	base, err := url.Parse(href)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(rel)
	if err != nil {
		return nil, err
	}
	if u.IsAbs() || u.Host != "" {
		return nil, fmt.Errorf("refusing a model URL on another origin: %q", rel)
	}
	return base.ResolveReference(u), nil
}

// loadModels fetches api/models relative to the page, so the same code works
// under the server and from a static export at any base path.
func loadModels() ([]web.ModelEntry, error) {
	data, err := fetchBytes("api/models", maxListBytes)
	if err != nil {
		return nil, err
	}
	var list []web.ModelEntry
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("api/models: %w", err)
	}
	return list, nil
}

// fetchBytes GETs a URL relative to the page with the browser's fetch (not
// net/http, which would add megabytes of TLS and HTTP code to app.wasm for
// nothing: the browser does the HTTP) and refuses answers over limit bytes.
func fetchBytes(rel string, limit int) ([]byte, error) {
	u, err := resolve(rel)
	if err != nil {
		return nil, err
	}
	resp, err := await(js.Global().Call("fetch", u.String()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u.Path, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("%s: %d %s", u.Path, resp.Get("status").Int(), resp.Get("statusText").String())
	}
	if n := resp.Get("headers").Call("get", "Content-Length"); n.Type() == js.TypeString {
		if size, err := strconv.ParseInt(n.String(), 10, 64); err == nil && size > int64(limit) {
			return nil, fmt.Errorf("%s: %d bytes, more than %d", u.Path, size, limit)
		}
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u.Path, err)
	}
	u8 := js.Global().Get("Uint8Array").New(buf)
	n := u8.Get("byteLength").Int()
	if n > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than %d", u.Path, n, limit)
	}
	out := make([]byte, n)
	js.CopyBytesToGo(out, u8)
	return out, nil
}
