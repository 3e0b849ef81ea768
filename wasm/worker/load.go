//go:build js

package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"syscall/js"
	"time"

	"convscope/wasm/worker/session"
	"convscope/web/protocol"
)

// cacheName is the Cache API cache holding verified model files under their
// content-addressed URLs. Bump the version if what is stored changes
// meaning; old caches are then simply never read.
const cacheName = "convscope-models-v1"

// maxModelBytes bounds a download (the largest catalog model, VGG19 in
// int8, is about 150 MB; float fallbacks of imported graphs stay well under
// this). Bytes beyond it are never buffered.
const maxModelBytes = 1 << 30

// progressEvery throttles Progress messages.
const progressEvery = 100 * time.Millisecond

// load makes m.Model current: from the Cache API when it holds the URL with
// the right hash, else downloaded, verified, compiled and then cached.
func (w *worker) load(ctx context.Context, m *protocol.Load) (*protocol.Loaded, error) {
	start := time.Now()
	ref := m.Model
	cache := openCache()
	if !cache.IsUndefined() {
		if data, ok := readCache(cache, ref.URL); ok {
			loaded, err := w.use(data, ref.SHA256, m.Workers)
			if err == nil {
				loaded.FromCache = true
				loaded.Ms = float64(time.Since(start).Microseconds()) / 1000
				return loaded, nil
			}
			// A damaged entry (or one of an older format) is dropped and
			// the file fetched again.
			warn(fmt.Sprintf("cached %s is not usable (%v); downloading it again", ref.URL, err))
			await(cache.Call("delete", ref.URL))
		}
	}
	data, err := w.download(ctx, m.ID, ref)
	if err != nil {
		return nil, err
	}
	loaded, err := w.use(data, ref.SHA256, m.Workers)
	if err != nil {
		return nil, err
	}
	loaded.Ms = float64(time.Since(start).Microseconds()) / 1000
	if !cache.IsUndefined() {
		// Written after Loaded is posted: the page can classify while
		// the browser stores the file (the next request waits for it).
		w.after = func() { writeCache(cache, ref.URL, data) }
	}
	return loaded, nil
}

// use checks and decodes the model file data, gives the session the
// helpers the model is split over (a Load asking for want workers, 0: the
// default, see workerCount) and makes it current.
func (w *worker) use(data []byte, sha string, want int) (*protocol.Loaded, error) {
	m, err := session.Decode(data, sha)
	if err != nil {
		return nil, err
	}
	w.split(want, m, int64(len(data)))
	return w.sess.Use(m, data)
}

// openCache returns the models cache, or undefined where the Cache API is
// missing or refused (an insecure origin, a private window with storage
// disabled): the app then works without the offline copy.
func openCache() js.Value {
	caches := js.Global().Get("caches")
	if caches.IsUndefined() || caches.IsNull() {
		return js.Undefined()
	}
	p, err := try(func() js.Value { return caches.Call("open", cacheName) })
	if err != nil {
		warn("Cache API unavailable: " + err.Error())
		return js.Undefined()
	}
	c, err := await(p)
	if err != nil {
		warn("Cache API unavailable: " + err.Error())
		return js.Undefined()
	}
	return c
}

func readCache(cache js.Value, url string) ([]byte, bool) {
	resp, err := await(cache.Call("match", url))
	if err != nil || resp.IsUndefined() || resp.IsNull() {
		return nil, false
	}
	ab, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, false
	}
	u8 := js.Global().Get("Uint8Array").New(ab)
	n := u8.Get("byteLength").Int()
	if n > maxModelBytes {
		return nil, false
	}
	data := make([]byte, n)
	js.CopyBytesToGo(data, u8)
	return data, true
}

func writeCache(cache js.Value, url string, data []byte) {
	u8 := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(u8, data)
	init := js.Global().Get("Object").New()
	headers := js.Global().Get("Object").New()
	headers.Set("Content-Type", "application/octet-stream")
	init.Set("headers", headers)
	resp := js.Global().Get("Response").New(u8, init)
	if _, err := await(cache.Call("put", url, resp)); err != nil {
		// Quota exceeded, typically: the model works now, just not offline.
		warn(fmt.Sprintf("could not keep %s for offline use: %v", url, err))
	}
}

// download fetches ref.URL with progress, cancellable through ctx.
func (w *worker) download(ctx context.Context, id int, ref protocol.ModelRef) ([]byte, error) {
	fail := func(format string, args ...any) error {
		if ctx.Err() != nil {
			return &session.Error{Code: protocol.CodeCancelled, Err: errors.New("cancelled")}
		}
		return &session.Error{Code: protocol.CodeDownload, Err: fmt.Errorf("the model %s could not be downloaded: %s", ref.Name, fmt.Sprintf(format, args...))}
	}
	abort := js.Global().Get("AbortController").New()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			abort.Call("abort")
		case <-finished:
		}
	}()
	init := js.Global().Get("Object").New()
	init.Set("signal", abort.Get("signal"))
	// The verified file goes into the Cache API; a second copy in the HTTP
	// cache would only double the storage of a 500 MB model.
	init.Set("cache", "no-store")
	p, err := try(func() js.Value { return js.Global().Call("fetch", ref.URL, init) })
	if err != nil {
		return nil, fail("%v", err)
	}
	resp, err := await(p)
	if err != nil {
		return nil, fail("%v", err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fail("the server answered %d %s", resp.Get("status").Int(), resp.Get("statusText").String())
	}
	// Content-Length counts the bytes on the wire: with a Content-Encoding
	// (a static host that compresses on the fly) the body is longer, so the
	// length is then unknown and the hash alone checks the file.
	var length int64 = -1
	enc := resp.Get("headers").Call("get", "Content-Encoding")
	compressed := enc.Type() == js.TypeString && enc.String() != "" && enc.String() != "identity"
	if h := resp.Get("headers").Call("get", "Content-Length"); h.Type() == js.TypeString && !compressed {
		if n, err := strconv.ParseInt(h.String(), 10, 64); err == nil && n >= 0 {
			length = n
		}
	}
	total := length
	if total < 0 {
		total = ref.Bytes
	}
	if total > maxModelBytes {
		return nil, fail("it is %d bytes, more than the %d this app takes", total, maxModelBytes)
	}
	body := resp.Get("body")
	if body.IsNull() || body.IsUndefined() {
		return nil, fail("the response has no body")
	}
	reader := body.Call("getReader")
	data := make([]byte, 0, max(total, 0))
	last := time.Time{}
	progress := func(force bool) {
		if force || time.Since(last) >= progressEvery {
			last = time.Now()
			w.post(protocol.Progress{ID: id, Loaded: int64(len(data)), Total: max(total, 0)})
		}
	}
	progress(true)
	for {
		r, err := await(reader.Call("read"))
		if err != nil {
			return nil, fail("the download stopped after %d bytes: %v", len(data), err)
		}
		if r.Get("done").Bool() {
			break
		}
		chunk := r.Get("value")
		n := chunk.Get("byteLength").Int()
		if int64(len(data)+n) > maxModelBytes || (length >= 0 && int64(len(data)+n) > length) {
			reader.Call("cancel")
			return nil, fail("the server sent more bytes than announced")
		}
		old := len(data)
		data = append(data, make([]byte, n)...)
		js.CopyBytesToGo(data[old:], chunk)
		progress(false)
	}
	progress(true)
	if length >= 0 && int64(len(data)) != length {
		return nil, fail("only %d of %d bytes arrived", len(data), length)
	}
	return data, nil
}

func warn(msg string) {
	js.Global().Get("console").Call("warn", "convscope worker: "+msg)
}
