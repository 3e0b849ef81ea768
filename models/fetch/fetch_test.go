package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// payload stands for a checkpoint: the converter below only copies it.
var payload = bytes.Repeat([]byte("convscope checkpoint bytes "), 5000)

// source names payload the way torchvision names files: with the first 8
// hex digits of its SHA-256.
func source(t *testing.T) Source {
	sum := sha256.Sum256(payload)
	return Source{Name: "tiny", File: "tiny-" + hex.EncodeToString(sum[:])[:8] + ".pth", Arch: "tiny"}
}

// copyConvert "converts" by copying the checkpoint, so the test can check
// that the stored model came from the verified bytes.
func copyConvert(_ context.Context, _ Source, checkpoint, dst string) error {
	b, err := os.ReadFile(checkpoint)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func newFetcher(t *testing.T, srv *httptest.Server) *Fetcher {
	return &Fetcher{Dir: t.TempDir(), Convert: copyConvert, BaseURL: srv.URL + "/models/", Client: srv.Client()}
}

// assertEmpty fails if the models directory holds anything.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		t.Errorf("leftover in models dir: %s", e.Name())
	}
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchSuccess(t *testing.T) {
	src := source(t)
	var hits int
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path != "/models/"+src.File {
			http.NotFound(w, r)
			return
		}
		w.Write(payload)
	})
	f := newFetcher(t, srv)
	var log bytes.Buffer
	f.Progress = &log
	path, err := f.Fetch(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(f.Dir, "tiny.csm") {
		t.Errorf("path %s", path)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("stored model: %d bytes, err %v", len(got), err)
	}
	if es, _ := os.ReadDir(f.Dir); len(es) != 1 {
		t.Errorf("models dir holds %d entries, want only tiny.csm", len(es))
	}
	// Not a terminal: a start line and an end line, nothing else.
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "downloading "+src.File) || !strings.HasPrefix(lines[1], "downloaded "+src.File) {
		t.Errorf("progress log:\n%s", log.String())
	}
	// An existing model is not fetched again.
	if _, err := f.Fetch(context.Background(), src); !errors.Is(err, ErrExists) {
		t.Errorf("second fetch: %v, want ErrExists", err)
	}
	if hits != 1 {
		t.Errorf("%d requests, want 1", hits)
	}
}

func TestFetch404(t *testing.T) {
	srv := serve(t, http.NotFound)
	f := newFetcher(t, srv)
	_, err := f.Fetch(context.Background(), source(t))
	if err == nil || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("error %v, want 404 Not Found", err)
	}
	assertEmpty(t, f.Dir)
}

// TestFetchTruncated: the server promises the whole file in Content-Length
// and closes the connection halfway.
func TestFetchTruncated(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload[:len(payload)/2])
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	f := newFetcher(t, srv)
	_, err := f.Fetch(context.Background(), source(t))
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("error %v, want truncated", err)
	}
	assertEmpty(t, f.Dir)
}

func TestFetchTampered(t *testing.T) {
	bad := bytes.Clone(payload)
	bad[len(bad)/3] ^= 1
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(bad) })
	f := newFetcher(t, srv)
	_, err := f.Fetch(context.Background(), source(t))
	if err == nil || !strings.Contains(err.Error(), "corrupt or was tampered with") {
		t.Fatalf("error %v, want a hash mismatch", err)
	}
	assertEmpty(t, f.Dir)
}

// TestFetchInterrupted: the server sends part of the file and hangs; the
// context is cancelled (as SIGINT does in the fetch command).
func TestFetchInterrupted(t *testing.T) {
	sent := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload[:1000])
		w.(http.Flusher).Flush()
		close(sent)
		<-r.Context().Done() // hang until the client goes away
	})
	f := newFetcher(t, srv)
	var bar bytes.Buffer
	f.Progress, f.Terminal = &bar, true
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sent
		time.Sleep(50 * time.Millisecond) // let the client read what was sent
		cancel()
	}()
	_, err := f.Fetch(ctx, source(t))
	if err == nil || !strings.Contains(err.Error(), "interrupted") || !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want interrupted (context canceled)", err)
	}
	assertEmpty(t, f.Dir)
}

// TestFetchConvertFails: a checkpoint that verifies but does not convert
// leaves nothing either, even if the converter wrote part of its output.
func TestFetchConvertFails(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(payload) })
	f := newFetcher(t, srv)
	f.Convert = func(_ context.Context, _ Source, _, dst string) error {
		os.WriteFile(dst, []byte("half"), 0o644)
		return errors.New("conv1.weight: shape (64, 3, 7, 7), want (64, 3, 11, 11)")
	}
	_, err := f.Fetch(context.Background(), source(t))
	if err == nil || !strings.Contains(err.Error(), "conv1.weight") {
		t.Fatalf("error %v", err)
	}
	assertEmpty(t, f.Dir)
}

func TestProgressTerminal(t *testing.T) {
	clock := time.Unix(0, 0)
	now = func() time.Time { return clock }
	defer func() { now = time.Now }()
	var buf bytes.Buffer
	p := newProgress(&buf, true, "x.pth", 4<<20)
	for range 4 {
		clock = clock.Add(500 * time.Millisecond)
		p.Write(make([]byte, 1<<20))
	}
	p.done(nil)
	out := buf.String()
	for _, want := range []string{"\rx.pth [======                  ] 1.0 MB / 4.0 MB  25%  2.0 MB/s", "4.0 MB / 4.0 MB 100%  2.0 MB/s\x1b[K\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output %q lacks %q", out, want)
		}
	}
	if n := strings.Count(out, "\r"); n != 5 {
		t.Errorf("%d redraws, want 5", n)
	}
}

func TestHashPrefix(t *testing.T) {
	for file, want := range map[string]string{
		"resnet18-f37072fd.pth":    "f37072fd",
		"alexnet-owt-7be5be79.pth": "7be5be79",
		"vgg16-397923af.pth":       "397923af",
		"model.pth":                "",
		"model-XYZ12345.pth":       "",
	} {
		got, err := hashPrefix(file)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("hashPrefix(%q) = %q, %v; want %q", file, got, err, want)
		}
	}
}
