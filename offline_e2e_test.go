package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"convscope/internal/browsertest"
)

// The offline tests check the service worker (static/sw.js, build_sw.go):
// after one visit the page reloads and classifies with the server gone, from
// the real server and from a static export; a new build replaces the cached
// one on the next visits; a half-deployed build never replaces it.

// TestOfflineManifest: the manifest lists the site's files with their hashes
// and no compressed variant; its version follows their content; sw.js gets
// that version.
func TestOfflineManifest(t *testing.T) {
	site := t.TempDir()
	write := func(rel, s string) {
		p := filepath.Join(site, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", "<!doctype html>")
	write("index.html.br", "compressed")
	write("index.html.gz", "compressed")
	write("samples/a.jpg", "\xff\xd8\xff")
	write("samples/a.jpg.gz", "not a variant: JPEGs have none, so this is a file of its own")
	write("sw.js", "old")
	write("sw-manifest.json", "{}")
	write(".tmp-app.wasm-123", "half written")
	m, err := siteManifest(site)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); got != "index.html samples/a.jpg samples/a.jpg.gz" {
		t.Errorf("manifest lists %q", got)
	}
	if f, sum := m.Files[0], sha256.Sum256([]byte("<!doctype html>")); f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != 15 {
		t.Errorf("index.html: %+v", f)
	}
	write("samples/a.jpg", "\xff\xd8\xff\xd9")
	m2, err := siteManifest(site)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Version == m.Version || len(m.Version) != 16 {
		t.Errorf("versions %q and %q: a changed file must change the version", m.Version, m2.Version)
	}

	sw, err := stampServiceWorker([]byte(`const BUILD = "@BUILD@";`), m.Version)
	if err != nil || string(sw) != `const BUILD = "`+m.Version+`";` {
		t.Errorf("stamped: %q, %v", sw, err)
	}
	for _, bad := range []string{`const BUILD = "dev";`, `"@BUILD@" "@BUILD@"`} {
		if _, err := stampServiceWorker([]byte(bad), m.Version); err == nil {
			t.Errorf("%q was stamped", bad)
		}
	}
	os.Remove(filepath.Join(site, "index.html"))
	if _, err := siteManifest(site); err == nil {
		t.Error("a site without index.html got a manifest")
	}
}

// offlineServer serves a site on a fixed address that survives a stop: the
// page's origin (scheme, host, port) must stay the same for its service
// worker and caches.
type offlineServer struct {
	t    *testing.T
	addr string
	srv  *httptest.Server
}

func (o *offlineServer) start(h http.Handler) {
	o.t.Helper()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		o.t.Fatalf("listening on %s again: %v", o.addr, err)
	}
	o.addr = ln.Addr().String()
	o.srv = httptest.NewUnstartedServer(h)
	o.srv.Listener.Close()
	o.srv.Listener = ln
	o.srv.Start()
}

// stop closes the listener and every connection: requests then fail as with
// the server process stopped.
func (o *offlineServer) stop() {
	if o.srv != nil {
		o.srv.Close()
		o.srv = nil
	}
}

func (o *offlineServer) url() string { return "http://" + o.addr + "/" }

// siteHandler is the real server's handler on a site directory.
func siteHandler(t *testing.T, site string, cat catalog) http.Handler {
	t.Helper()
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return (&server{site: root, models: cat, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handler()
}

// newBuildOf copies site as a new build whose index.html carries a marker
// (a changed file, as a real rebuild has), with its own manifest and sw.js
// (static/sw.js, changed by patch unless nil).
func newBuildOf(t *testing.T, site, marker string, patch func(*testing.T, string) string) string {
	t.Helper()
	root := t.TempDir()
	dst := filepath.Join(root, "build", "site")
	if err := copyTree(site, dst); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("static", swSource))
	if err != nil {
		t.Fatal(err)
	}
	if patch != nil {
		src = []byte(patch(t, string(src)))
	}
	os.MkdirAll(filepath.Join(root, "static"), 0o755)
	if err := os.WriteFile(filepath.Join(root, "static", swSource), src, 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dst, "index.html")
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html = []byte(strings.Replace(string(html), "<head>", `<head><meta name="convscope-test-build" content="`+marker+`">`, 1))
	// A newer mtime than index.html.br and .gz: the server skips the stale
	// variants and serves this file.
	if err := os.WriteFile(page, html, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(page, later, later)
	b := &builder{root: root, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := b.writeServiceWorker(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{swSource, swManifest} {
		os.Chtimes(filepath.Join(dst, f), later, later)
	}
	return dst
}

// holdDrop patches a build's sw.js so that deleting the other builds' shell
// caches (deleteOtherBuilds) waits until a page posts it "convscope-test-drop":
// as slow a cleanup as the test wants (on a loaded machine, deleting the old
// build's 41 MB cache took long enough to keep the page after an update on
// "Loading" for good when activation waited for it).
func holdDrop(t *testing.T, sw string) string {
	t.Helper()
	for _, p := range []struct{ old, new string }{
		{`"use strict";`, `"use strict";
let testDropGo;
const testDropHeld = new Promise((go) => { testDropGo = go; });
self.addEventListener("message", (e) => {
	if (e.data === "convscope-test-drop") {
		testDropGo();
		e.waitUntil(dropOtherBuilds());
	}
});`},
		{"async function deleteOtherBuilds() {", "async function deleteOtherBuilds() {\n\tawait testDropHeld;"},
	} {
		if n := strings.Count(sw, p.old); n != 1 {
			t.Fatalf("static/sw.js has %q %d times, want once: the test cannot hold its cleanup", p.old, n)
		}
		sw = strings.Replace(sw, p.old, p.new, 1)
	}
	return sw
}

// shellCaches lists the shell caches in a jsSWState answer.
func shellCaches(state string) []string {
	var s struct{ Caches []string }
	json.Unmarshal([]byte(state), &s)
	var shells []string
	for _, c := range s.Caches {
		if strings.HasPrefix(c, "convscope-shell ") {
			shells = append(shells, c)
		}
	}
	return shells
}

func readManifest(t *testing.T, site string) swManifestFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(site, swManifest))
	if err != nil {
		t.Fatal(err)
	}
	var m swManifestFile
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// untilJS evaluates an async expression (a promise of a string) until it
// gives a non-empty string.
func untilJS(a appPage, what, expr string, timeout time.Duration) string {
	a.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var s string
		a.eval(expr, &s)
		if s != "" {
			return s
		}
		if time.Now().After(deadline) {
			a.p.Screenshot("failed")
			a.t.Fatalf("%s: not after %v", what, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// JavaScript read by the tests.
const (
	jsController = `navigator.serviceWorker.controller ? "ok" : ""`
	// The service worker's state, its build and the caches of the origin.
	jsSWState = `(async () => {
		const reg = await navigator.serviceWorker.getRegistration();
		const state = (w) => w ? w.state : null;
		return JSON.stringify({active: state(reg && reg.active), waiting: state(reg && reg.waiting), installing: state(reg && reg.installing), caches: await caches.keys(),
			build: document.querySelector('meta[name=convscope-test-build]')?.content || "1"});
	})()`
	// Checks for a new sw.js now and waits for the outcome of its install.
	jsUpdate = `(async () => {
		const reg = await navigator.serviceWorker.getRegistration();
		try { await reg.update(); } catch (e) { return "update failed: " + e.message; }
		const w = reg.installing;
		if (!w) return "nothing to install";
		await new Promise((done) => {
			const check = () => { if (w.state !== "installing") done(); };
			w.addEventListener("statechange", check);
			check();
		});
		return w.state;
	})()`
	jsInstalled   = `(async () => { const s = JSON.parse(await ` + jsSWState + `); return s.installing ? "" : JSON.stringify(s); })()`
	jsModelCached = `caches.open("convscope-models-v1").then((c) => c.keys()).then((k) => k.map((r) => r.url).join(" "))`
)

// visit loads the page, waits for the default model and classifies a
// sample; it returns the top-5 and how long it took.
// A stuck wait prints the page's state (see stuck).
func offlineVisit(a appPage, n *netLog, url string) (string, time.Duration) {
	a.t.Helper()
	start := time.Now()
	n.reset()
	if err := a.p.Navigate(url); err != nil {
		a.t.Fatal(err)
	}
	wait := func(expr string) {
		a.t.Helper()
		if _, err := a.p.WaitJS(expr, 2*time.Minute); err != nil {
			a.p.Screenshot("failed")
			a.t.Fatalf("%v after %v of the visit%s", err, time.Since(start).Round(time.Millisecond), a.stuck(n))
		}
	}
	wait(`document.querySelector("html[data-wasm=running] #file-input") && document.querySelector("#layer-table") && !document.querySelector("#download") && "ok"`)
	before := a.runs()
	if err := a.p.Click(`#samples button.sample[data-sample="ship"]`); err != nil {
		a.t.Fatal(err)
	}
	wait(fmt.Sprintf(`Number(document.querySelector("#result").dataset.runs) > %d && !document.querySelector("#run") && "ok"`, before))
	top := a.top5()
	if len(top) != 5 {
		a.t.Fatalf("top-5 has %d rows", len(top))
	}
	var s []string
	for _, p := range top {
		s = append(s, fmt.Sprintf("%s %.4f", p.Label, p.Prob))
	}
	return strings.Join(s, ", "), time.Since(start)
}

func TestOfflineE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	cat, err := newCatalog(t.TempDir()) // the built-in models only
	if err != nil {
		t.Fatal(err)
	}
	list, err := modelList(cat)
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, site)
	sw, err := os.ReadFile(filepath.Join(site, swSource))
	if err != nil || !strings.Contains(string(sw), `const BUILD = "`+m.Version+`";`) {
		t.Fatalf("build/site/sw.js does not carry the manifest's version %s (%v)", m.Version, err)
	}
	var total int64
	for _, f := range m.Files {
		total += f.Bytes
	}
	t.Logf("build %s: %d files, %.1f MB to precache", m.Version, len(m.Files), float64(total)/1e6)

	// One visit online, one with the server stopped.
	offline := func(t *testing.T, srv *offlineServer, h http.Handler) (appPage, *netLog) {
		a := appPage{t: t, p: browser.NewPage(t)}
		n := watchNetwork(a)
		srv.start(h)
		first, took := offlineVisit(a, n, srv.url())
		t.Logf("online visit to first top-5 (sample ship, %s): %v: %s", firstSelected(a), took.Round(time.Millisecond), first)
		start := time.Now()
		untilJS(a, "the service worker controls the page", `Promise.resolve(`+jsController+`)`, 3*time.Minute)
		cached := untilJS(a, "the model is in the Cache API", jsModelCached, time.Minute)
		var state string
		a.eval(jsSWState, &state)
		t.Logf("service worker in control %v after the top-5; %s; models cached: %s", time.Since(start).Round(time.Millisecond), state, cached)

		srv.stop()
		if resp, err := http.Get(srv.url()); err == nil {
			resp.Body.Close()
			t.Fatal("the server still answers after stop")
		}
		again, took := offlineVisit(a, n, srv.url())
		t.Logf("offline reload to top-5: %v: %s", took.Round(time.Millisecond), again)
		// The service worker's copies carry COOP/COEP (even from a static
		// host that sent none): offline the page can still split the
		// model over every core.
		var isolated string
		a.eval("String(self.crossOriginIsolated)", &isolated)
		if isolated != "true" {
			t.Error("offline, the page is not cross-origin isolated: the service worker's responses lack COOP/COEP")
		}
		if again != first {
			t.Errorf("offline top-5 %q differs from the online one %q", again, first)
		}
		rows, _ := a.p.Count("#model-table tbody tr")
		if rows != len(list) {
			t.Errorf("offline the model table has %d rows, api/models had %d", rows, len(list))
		}
		a.p.Screenshot("offline")
		return a, n
	}

	t.Run("server", func(t *testing.T) {
		var state string
		srv := &offlineServer{t: t, addr: "127.0.0.1:0"}
		defer srv.stop()
		a, n := offline(t, srv, siteHandler(t, site, cat))

		// The server comes back with a new build: the visit after it is
		// found (and precached in the background) runs it, and the old
		// build's cache is gone. Build 2 deletes it only when the test
		// says so: the visit must not wait for that cleanup (its service
		// worker activates, and holds the page's requests meanwhile, before
		// it).
		site2 := newBuildOf(t, site, "2", holdDrop)
		srv.start(siteHandler(t, site2, cat))
		v2 := readManifest(t, site2).Version
		// update checks for the new sw.js at once (a visit would too, in
		// the background) and wants its install to end in the state want.
		update := func(build, want string) {
			t.Helper()
			var upd string
			a.eval(jsUpdate, &upd)
			a.eval(jsSWState, &state)
			t.Logf("%s's service worker: %s; %s", build, upd, state)
			if upd != want {
				t.Errorf("%s's service worker is %s, want %s", build, upd, want)
			}
		}
		// An install cut short (browser closed, worker stopped) leaves a
		// half-written cache of another build: it must neither be handed
		// over to nor keep build 2 from taking over.
		a.eval(`caches.open("convscope-shell / cut-short").then((c) => c.put("/", new Response("half"))).then(() => "ok")`, &state)
		update("build 2", "installed") // and waiting
		top, took := offlineVisit(a, n, srv.url())
		a.eval(jsSWState, &state)
		t.Logf("visit after the update: %v, %s; %s", took.Round(time.Millisecond), top, state)
		var s struct {
			Active, Waiting *string
			Caches          []string
			Build           string
		}
		json.Unmarshal([]byte(state), &s)
		if s.Build != "2" || s.Waiting != nil {
			t.Errorf("the page runs build %s (waiting worker %v), want build 2 running", s.Build, s.Waiting)
		}
		// Build 1's cache is still there: the visit ran with the cleanup held.
		if shells := shellCaches(state); !slices.ContainsFunc(shells, func(c string) bool { return strings.HasSuffix(c, " "+m.Version) }) {
			t.Fatalf("shell caches %q: build 1's (%s) went before the test let build 2 delete it", shells, m.Version)
		}
		var posted string
		a.eval(`(async () => { (await navigator.serviceWorker.ready).active.postMessage("convscope-test-drop"); return "ok"; })()`, &posted)
		state = untilJS(a, "build 1's cache deleted", `(async () => { const s = JSON.parse(await `+jsSWState+`); return s.caches.filter((c) => c.startsWith("convscope-shell ")).length === 1 ? JSON.stringify(s) : ""; })()`, time.Minute)
		if shells := shellCaches(state); len(shells) != 1 || !strings.HasSuffix(shells[0], " "+v2) {
			t.Errorf("shell caches %q, want only build %s's", shells, v2)
		}

		// A half-deployed build 3 (style.css changed after its manifest was
		// written): its service worker refuses to install, build 2 stays.
		site3 := newBuildOf(t, site, "3", nil)
		css := filepath.Join(site3, "style.css")
		if err := os.WriteFile(css, []byte("body { color: red; }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(2 * time.Hour)
		os.Chtimes(css, later, later)
		srv.stop()
		srv.start(siteHandler(t, site3, cat))
		update("half-deployed build 3", "redundant") // its install failed
		top3, _ := offlineVisit(a, n, srv.url())
		// The visit checks for an update again: wait for that install too.
		state = untilJS(a, "no service worker installing", jsInstalled, 3*time.Minute)
		json.Unmarshal([]byte(state), &s)
		if s.Build != "2" || s.Waiting != nil || strings.Contains(state, readManifest(t, site3).Version) {
			t.Errorf("after a half-deployed build 3: %s", state)
		}
		if top3 != top {
			t.Errorf("build 2 classifies differently after the failed update: %q vs %q", top3, top)
		}
		a.p.CheckNoErrors()
	})

	t.Run("export", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "export")
		if _, err := exportSite(site, cat, out); err != nil {
			t.Fatal(err)
		}
		srv := &offlineServer{t: t, addr: "127.0.0.1:0"}
		defer srv.stop()
		a, _ := offline(t, srv, http.FileServer(http.Dir(out)))
		a.p.CheckNoErrors()
	})
}

// TestOfflineBuild: the build writes sw.js and sw-manifest.json, a second
// build is quiet, a changed file changes both, and without static/sw.js
// both leave the site.
func TestOfflineBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm binary; skipped in -short mode")
	}
	dir := tinyModule(t)
	src := filepath.Join(dir, "static", swSource)
	if err := os.WriteFile(src, []byte("const BUILD = \"@BUILD@\";\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newBuilder(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	build := func() []string {
		t.Helper()
		b.built, b.removed = nil, nil
		if err := b.build(); err != nil {
			t.Fatal(err)
		}
		return b.built
	}
	site := b.siteDir()
	stamped := func() (string, string) {
		t.Helper()
		sw, err := os.ReadFile(filepath.Join(site, swSource))
		if err != nil {
			t.Fatal(err)
		}
		return string(sw), readManifest(t, site).Version
	}
	first := build()
	for _, want := range []string{swSource, swManifest, swSource + ".br", swManifest + ".gz"} {
		if !slices.Contains(first, want) {
			t.Errorf("the build did not write %s: %v", want, first)
		}
	}
	sw, v1 := stamped()
	if sw != `const BUILD = "`+v1+`";`+"\n" {
		t.Errorf("sw.js is %q, manifest version %s", sw, v1)
	}
	if again := build(); len(again) != 0 || len(b.removed) != 0 {
		t.Errorf("second build: rebuilt %v, removed %v", again, b.removed)
	}
	css := filepath.Join(dir, "static", "style.css")
	os.WriteFile(css, []byte("body { color: navy; }\n"), 0o644)
	later := time.Now().Add(time.Minute)
	os.Chtimes(css, later, later)
	got := build()
	if sw, v2 := stamped(); v2 == v1 || !strings.Contains(sw, v2) || !slices.Contains(got, swSource) || !slices.Contains(got, swManifest) {
		t.Errorf("after editing style.css: rebuilt %v, version %s -> %s, sw.js %q", got, v1, v2, sw)
	}
	os.Remove(src)
	build()
	for _, gone := range []string{swSource, swManifest, swManifest + ".br"} {
		if _, err := os.Stat(filepath.Join(site, gone)); err == nil {
			t.Errorf("%s stayed in the site after static/sw.js was removed", gone)
		}
	}
}

// TestEngineStartE2E: an engine worker whose script never arrives (after an
// update, a service worker's activation held worker.js: see static/sw.js)
// gives the page an error once startTimeout (wasm/app/worker.go) has passed,
// not "Loading" for good.
func TestEngineStartE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	cat, err := newCatalog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := siteHandler(t, site, cat)
	held := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/worker.js" {
			select { // never answered while the test runs
			case <-held:
			case <-r.Context().Done():
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(held) // before Close, which waits for the handlers
	a := appPage{t: t, p: browser.NewPage(t)}
	start := time.Now()
	if err := a.p.Navigate(srv.URL); err != nil {
		t.Fatal(err)
	}
	alert := a.wait(`(document.querySelector("#alert")?.textContent || "").includes("the engine did not start") && document.querySelector("#alert").textContent`, 3*time.Minute)
	t.Logf("after %v: %s", time.Since(start).Round(time.Millisecond), alert)
}
