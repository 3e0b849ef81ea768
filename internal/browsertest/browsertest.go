// Package browsertest drives headless Chromium from Go tests: it starts the
// browser with the flags of DESIGN.md and a fresh profile, opens pages,
// collects everything the page writes to the console (so a test can assert
// there were no errors), and saves screenshots where the test prints them.
//
// A test that needs a browser calls Start, which skips the test with a
// message when Chromium is not installed.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"convscope/internal/chromium"
)

// DefaultExecPath is where Debian's chromium package puts the browser;
// $CHROMIUM overrides it.
const DefaultExecPath = "/usr/bin/chromium"

// DefaultTimeout bounds each helper call (navigation, waits, clicks).
const DefaultTimeout = 60 * time.Second

// Browser is one headless Chromium with its own temporary profile.
type Browser struct {
	ctx    context.Context // browser context: tabs are children of it
	cancel func()
}

// ExecPath returns the Chromium binary to use, or "" when there is none.
func ExecPath() string {
	p := os.Getenv("CHROMIUM")
	if p == "" {
		p = DefaultExecPath
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return ""
	}
	return p
}

// Start launches Chromium for the test and stops it when the test ends. It
// skips the test when Chromium is missing.
func Start(t testing.TB) *Browser {
	t.Helper()
	exe := ExecPath()
	if exe == "" {
		t.Skipf("Chromium not found at %s (install Debian's chromium, as scripts/setup.sh does, or set $CHROMIUM)", DefaultExecPath)
	}
	opts := append(chromium.Options(exe, t.TempDir()),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// The first Run starts the browser and binds it to ctx, which has no
	// timeout (see chromedp.NewContext).
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		allocCancel()
		t.Fatalf("starting Chromium (%s): %v", exe, err)
	}
	b := &Browser{ctx: ctx, cancel: func() { cancel(); allocCancel() }}
	t.Cleanup(b.cancel)
	return b
}

// Page is one tab, with the console messages it has produced.
type Page struct {
	t      testing.TB
	ctx    context.Context
	cancel func()

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

// NewPage opens a blank tab and starts collecting its console.
func (b *Browser) NewPage(t testing.TB) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("opening a tab: %v", err)
	}
	p := &Page{t: t, ctx: ctx, cancel: cancel}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.messages = append(p.messages, m)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(cancel)
	return p
}

// Context returns the tab's chromedp context, for actions the helpers do not
// cover. Derive timeouts from it; never cancel it.
func (p *Page) Context() context.Context { return p.ctx }

// Do runs actions on the tab with DefaultTimeout.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// Navigate loads url and waits for the load event.
func (p *Page) Navigate(url string) error {
	if err := p.Do(chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("navigate to %s: %w", url, err)
	}
	return nil
}

// WaitVisible waits until the CSS selector matches a visible element.
func (p *Page) WaitVisible(sel string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		return fmt.Errorf("waiting for %q: %w (console: %s)", sel, err, p.summary())
	}
	return nil
}

// Click clicks the element the CSS selector matches.
func (p *Page) Click(sel string) error {
	if err := p.Do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		return fmt.Errorf("click %q: %w", sel, err)
	}
	return nil
}

// Text returns the visible text of the element the selector matches.
func (p *Page) Text(sel string) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Count returns how many elements match a CSS selector now.
func (p *Page) Count(sel string) (int, error) {
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	q, err := jsString(sel)
	if err != nil {
		return 0, err
	}
	return chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll("+q+").length"))
}

func jsString(s string) (string, error) {
	if strings.ContainsAny(s, "`\\\n") {
		return "", fmt.Errorf("selector %q has characters this helper does not quote", s)
	}
	return "`" + s + "`", nil
}

// WaitJS waits until the JavaScript expression is truthy and returns its
// value as a string (for example an attribute read inside an iframe).
func (p *Page) WaitJS(expr string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, timeout+5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[any](expr, chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		return "", fmt.Errorf("waiting for %s: %w (console: %s)", expr, err, p.summary())
	}
	return fmt.Sprint(v), nil
}

// Rect returns the bounding box of the element the CSS selector matches,
// in CSS pixels of the viewport.
func (p *Page) Rect(sel string) (image.Rectangle, error) {
	q, err := jsString(sel)
	if err != nil {
		return image.Rectangle{}, err
	}
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		"(() => { const r = document.querySelector("+q+").getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()"))
	if err != nil || len(r) != 4 {
		return image.Rectangle{}, fmt.Errorf("rect of %q: %v", sel, err)
	}
	return image.Rect(int(r[0]), int(r[1]), int(r[2]), int(r[3])), nil
}

// Screenshot saves a PNG of the viewport as OutDir(t)/name.png, logs the
// path and returns it.
func (p *Page) Screenshot(name string) (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", fmt.Errorf("screenshot: %w", err)
	}
	dir, err := OutDir(p.t)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", err
	}
	p.t.Logf("screenshot: %s", path)
	return path, nil
}

// Messages returns every console message so far.
func (p *Page) Messages() []chromedp.ConsoleMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.messages)
}

// Errors returns the console errors and uncaught exceptions so far
// (including the browser's own log: failed loads, CSP violations).
func (p *Page) Errors() []chromedp.ConsoleMessage {
	var errs []chromedp.ConsoleMessage
	for _, m := range p.Messages() {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			errs = append(errs, m)
		}
	}
	return errs
}

// CheckNoErrors fails the test for each console error or exception, and logs
// the other messages so a failure has context.
func (p *Page) CheckNoErrors() {
	p.t.Helper()
	for _, m := range p.Messages() {
		p.t.Logf("console %s", describe(m))
	}
	for _, m := range p.Errors() {
		p.t.Errorf("console error: %s", describe(m))
	}
}

func (p *Page) summary() string {
	var parts []string
	for _, m := range p.Messages() {
		parts = append(parts, describe(m))
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, " | ")
}

func describe(m chromedp.ConsoleMessage) string {
	s := m.String()
	if m.URL != "" {
		s += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	return s
}

// OutDir returns testdata/out/TESTNAME under the module root (ignored by
// git), created if needed: where tests put screenshots and logs.
func OutDir(t testing.TB) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")
	dir := filepath.Join(root, "testdata", "out", name)
	return dir, os.MkdirAll(dir, 0o755)
}

// ModuleRoot returns the directory of the go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
