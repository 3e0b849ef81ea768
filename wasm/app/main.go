//go:build js && wasm

// Command app is the ConvScope page: it mounts the Vugu root component of
// package web on #app and renders it until the page goes away.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"syscall/js"

	"convscope/models/modelfile"
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

	buildEnv, err := vugu.NewBuildEnv(renderer.EventEnv())
	if err != nil {
		log.Fatalf("convscope: %v", err)
	}
	root := &web.Root{LoadModels: loadModels, LoadLayers: loadLayers}

	// The page's own script waits for this attribute before it hides the
	// "starting" notice; the browser tests wait for it too.
	js.Global().Get("document").Get("documentElement").Call("setAttribute", "data-wasm", "running")

	for ok := true; ok; ok = renderer.EventWait() {
		if err := renderer.Render(buildEnv.RunBuild(root)); err != nil {
			log.Fatalf("convscope: render: %v", err)
		}
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
	base, err := url.Parse(js.Global().Get("location").Get("href").String())
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

// loadLayers downloads a model file, checks that its SHA-256 is the one the
// list promised, and returns the per-layer table of its metadata. (The
// weights are checked again by the engine when a model is loaded to run.)
func loadLayers(m web.ModelEntry) ([]web.LayerRow, error) {
	u, err := resolve(m.URL)
	if err != nil {
		return nil, err
	}
	resp, err := http.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u.Path, resp.Status)
	}
	// Never read more than the list announced (plus nothing): a bigger
	// answer cannot be the file we asked for.
	data, err := io.ReadAll(io.LimitReader(resp.Body, m.Bytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != m.Bytes {
		return nil, fmt.Errorf("got %d bytes, the list says %d", len(data), m.Bytes)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != m.SHA256 {
		return nil, fmt.Errorf("the file's SHA-256 is %s, the list says %s", got, m.SHA256)
	}
	meta, _, err := modelfile.ReadMeta(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	rows := make([]web.LayerRow, len(meta.Layers))
	for i, l := range meta.Layers {
		rows[i] = web.LayerRow{Name: l.Name, Kind: string(l.Kind), Shape: l.Shape, Params: l.Params, MACs: l.MACs}
	}
	return rows, nil
}

// loadModels fetches api/models relative to the page, so the same code works
// under the server and from a static export at any base path.
func loadModels() ([]web.ModelEntry, error) {
	u, err := resolve("api/models")
	if err != nil {
		return nil, err
	}
	resp, err := http.Get(u.String())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u.Path, resp.Status)
	}
	var list []web.ModelEntry
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxListBytes))
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("%s: %w", u.Path, err)
	}
	return list, nil
}
