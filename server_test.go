package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeCatalog serves models from memory, so the server's tests do not depend
// on package models.
type fakeCatalog struct {
	models map[string][]byte
	infos  []modelInfo
}

func newFakeCatalog(files map[string][]byte) *fakeCatalog {
	c := &fakeCatalog{models: files}
	for name, data := range files {
		sum := sha256.Sum256(data)
		c.infos = append(c.infos, modelInfo{
			Name: name, Arch: "resnet20", Dataset: "cifar10", Params: 272474, MACs: 40_800_000,
			Bytes: int64(len(data)), Available: true, BuiltIn: true, SHA256: hex.EncodeToString(sum[:]),
		})
	}
	c.infos = append(c.infos, modelInfo{Name: "vgg16", Arch: "vgg16", Dataset: "imagenet", Params: 138_357_544, MACs: 15_470_000_000, Bytes: 138_500_000})
	return c
}

func (c *fakeCatalog) List() ([]modelInfo, error) { return c.infos, nil }

func (c *fakeCatalog) Open(name string) (modelFile, modelInfo, error) {
	for _, m := range c.infos {
		if m.Name == name && m.Available {
			return nopCloser{bytes.NewReader(c.models[name])}, m, nil
		}
	}
	return nil, modelInfo{}, errNoModel
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// testSite is a site folder with a few files, their precompressed variants,
// and a symlink that points outside it.
func testSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	write := func(rel, s string) {
		p := filepath.Join(site, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", "<!doctype html><title>ConvScope</title>")
	write("app.js", strings.Repeat("console.log('hello');\n", 100))
	write("samples/dog.jpg", "\xff\xd8\xff not really a jpeg")
	for _, rel := range []string{"app.js", "index.html"} {
		data, _ := os.ReadFile(filepath.Join(site, rel))
		for _, enc := range encodings {
			z, err := compress(enc.name, data)
			if err != nil {
				t.Fatal(err)
			}
			write(rel+enc.ext, string(z))
		}
	}
	secret := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(site, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(site, "up")); err != nil {
		t.Fatal(err)
	}
	return site
}

// startServer runs the real handler and http.Server on a free loopback
// port and returns its base URL.
func startServer(t testing.TB, site string, cat catalog) string {
	t.Helper()
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s := &server{site: root, models: cat, log: log}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveUntilDone(ctx, ln, s.handler(), log) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodGet, url, hdr)
}

func do(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// No transparent gzip: the tests look at Content-Encoding themselves.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func testModel() []byte {
	data := make([]byte, 300_000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return data
}

func TestSecurityHeaders(t *testing.T) {
	base := startServer(t, testSite(t), newFakeCatalog(nil))
	for _, path := range []string{"/", "/api/models", "/api/training", "/healthz", "/nope", "/models/x.0123456789abcdef.csm"} {
		resp, _ := get(t, base+path, nil)
		h := resp.Header
		if got := h.Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("%s: CSP = %q", path, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff/referrer headers missing: %v", path, h)
		}
		if h.Get("Cross-Origin-Opener-Policy") != "same-origin" || h.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Errorf("%s: not cross-origin isolated (COOP/COEP): %v", path, h)
		}
	}
	if !strings.Contains(contentSecurityPolicy, "script-src 'self' 'wasm-unsafe-eval';") || strings.Contains(contentSecurityPolicy, "'unsafe-eval'") && !strings.Contains(contentSecurityPolicy, "'wasm-unsafe-eval'") {
		t.Errorf("CSP must allow wasm compilation and nothing else: %s", contentSecurityPolicy)
	}
}

func TestNoMethodAcceptsBodies(t *testing.T) {
	base := startServer(t, testSite(t), newFakeCatalog(map[string][]byte{"tiny": []byte("x")}))
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		for _, path := range []string{"/", "/api/models", "/api/training", "/models/tiny.csm", "/classify", "/healthz"} {
			resp, body := do(t, method, base+path, nil)
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s = %d (Allow %q), want 405", method, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
			var e struct{ Error string }
			if json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("%s %s: body %q is not a JSON error", method, path, body)
			}
		}
	}
}

func TestHealthz(t *testing.T) {
	base := startServer(t, testSite(t), newFakeCatalog(nil))
	resp, body := get(t, base+"/healthz", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
}

// TestPathTraversal: no request reads a file outside the site folder,
// whatever the spelling.
func TestPathTraversal(t *testing.T) {
	site := testSite(t)
	base := startServer(t, site, newFakeCatalog(nil))
	addr := strings.TrimPrefix(base, "http://")
	abs := filepath.Join(filepath.Dir(site), "secret.txt")
	paths := []string{
		"/../secret.txt",
		"/..%2fsecret.txt",
		"/%2e%2e/secret.txt",
		"/%2e%2e%2fsecret.txt",
		"/samples/../../secret.txt",
		"/samples/..%2f..%2fsecret.txt",
		"/samples/%2e%2e/%2e%2e/secret.txt",
		"/..\\secret.txt",
		"/..%5csecret.txt",
		"/" + abs,
		"//" + abs,
		"/%2f" + strings.TrimPrefix(abs, "/"),
		"/leak.txt",      // symlink to a file outside
		"/up/secret.txt", // symlink to a folder outside
		"/up/site/index.html",
		"/etc/passwd",
		"/..%00/secret.txt",
		"/app.js.br", // variants only through negotiation
	}
	for _, p := range paths {
		// Raw requests: Go's client would clean some of these paths.
		status, body := rawGet(t, addr, p)
		if strings.Contains(body, "TOP SECRET") || strings.Contains(body, "root:") {
			t.Errorf("GET %s leaked a file outside the site: %d", p, status)
		}
		t.Logf("GET %-40s -> %d", p, status)
		if status == 200 {
			t.Errorf("GET %s = 200, want an error or redirect", p)
		}
	}
	// Following redirects must not help either.
	for _, p := range []string{"/../secret.txt", "/samples/../../secret.txt"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || strings.Contains(string(b), "TOP SECRET") {
			t.Errorf("GET %s (following redirects) = %d %q", p, resp.StatusCode, b)
		}
	}
	// The files that are there are still served.
	if status, body := rawGet(t, addr, "/samples/dog.jpg"); status != 200 || !strings.Contains(body, "not really") {
		t.Errorf("a real file: %d", status)
	}
}

// rawGet sends a request line exactly as given.
func rawGet(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPrecompressed(t *testing.T) {
	site := testSite(t)
	base := startServer(t, site, newFakeCatalog(nil))
	plain, _ := os.ReadFile(filepath.Join(site, "app.js"))
	for _, tc := range []struct{ accept, want string }{
		{"br, gzip", "br"},
		{"gzip, deflate", "gzip"},
		{"gzip;q=0, br;q=0", ""},
		{"br;q=0, gzip", "gzip"},
		{"", ""},
		{"identity", ""},
	} {
		resp, body := get(t, base+"/app.js", map[string]string{"Accept-Encoding": tc.accept})
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: no Vary", tc.accept)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("Content-Type %q", ct)
		}
		if tc.want == "" && !bytes.Equal(body, plain) {
			t.Errorf("Accept-Encoding %q: identity body differs", tc.accept)
		}
		if tc.want != "" && len(body) >= len(plain) {
			t.Errorf("Accept-Encoding %q: body not compressed (%d bytes)", tc.accept, len(body))
		}
	}
	// A variant older than its source is never served.
	old := time.Now().Add(-time.Hour)
	for _, enc := range encodings {
		os.Chtimes(filepath.Join(site, "app.js"+enc.ext), old, old)
	}
	resp, body := get(t, base+"/app.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, plain) {
		t.Errorf("stale variant served: %q", resp.Header.Get("Content-Encoding"))
	}
}

func TestModelList(t *testing.T) {
	data := testModel()
	base := startServer(t, testSite(t), newFakeCatalog(map[string][]byte{"resnet20_cifar": data}))
	resp, body := get(t, base+"/api/models", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var list []map[string]any
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d entries, want 2: %s", len(list), body)
	}
	sum := sha256.Sum256(data)
	r := list[0]
	for _, k := range []string{"name", "arch", "dataset", "params", "macs", "bytes", "top1", "top5", "available", "builtin", "sha256", "url"} {
		if _, ok := r[k]; !ok {
			t.Errorf("entry has no %q: %v", k, r)
		}
	}
	if r["sha256"] != hex.EncodeToString(sum[:]) || r["url"] != "models/resnet20_cifar."+hex.EncodeToString(sum[:])[:16]+".csm" {
		t.Errorf("entry: %v", r)
	}
	if _, ok := list[1]["url"]; ok || list[1]["available"] != false {
		t.Errorf("a missing model must have no url: %v", list[1])
	}
	if _, ok := r["Path"]; ok {
		t.Errorf("local paths must not leak: %v", r)
	}
}

func TestModelFile(t *testing.T) {
	data := testModel()
	cat := newFakeCatalog(map[string][]byte{"resnet20_cifar": data})
	base := startServer(t, testSite(t), cat)
	sum := cat.infos[0].SHA256
	url := base + "/" + modelURL(cat.infos[0])

	resp, body := get(t, url, nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("GET: %d, %d bytes", resp.StatusCode, len(body))
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", got)
	}
	etag := resp.Header.Get("ETag")
	if etag != `"`+sum+`"` {
		t.Errorf("ETag %q", etag)
	}

	t.Run("HEAD", func(t *testing.T) {
		resp, body := do(t, http.MethodHead, url, nil)
		if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(data)) {
			t.Errorf("HEAD: %d, body %d, length %d", resp.StatusCode, len(body), resp.ContentLength)
		}
	})
	t.Run("Range", func(t *testing.T) {
		resp, body := get(t, url, map[string]string{"Range": "bytes=1000-1999"})
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[1000:2000]) {
			t.Errorf("Range: %d, %d bytes", resp.StatusCode, len(body))
		}
		if got := resp.Header.Get("Content-Range"); got != "bytes 1000-1999/300000" {
			t.Errorf("Content-Range %q", got)
		}
		resp, body = get(t, url, map[string]string{"Range": "bytes=-10"})
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[len(data)-10:]) {
			t.Errorf("suffix Range: %d", resp.StatusCode)
		}
		resp, _ = get(t, url, map[string]string{"Range": "bytes=400000-"})
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("unsatisfiable Range: %d", resp.StatusCode)
		}
		// If-Range with the current ETag resumes; a stale one gets everything.
		resp, body = get(t, url, map[string]string{"Range": "bytes=10-19", "If-Range": etag})
		if resp.StatusCode != http.StatusPartialContent || len(body) != 10 {
			t.Errorf("If-Range current: %d", resp.StatusCode)
		}
		resp, body = get(t, url, map[string]string{"Range": "bytes=10-19", "If-Range": `"other"`})
		if resp.StatusCode != 200 || len(body) != len(data) {
			t.Errorf("If-Range stale: %d", resp.StatusCode)
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		resp, body := get(t, url, map[string]string{"If-None-Match": etag})
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: %d, %d bytes", resp.StatusCode, len(body))
		}
		resp, _ = get(t, url, map[string]string{"If-None-Match": `"something-else"`})
		if resp.StatusCode != 200 {
			t.Errorf("If-None-Match other: %d", resp.StatusCode)
		}
	})
	t.Run("unknown models are JSON 404s", func(t *testing.T) {
		for _, p := range []string{
			"/models/nosuch.0123456789abcdef.csm",
			"/models/vgg16.0123456789abcdef.csm",          // in the catalog, not available
			"/models/resnet20_cifar.ffffffffffffffff.csm", // another version
			"/models/resnet20_cifar." + sum[:16] + ".pth", // wrong extension
			"/models/resnet20_cifar.csm",                  // no hash
			"/models/..%2f..%2fetc%2fpasswd.0123456789abcdef.csm",
			"/models/",
			"/api/nothing",
		} {
			resp, body := get(t, base+p, nil)
			var e struct{ Error string }
			if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("GET %s = %d %q %q, want a JSON 404", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		}
	})
}

func TestParseModelFile(t *testing.T) {
	for _, tc := range []struct {
		in, name, prefix string
		ok               bool
	}{
		{"resnet20_cifar.0123456789abcdef.csm", "resnet20_cifar", "0123456789abcdef", true},
		{"vgg16_bn.fedcba9876543210.csm", "vgg16_bn", "fedcba9876543210", true},
		{"a.b.0123456789abcdef.csm", "a.b", "0123456789abcdef", true},
		{"Upper.0123456789abcdef.csm", "", "", false},
		{"resnet.0123456789ABCDEF.csm", "", "", false},
		{"resnet.0123.csm", "", "", false},
		{".0123456789abcdef.csm", "", "", false},
		{"x.0123456789abcdef", "", "", false},
	} {
		name, prefix, ok := parseModelFile(tc.in)
		if name != tc.name || prefix != tc.prefix || ok != tc.ok {
			t.Errorf("parseModelFile(%q) = %q, %q, %v", tc.in, name, prefix, ok)
		}
	}
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip;q=1.0, br;q=0", "br", false},
		{"GZIP", "gzip", true},
		{"gzip; q=0.5", "gzip", true},
		{"gzip; q=0", "gzip", false},
		{"*", "br", false},
		{"brotli", "br", false},
	} {
		if got := acceptsEncoding(tc.header, tc.coding); got != tc.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v", tc.header, tc.coding, got)
		}
	}
}

// slowCatalog's file blocks in Read until release is closed, to hold a
// request in flight.
type slowCatalog struct {
	fakeCatalog
	started chan struct{}
	release chan struct{}
}

type slowFile struct {
	modelFile
	c    *slowCatalog
	once bool
}

func (f *slowFile) Read(p []byte) (int, error) {
	if !f.once {
		f.once = true
		close(f.c.started)
		<-f.c.release
	}
	return f.modelFile.Read(p)
}

func (c *slowCatalog) Open(name string) (modelFile, modelInfo, error) {
	f, info, err := c.fakeCatalog.Open(name)
	if err != nil {
		return nil, info, err
	}
	return &slowFile{modelFile: f, c: c}, info, nil
}

// TestGracefulShutdown: after the signal, a download in flight completes and
// the server stops accepting connections.
func TestGracefulShutdown(t *testing.T) {
	data := testModel()
	cat := &slowCatalog{fakeCatalog: *newFakeCatalog(map[string][]byte{"m": data}), started: make(chan struct{}), release: make(chan struct{})}
	root, err := os.OpenRoot(testSite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &server{site: root, models: cat, log: log}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveUntilDone(ctx, ln, s.handler(), log) }()

	got := make(chan []byte, 1)
	go func() {
		resp, err := http.Get(base + "/" + modelURL(cat.infos[0]))
		if err != nil {
			got <- nil
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- b
	}()
	<-cat.started
	cancel() // as SIGINT does
	time.Sleep(100 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("the server still accepts connections after shutdown began")
	}
	close(cat.release)
	if b := <-got; !bytes.Equal(b, data) {
		t.Errorf("in-flight download got %d bytes, want %d", len(b), len(data))
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveUntilDone: %v", err)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("server did not stop")
	}
}
