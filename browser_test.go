package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"convscope/internal/browsertest"
	"convscope/models/modelfile"

	"github.com/chromedp/chromedp"
)

// buildSite brings build/site of this module up to date (the same build
// `go run .` does; it is quick when nothing changed).
func buildSite(t *testing.T) string {
	t.Helper()
	root, err := findModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(root, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	start := time.Now()
	if err := b.build(); err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Logf("build: %v, rebuilt %d outputs", time.Since(start).Round(time.Millisecond), len(b.built))
	return b.siteDir()
}

// TestBrowserSmoke loads the app in headless Chromium, from the real server
// and from a static export served by http.FileServer: the page loads with
// no console error, the wasm starts, and the model table lists exactly the
// models of api/models.
func TestBrowserSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	// A real model file in the models folder, so that one row can be
	// opened: the page downloads it, checks its hash, shows its layers.
	modelsDir := t.TempDir()
	tiny := tinyModelBytes(t, "mytiny", 5)
	if err := modelfile.WriteBytes(filepath.Join(modelsDir, "mytiny.csm"), tiny); err != nil {
		t.Fatal(err)
	}
	meta, _, err := modelfile.ReadMeta(bytes.NewReader(tiny))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := newCatalog(modelsDir)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("server", func(t *testing.T) {
		p := checkApp(t, browser, startServer(t, site, cat), meta)
		// The browser enforces the server's Content-Security-Policy: a
		// script injected into the page does not run, and is reported.
		if ran := injectInlineScript(t, p); ran != "no" {
			t.Errorf("an injected inline script ran (%q): the CSP is not enforced", ran)
		}
		// The violation reaches the console a moment later.
		reported := func() bool {
			return slices.ContainsFunc(p.Errors(), func(m chromedp.ConsoleMessage) bool { return strings.Contains(m.Text, "Content Security Policy") })
		}
		for deadline := time.Now().Add(10 * time.Second); !reported() && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
		if !reported() {
			t.Errorf("no CSP violation was reported for the injected script: %v", p.Errors())
		}
	})
	t.Run("export", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "export")
		if _, err := exportSite(site, cat, out); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.FileServer(http.Dir(out)))
		defer srv.Close()
		p := checkApp(t, browser, srv.URL, meta)
		// The control for the CSP check above: a plain file server sends no
		// policy, so there the same injected script runs.
		if ran := injectInlineScript(t, p); ran != "yes" {
			t.Errorf("without a CSP the injected script did not run (%q): the CSP check proves nothing", ran)
		}
	})
}

func checkApp(t *testing.T, browser *browsertest.Browser, base string, tiny *modelfile.Meta) *browsertest.Page {
	resp, err := http.Get(base + "/api/models")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var list []modelEntry
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("api/models: %v: %.200s", err, body)
	}

	p := browser.NewPage(t)
	start := time.Now()
	if err := p.Navigate(base + "/"); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitVisible("html[data-wasm=running] #model-table", 90*time.Second); err != nil {
		p.Screenshot("failed")
		t.Fatal(err)
	}
	t.Logf("page load to model table: %v", time.Since(start).Round(time.Millisecond))
	caption, err := p.Text("#model-table caption")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d models, ", len(list)); !strings.HasPrefix(caption, want) {
		t.Errorf("caption %q, want it to start with %q", caption, want)
	}
	n, err := p.Count("#model-table tbody tr")
	if err != nil {
		t.Fatal(err)
	}
	if n != len(list) {
		t.Errorf("table has %d rows, api/models has %d models", n, len(list))
	}
	for _, m := range list {
		txt, err := p.Text(`#model-table tr[data-model="` + m.Name + `"] th`)
		if err != nil || txt != m.Name {
			t.Errorf("row of %s: %q, %v", m.Name, txt, err)
		}
	}
	if title, err := p.Text("h1"); err != nil || title != "ConvScope" {
		t.Errorf("h1 = %q, %v", title, err)
	}
	names := make([]string, len(list))
	for i, m := range list {
		names[i] = m.Name
	}
	t.Logf("models listed: %v", slices.Compact(names))
	if _, err := p.Screenshot("app"); err != nil {
		t.Error(err)
	}

	// Open the available model's layer table.
	if err := p.Click(`#model-table tr[data-model="mytiny"] button.show-layers`); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitVisible("#layer-table", 30*time.Second); err != nil {
		p.Screenshot("layers-failed")
		t.Fatal(err)
	}
	rows, err := p.Count("#layer-table tbody tr")
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(tiny.Layers) || rows == 0 {
		t.Errorf("layer table has %d rows, the model file has %d layers", rows, len(tiny.Layers))
	}
	first, err := p.Text("#layer-table tbody tr th")
	if err != nil || first != tiny.Layers[0].Name {
		t.Errorf("first layer %q, %v; want %q", first, err, tiny.Layers[0].Name)
	}
	if _, err := p.Screenshot("layers"); err != nil {
		t.Error(err)
	}
	p.CheckNoErrors()
	return p
}

// injectInlineScript adds an inline <script> to the page and reports whether
// it ran ("yes" or "no"). DevTools' own evaluation is exempt from the page's
// CSP, the injected element is not.
func injectInlineScript(t *testing.T, p *browsertest.Page) string {
	t.Helper()
	got, err := p.WaitJS(`(() => { window.inlineRan = "no"; const s = document.createElement("script"); s.textContent = "window.inlineRan = 'yes'"; document.head.appendChild(s); return window.inlineRan; })()`, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
