package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"convscope/engine"
	"convscope/internal/browsertest"
	"convscope/models"
	"convscope/models/preprocess"
	"convscope/wasm/viewer/grid"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Geometry of the test host page (testdata/viewer/host.css): the viewer's
// iframe is 800x600 CSS pixels at the page's top-left corner, and the viewer
// keeps a 20-pixel status strip at its top (wasm/viewer/game.go).
const (
	viewerFrameW, viewerFrameH = 800, 600
	viewerHeader               = 20
)

// buildViewerSite brings the parts of build/site the viewer needs up to date:
// the static files, wasm_exec.js and viewer.wasm (not the other wasm files,
// so this test does not depend on them).
func buildViewerSite(t *testing.T) string {
	t.Helper()
	root, err := findModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(root, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	for _, dir := range []string{b.siteDir(), filepath.Join(b.buildDir(), "stamps")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for _, step := range []func() error{b.copyStatic, b.copyWasmExec, func() error { return b.buildWasm("viewer", wasmVariant{}) }} {
		if err := step(); err != nil {
			t.Fatalf("build: %v", err)
		}
	}
	t.Logf("build of the viewer: %v, rebuilt %v", time.Since(start).Round(time.Millisecond), b.built)
	return b.siteDir()
}

// startViewerServer serves the site with the real server's handler, plus the
// test host page under /test/, with the same security headers.
func startViewerServer(t *testing.T, site string) string {
	t.Helper()
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	cat, err := newCatalog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &server{site: root, models: cat, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mux := http.NewServeMux()
	mux.Handle("GET /test/", securityHeaders(http.StripPrefix("/test/", http.FileServer(http.Dir(filepath.Join("testdata", "viewer"))))))
	mux.Handle("/", s.handler())
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// viewerMsg is a maps or filters message; Data and Image.RGBA travel as
// base64 (encoding/json's []byte) and become Uint8Arrays in host.js.
type viewerMsg struct {
	Type  string       `json:"type"`
	Layer string       `json:"layer,omitempty"`
	Shape []int        `json:"shape,omitempty"`
	Min   []float32    `json:"min,omitempty"`
	Max   []float32    `json:"max,omitempty"`
	Data  []byte       `json:"data,omitempty"`
	Image *viewerImage `json:"image,omitempty"`
	// filters as web/protocol's Patches
	Count int    `json:"count,omitempty"`
	W     int    `json:"w,omitempty"`
	H     int    `json:"h,omitempty"`
	RGBA  []byte `json:"rgba,omitempty"`
	// settings
	Colormap string `json:"colormap,omitempty"`
	Norm     string `json:"norm,omitempty"`
}

type viewerImage struct {
	W    int    `json:"w"`
	H    int    `json:"h"`
	RGBA []byte `json:"rgba"`
}

// stripes returns C oriented sine gratings of H x W (map c at angle c*pi/C,
// period 3+c%5 pixels), each with its own range [-(c+1), c+1]: an early
// layer's edge detectors, roughly.
func stripes(layer string, c, h, w int) viewerMsg {
	m := viewerMsg{Type: "maps", Layer: layer, Shape: []int{c, h, w}, Min: make([]float32, c), Max: make([]float32, c), Data: make([]byte, c*h*w)}
	for k := range c {
		m.Min[k], m.Max[k] = -float32(k+1), float32(k+1)
		theta := float64(k) * math.Pi / float64(c)
		period := 3 + float64(k%5)
		for y := range h {
			for x := range w {
				u := (float64(x)*math.Cos(theta) + float64(y)*math.Sin(theta)) / period
				m.Data[(k*h+y)*w+x] = uint8(math.Round(127.5 + 127.5*math.Sin(2*math.Pi*u)))
			}
		}
	}
	return m
}

// blobs returns C maps of pseudo-random bytes (a deep layer's look), with
// ranges [0, k/4+0.5].
func blobs(layer string, c, h, w int) viewerMsg {
	m := viewerMsg{Type: "maps", Layer: layer, Shape: []int{c, h, w}, Min: make([]float32, c), Max: make([]float32, c), Data: make([]byte, c*h*w)}
	state := uint32(12345)
	for i := range m.Data {
		state = state*1664525 + 1013904223
		m.Data[i] = byte(state >> 24)
	}
	for k := range c {
		m.Max[k] = float32(k)/4 + 0.5
	}
	return m
}

// gradientImage is a w x h RGB picture to overlay maps on.
func gradientImage(w, h int) *viewerImage {
	img := &viewerImage{W: w, H: h, RGBA: make([]byte, w*h*4)}
	for y := range h {
		for x := range w {
			p := img.RGBA[(y*w+x)*4:]
			p[0], p[1], p[2], p[3] = byte(255*x/w), byte(255*y/h), 160, 255
		}
	}
	return img
}

// viewerSession drives the host page.
type viewerSession struct {
	t    *testing.T
	p    *browsertest.Page
	seen int // viewer messages already consumed by waits
}

func (s *viewerSession) eval(expr string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.p.Context(), browsertest.DefaultTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err != nil {
		s.t.Fatalf("%.80s: %v", expr, err)
	}
}

func (s *viewerSession) post(msg viewerMsg) {
	s.t.Helper()
	js, err := json.Marshal(msg)
	if err != nil {
		s.t.Fatal(err)
	}
	s.eval("postToViewer(" + string(js) + ")")
}

// wait returns the first viewer message after the ones already consumed
// for which the JavaScript condition on m holds, and consumes it and
// everything before it.
func (s *viewerSession) wait(cond string, timeout time.Duration) map[string]any {
	s.t.Helper()
	expr := fmt.Sprintf(`(() => { const ms = window.viewerMessages || []; for (let i = %d; i < ms.length; i++) { const m = ms[i]; if (%s) return {i: i, m: m}; } return null; })()`, s.seen, cond)
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(s.p.Context(), browsertest.DefaultTimeout)
		found, err := chromedp.Run(ctx, chromedp.Evaluate[*struct {
			I int            `json:"i"`
			M map[string]any `json:"m"`
		}](expr))
		cancel()
		if err != nil {
			s.t.Fatalf("waiting for %s: %v", cond, err)
		}
		if found != nil {
			s.seen = found.I + 1
			return found.M
		}
		if time.Now().After(deadline) {
			s.p.Screenshot("timeout")
			s.t.Fatalf("no viewer message with %s within %v; messages: %s", cond, timeout, s.messages())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *viewerSession) messages() string {
	ctx, cancel := context.WithTimeout(s.p.Context(), browsertest.DefaultTimeout)
	defer cancel()
	js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.viewerMessages)`))
	if err != nil {
		return err.Error()
	}
	return js
}

// screenshot waits for the frame to reach the screen, saves the page and
// returns the viewer's part of it.
func (s *viewerSession) screenshot(name string) *image.RGBA {
	s.t.Helper()
	time.Sleep(400 * time.Millisecond)
	path, err := s.p.Screenshot(name)
	if err != nil {
		s.t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		s.t.Fatalf("%s: %v", path, err)
	}
	frame := image.NewRGBA(image.Rect(0, 0, viewerFrameW, viewerFrameH))
	for y := range viewerFrameH {
		for x := range viewerFrameW {
			frame.Set(x, y, img.At(x, y))
		}
	}
	return frame
}

// mouse sends one mouse event at page coordinates.
func (s *viewerSession) mouse(typ input.DispatchMouseEventType, x, y float64) {
	s.t.Helper()
	var opts []chromedp.MouseOption
	if typ != chromedp.MouseMoved {
		opts = append(opts, chromedp.ButtonLeft, chromedp.ClickCount(1))
	}
	if err := s.p.Do(chromedp.MouseEvent(typ, x, y, opts...)); err != nil {
		s.t.Fatal(err)
	}
}

// click presses and releases the left button with a pause between, so that
// Ebiten's per-tick polling sees both.
func (s *viewerSession) click(x, y float64) {
	s.mouse(chromedp.MouseMoved, x, y)
	s.mouse(chromedp.MousePressed, x, y)
	time.Sleep(150 * time.Millisecond)
	s.mouse(chromedp.MouseReleased, x, y)
}

// key presses and releases a key, held long enough for Ebiten to see it.
func (s *viewerSession) key(r rune) {
	s.t.Helper()
	err := s.p.Do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, k := range kb.Encode(r) {
			if k.Type == input.DispatchKeyEventTypeKeyUp {
				time.Sleep(150 * time.Millisecond)
			}
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		s.t.Fatal(err)
	}
}

// wheel turns the mouse wheel at (x, y); negative deltaY = towards the
// screen = zoom in.
func (s *viewerSession) wheel(x, y, deltaY float64) {
	s.t.Helper()
	if err := s.p.Do(chromedp.MouseEvent(chromedp.MouseWheel, x, y, func(p *input.DispatchMouseEventParams) {
		// Chromium wants both deltas, and the protocol omits zero values.
		p.DeltaX, p.DeltaY = 1e-6, deltaY
	})); err != nil {
		s.t.Fatal(err)
	}
}

// drag moves the mouse from (x0, y0) to (x1, y1) with the button held, in
// steps one Ebiten tick or more apart.
func (s *viewerSession) drag(x0, y0, x1, y1 float64) {
	s.mouse(chromedp.MouseMoved, x0, y0)
	s.mouse(chromedp.MousePressed, x0, y0)
	for i := 1; i <= 4; i++ {
		time.Sleep(60 * time.Millisecond)
		f := float64(i) / 4
		s.mouse(chromedp.MouseMoved, x0+f*(x1-x0), y0+f*(y1-y0))
	}
	time.Sleep(60 * time.Millisecond)
	s.mouse(chromedp.MouseReleased, x1, y1)
}

// tap touches (x, y) with one finger.
func (s *viewerSession) tap(x, y float64) {
	s.t.Helper()
	touch := func(typ input.DispatchTouchEventType, pts ...*input.TouchPoint) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: pts})
			return err
		})
	}
	if err := s.p.Do(touch(input.DispatchTouchEventTypeTouchStart, &input.TouchPoint{X: x, Y: y})); err != nil {
		s.t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if err := s.p.Do(touch(input.DispatchTouchEventTypeTouchEnd)); err != nil {
		s.t.Fatal(err)
	}
}

// canvasStats describes the viewer's maps area (below the status strip):
// how many distinct colours, and which fraction of pixels is neither the
// background nor white.
func canvasStats(img *image.RGBA) (colours int, covered float64) {
	seen := map[color.RGBA]bool{}
	n, on := 0, 0
	for y := viewerHeader; y < img.Rect.Dy(); y++ {
		for x := range img.Rect.Dx() {
			c := img.RGBAAt(x, y)
			seen[c] = true
			n++
			if !near(c, grid.Background, 6) && !near(c, color.RGBA{255, 255, 255, 255}, 6) {
				on++
			}
		}
	}
	return len(seen), float64(on) / float64(n)
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

// differing returns the fraction of the maps area's pixels that differ by
// more than a small tolerance.
func differing(a, b *image.RGBA) float64 {
	n, diff := 0, 0
	for y := viewerHeader; y < a.Rect.Dy(); y++ {
		for x := range a.Rect.Dx() {
			n++
			if !near(a.RGBAAt(x, y), b.RGBAAt(x, y), 8) {
				diff++
			}
		}
	}
	return float64(diff) / float64(n)
}

func checkDrawn(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	colours, covered := canvasStats(img)
	t.Logf("%s: %d colours, %.1f%% of the area painted", name, colours, 100*covered)
	if colours < 16 || covered < 0.1 {
		t.Errorf("%s looks blank: %d distinct colours, %.1f%% painted (want >= 16 and >= 10%%)", name, colours, 100*covered)
	}
}

// cellPoint returns the page coordinates of pixel (x, y) of map c when the
// viewer shows n maps of w x h in its grid at the fit zoom, computed with the
// viewer's own layout code: the browser must agree with it.
func cellPoint(t *testing.T, n, w, h, c, x, y int) (float64, float64) {
	view := grid.Rect{Y: viewerHeader, W: viewerFrameW, H: viewerFrameH - viewerHeader}.Inset(grid.Margin)
	l, err := grid.NewLayout(n, w, h, view.W, view.H)
	if err != nil {
		t.Fatal(err)
	}
	cw, ch := l.Size()
	cam := grid.NewCamera(view, cw, ch)
	r := l.Cell(c)
	return cam.ToScreen(float64(r.Min.X+x)+0.5, float64(r.Min.Y+y)+0.5)
}

// TestViewerInBrowser runs the Ebiten viewer in headless Chromium inside the
// test host page (as the app embeds it): two layers render, differently; a
// hover reports the right channel, position and de-quantised value; a click
// enlarges a map (and overlays it on the input image), Escape returns;
// settings and filters repaint; messages from another origin and malformed
// ones are refused. Screenshots go to testdata/out/TestViewerInBrowser/.
func TestViewerInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds viewer.wasm and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	base := startViewerServer(t, buildViewerSite(t))
	p := browser.NewPage(t)
	s := &viewerSession{t: t, p: p}
	start := time.Now()
	if err := p.Navigate(base + "/test/host.html"); err != nil {
		t.Fatal(err)
	}
	s.wait(`m.type === "ready"`, 90*time.Second)
	t.Logf("viewer ready %v after navigation", time.Since(start).Round(time.Millisecond))

	// Layer A: 16 gratings of 24x24 with an input image.
	a := stripes("conv1", 16, 24, 24)
	a.Image = gradientImage(96, 96)
	s.post(a)
	s.wait(`m.type === "drawn" && m.layer === "conv1" && m.mode === "grid"`, 30*time.Second)
	imgA := s.screenshot("layer-a-conv1")
	checkDrawn(t, "layer A", imgA)

	// Layer B: 64 noisy 6x6 maps.
	b := blobs("layer3", 64, 6, 6)
	s.post(b)
	s.wait(`m.type === "drawn" && m.layer === "layer3" && m.mode === "grid"`, 30*time.Second)
	imgB := s.screenshot("layer-b-layer3")
	checkDrawn(t, "layer B", imgB)
	if d := differing(imgA, imgB); d < 0.1 {
		t.Errorf("layers A and B differ in only %.1f%% of the pixels", 100*d)
	} else {
		t.Logf("layers A and B differ in %.1f%% of the pixels", 100*d)
	}

	// Hover pixel (2, 3) of map 10: the viewer names it and its value.
	const ch, hx, hy = 10, 2, 3
	px, py := cellPoint(t, 64, 6, 6, ch, hx, hy)
	s.mouse(chromedp.MouseMoved, px, py)
	h := s.wait(`m.type === "hover" && m.channel >= 0`, 10*time.Second)
	want := float64(b.Min[ch]) + float64(b.Data[(ch*6+hy)*6+hx])/255*float64(b.Max[ch]-b.Min[ch])
	if h["layer"] != "layer3" || h["channel"] != float64(ch) || h["x"] != float64(hx) || h["y"] != float64(hy) {
		t.Errorf("hover at (%.1f, %.1f) = %v, want layer3 channel %d x %d y %d", px, py, h, ch, hx, hy)
	} else if v, _ := h["value"].(float64); math.Abs(v-want) > 1e-6 {
		t.Errorf("hover value %v, want %v (de-quantised with min/max)", h["value"], want)
	}

	// Click enlarges the map; the page is told which one.
	s.click(px, py)
	sel := s.wait(`m.type === "select"`, 10*time.Second)
	if sel["channel"] != float64(ch) {
		t.Errorf("select after click = %v, want channel %d", sel, ch)
	}
	s.wait(`m.type === "drawn" && m.mode === "detail"`, 10*time.Second)
	imgBig := s.screenshot("layer-b-map10-enlarged")
	checkDrawn(t, "enlarged map", imgBig)
	if d := differing(imgB, imgBig); d < 0.2 {
		t.Errorf("the enlarged map differs from the grid in only %.1f%% of the pixels", 100*d)
	}

	// Escape returns to the grid, as it was.
	s.key('\x1b')
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(-1) {
		t.Errorf("select after Escape = %v, want channel -1", sel)
	}
	s.wait(`m.type === "drawn" && m.mode === "grid"`, 10*time.Second)
	imgBack := s.screenshot("layer-b-back-to-grid")
	if d := differing(imgB, imgBack); d > 0.02 {
		t.Errorf("back in the grid, %.1f%% of the pixels differ from before (want the same grid, but for the hover outline)", 100*d)
	}

	// The wheel zooms in at the cursor, a drag pans, + zooms, 0 resets.
	s.wheel(px, py, -300)
	imgZoom := s.screenshot("layer-b-wheel-zoom")
	if d := differing(imgBack, imgZoom); d < 0.2 {
		t.Errorf("after the wheel, only %.1f%% of the pixels changed", 100*d)
	}
	s.drag(400, 300, 250, 200)
	imgPan := s.screenshot("layer-b-dragged")
	if d := differing(imgZoom, imgPan); d < 0.2 {
		t.Errorf("after the drag, only %.1f%% of the pixels changed", 100*d)
	}
	s.key('+')
	imgPlus := s.screenshot("layer-b-plus")
	if d := differing(imgPan, imgPlus); d < 0.2 {
		t.Errorf("after +, only %.1f%% of the pixels changed", 100*d)
	}
	s.mouse(chromedp.MouseMoved, 5, 5) // over the status strip: no hover outline
	s.key('0')
	imgReset := s.screenshot("layer-b-reset")
	if d := differing(imgB, imgReset); d > 0.005 {
		t.Errorf("after 0 (reset), %.2f%% of the pixels differ from the first grid", 100*d)
	}
	if all := s.messages(); strings.Count(all, `"type":"select"`) != 2 {
		t.Errorf("wheel, drag and keys must not select a map; messages: %s", all)
	}

	// A tap enlarges a map too (phones), and a second tap returns.
	s.tap(px, py)
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(ch) {
		t.Errorf("select after a tap = %v, want channel %d", sel, ch)
	}
	s.tap(px, py)
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(-1) {
		t.Errorf("select after the second tap = %v, want -1", sel)
	}

	// Keyboard only: Enter enlarges the map at the centre, ] steps to the
	// next channel, Escape returns.
	s.key('\r')
	first := s.wait(`m.type === "select"`, 10*time.Second)
	c0, _ := first["channel"].(float64)
	if c0 < 0 || c0 >= 64 {
		t.Fatalf("select after Enter = %v, want a channel", first)
	}
	s.key(']')
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(int(c0+1)%64) {
		t.Errorf("select after ] = %v, want channel %v", sel, int(c0+1)%64)
	}
	s.key('\x1b')
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(-1) {
		t.Errorf("select after Escape = %v, want -1", sel)
	}

	// Settings repaint the same layer.
	s.post(viewerMsg{Type: "settings", Colormap: "magma", Norm: "layer"})
	s.wait(`m.type === "drawn" && m.layer === "layer3"`, 10*time.Second)
	imgMagma := s.screenshot("layer-b-magma-per-layer")
	if d := differing(imgB, imgMagma); d < 0.1 {
		t.Errorf("magma per layer differs from viridis per map in only %.1f%% of the pixels", 100*d)
	}
	s.post(viewerMsg{Type: "settings", Colormap: "viridis", Norm: "map"})
	s.wait(`m.type === "drawn" && m.layer === "layer3"`, 10*time.Second)

	// Layer A again, then enlarge a map over the input image.
	s.post(a)
	s.wait(`m.type === "drawn" && m.layer === "conv1" && m.mode === "grid"`, 10*time.Second)
	ax, ay := cellPoint(t, 16, 24, 24, 5, 12, 12)
	s.click(ax, ay)
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(5) {
		t.Errorf("select = %v, want channel 5", sel)
	}
	s.wait(`m.type === "drawn" && m.mode === "detail"`, 10*time.Second)
	imgOverlay := s.screenshot("layer-a-map5-overlay")
	checkDrawn(t, "overlay", imgOverlay)
	if d := differing(imgA, imgOverlay); d < 0.2 {
		t.Errorf("the overlay differs from the grid in only %.1f%% of the pixels", 100*d)
	}
	s.click(ax, ay) // a click goes back too
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(-1) {
		t.Errorf("select after the second click = %v, want -1", sel)
	}

	// Filters of a first conv: 16 RGB patches of 5x5.
	f := viewerMsg{Type: "filters", Layer: "conv1", Shape: []int{16, 3, 5, 5}, Data: make([]byte, 16*3*25)}
	for i := range f.Data {
		f.Data[i] = byte(i * 37)
	}
	s.post(f)
	s.wait(`m.type === "drawn" && m.kind === "filters"`, 10*time.Second)
	checkDrawn(t, "filters", s.screenshot("filters"))

	// The worker's Patches as they are (RGBA per patch, with weight
	// ranges): hovering a pixel reads its three weights.
	patches := viewerMsg{Type: "filters", Layer: "features.0", Count: 8, W: 11, H: 11, RGBA: make([]byte, 8*11*11*4), Min: make([]float32, 8), Max: make([]float32, 8)}
	for i := range patches.RGBA {
		patches.RGBA[i] = byte(i*13 + i/7)
	}
	for k := range 8 {
		patches.Min[k], patches.Max[k] = -0.5-float32(k)/10, 0.5
	}
	s.post(patches)
	s.wait(`m.type === "drawn" && m.kind === "filters" && m.layer === "features.0"`, 10*time.Second)
	imgPatches := s.screenshot("filters-patches")
	checkDrawn(t, "patches", imgPatches)
	fx, fy := cellPoint(t, 8, 11, 11, 6, 4, 7)
	s.mouse(chromedp.MouseMoved, fx, fy)
	fh := s.wait(`m.type === "hover" && m.channel === 6`, 10*time.Second)
	q := patches.RGBA[((6*11+7)*11+4)*4:]
	weights, _ := fh["weights"].([]any)
	if fh["filters"] != true || fh["x"] != float64(4) || fh["y"] != float64(7) || len(weights) != 3 {
		t.Errorf("hover over a filter = %v", fh)
	} else {
		for i := range 3 {
			want := float64(patches.Min[6]) + float64(q[i])/255*float64(patches.Max[6]-patches.Min[6])
			if got, _ := weights[i].(float64); math.Abs(got-want) > 1e-6 {
				t.Errorf("weight %d = %v, want %v", i, weights[i], want)
			}
		}
	}
	s.mouse(chromedp.MouseMoved, 5, 5)

	// A fully connected layer, [1, 1, 4096], is one block of values.
	fc := blobs("classifier.1", 1, 1, 4096)
	s.post(fc)
	s.wait(`m.type === "drawn" && m.layer === "classifier.1"`, 10*time.Second)
	imgFC := s.screenshot("vector-fc4096")
	checkDrawn(t, "fully connected layer", imgFC)
	vx, vy := cellPoint(t, 1, 64, 64, 0, 5, 20) // value 20*64 + 5
	s.mouse(chromedp.MouseMoved, vx, vy)
	vh := s.wait(`m.type === "hover" && m.layer === "classifier.1" && m.channel === 0`, 10*time.Second)
	wantV := float64(fc.Min[0]) + float64(fc.Data[20*64+5])/255*float64(fc.Max[0]-fc.Min[0])
	if vh["x"] != float64(20*64+5) || vh["y"] != float64(0) || math.Abs(vh["value"].(float64)-wantV) > 1e-6 {
		t.Errorf("hover over the vector = %v, want x %d value %v", vh, 20*64+5, wantV)
	}
	s.mouse(chromedp.MouseMoved, 5, 5)

	// The largest layer of the catalogue, VGG's first conv (64x224x224),
	// with a 224x224 image: time from postMessage to the frame on screen.
	big := stripes("features.1", 64, 224, 224)
	big.Image = gradientImage(224, 224)
	s.post(big)
	drawn := s.wait(`m.type === "drawn" && m.layer === "features.1"`, 60*time.Second)
	ctx, cancel := context.WithTimeout(p.Context(), browsertest.DefaultTimeout)
	posted, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.lastPost`))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("64x224x224 maps: %.0f ms from postMessage to drawn", drawn["at"].(float64)-posted)
	checkDrawn(t, "VGG-sized layer", s.screenshot("vgg-conv1-size"))

	// A message from another origin is ignored; a malformed one is refused
	// with an error, and the viewer keeps working.
	evil := blobs("evil", 4, 4, 4)
	js, _ := json.Marshal(evil)
	s.eval("forgeFromOtherOrigin(" + string(js) + ")")
	bad := blobs("short", 4, 4, 4)
	bad.Data = bad.Data[:10]
	s.post(bad)
	if e := s.wait(`m.type === "error"`, 10*time.Second); !strings.Contains(fmt.Sprint(e["message"]), "10 bytes") {
		t.Errorf("error for a short data array: %v", e)
	}
	s.post(b)
	s.wait(`m.type === "drawn" && m.layer === "layer3"`, 10*time.Second)
	if all := s.messages(); strings.Contains(all, `"evil"`) {
		t.Errorf("the viewer drew a message from another origin: %s", all)
	}
	p.CheckNoErrors()
}

// quantizeMaps turns a (1, C, H, W) activation into a maps message the way
// the worker does (web/protocol.Maps): each map on its own range,
// q = round((v-min)/(max-min)*255), a constant map all zeros.
func quantizeMaps(layer string, t *engine.Tensor) viewerMsg {
	c, h, w := t.Shape[1], t.Shape[2], t.Shape[3]
	m := viewerMsg{Type: "maps", Layer: layer, Shape: []int{c, h, w}, Min: make([]float32, c), Max: make([]float32, c), Data: make([]byte, c*h*w)}
	for k := range c {
		plane := t.Data[k*h*w : (k+1)*h*w]
		lo, hi := slices.Min(plane), slices.Max(plane)
		m.Min[k], m.Max[k] = lo, hi
		if hi > lo {
			for i, v := range plane {
				m.Data[k*h*w+i] = uint8(math.Round(float64((v - lo) / (hi - lo) * 255)))
			}
		}
	}
	return m
}

// TestViewerRealMaps shows real activations: ResNet-18 (random weights, at
// 112x112 so the test stays quick) runs natively on a sample photo; its
// first ReLU and a deep layer are posted with the model's view of the photo,
// rendered, and a map is enlarged over the photo. Screenshots go to
// testdata/out/TestViewerRealMaps/.
func TestViewerRealMaps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds viewer.wasm and starts Chromium; skipped in -short mode")
	}
	f, err := os.Open(filepath.Join("static", "samples", "dog.jpg"))
	if err != nil {
		t.Skipf("sample photo missing: %v", err)
	}
	photo, err := preprocess.Decode(f, 0)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	def, err := models.ArchConfig("resnet18", models.Config{Height: 112, Width: 112, Classes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	g, err := def.Graph(def.RandomStateDict(1))
	if err != nil {
		t.Fatal(err)
	}
	prog, err := engine.Compile(g, engine.Options{Keep: []string{"*"}, NoFuse: true})
	if err != nil {
		t.Fatal(err)
	}
	spec := preprocess.ImageNet()
	spec.ResizeShorter, spec.Crop = 128, 112
	view, err := spec.Prepare(photo)
	if err != nil {
		t.Fatal(err)
	}
	x, err := spec.Normalize(view)
	if err != nil {
		t.Fatal(err)
	}
	res, err := prog.Run(map[string]*engine.Tensor{g.Inputs[0].Name: x})
	if err != nil {
		t.Fatal(err)
	}
	// The first ReLU (edges and colours of the photo) and the last layer
	// that still has maps of 4x4 or more.
	var first, deep string
	for _, n := range g.Nodes {
		out := res.Kept[n.Outputs[0]]
		if out == nil || len(out.Shape) != 4 || out.Shape[2] < 4 {
			continue
		}
		if first == "" && n.Op == engine.OpRelu {
			first = n.Outputs[0]
		}
		deep = n.Outputs[0]
	}
	if first == "" || deep == first {
		t.Fatalf("no layers to show (first %q, deep %q)", first, deep)
	}
	a, b := quantizeMaps(first, res.Kept[first]), quantizeMaps(deep, res.Kept[deep])
	a.Image = &viewerImage{W: view.Rect.Dx(), H: view.Rect.Dy(), RGBA: view.Pix}
	t.Logf("layers: %s %v, %s %v", first, a.Shape, deep, b.Shape)

	browser := browsertest.Start(t)
	base := startViewerServer(t, buildViewerSite(t))
	p := browser.NewPage(t)
	s := &viewerSession{t: t, p: p}
	if err := p.Navigate(base + "/test/host.html"); err != nil {
		t.Fatal(err)
	}
	s.wait(`m.type === "ready"`, 90*time.Second)
	s.post(a)
	s.wait(`m.type === "drawn" && m.mode === "grid"`, 30*time.Second)
	imgA := s.screenshot("first-relu")
	checkDrawn(t, first, imgA)
	s.post(b)
	s.wait(`m.type === "drawn" && m.mode === "grid"`, 30*time.Second)
	imgB := s.screenshot("deep-layer")
	checkDrawn(t, deep, imgB)
	if d := differing(imgA, imgB); d < 0.1 {
		t.Errorf("the two layers differ in only %.1f%% of the pixels", 100*d)
	}
	s.post(a)
	s.wait(`m.type === "drawn" && m.mode === "grid"`, 30*time.Second)
	px, py := cellPoint(t, a.Shape[0], a.Shape[2], a.Shape[1], 3, a.Shape[2]/2, a.Shape[1]/2)
	s.click(px, py)
	if sel := s.wait(`m.type === "select"`, 10*time.Second); sel["channel"] != float64(3) {
		t.Errorf("select = %v, want channel 3", sel)
	}
	s.wait(`m.type === "drawn" && m.mode === "detail"`, 10*time.Second)
	checkDrawn(t, "overlay", s.screenshot("first-relu-map3-overlay"))

	// Hovering the overlay reads the map under that part of the photo (the
	// value the page gets matches the quantised data at the reported pixel)
	// and frames the pixel in both panels.
	const ox, oy = viewerFrameW * 0.75, viewerFrameH * 0.55
	s.mouse(chromedp.MouseMoved, ox, oy)
	h := s.wait(`m.type === "hover" && m.channel === 3`, 10*time.Second)
	// The same viewer state, natively: it must name the same pixel.
	native := grid.New(grid.Rect{Y: viewerHeader, W: viewerFrameW, H: viewerFrameH - viewerHeader})
	gm := &grid.Maps{Layer: a.Layer, C: a.Shape[0], H: a.Shape[1], W: a.Shape[2], Min: a.Min, Max: a.Max, Data: a.Data,
		Image: &grid.Image{W: a.Image.W, H: a.Image.H, Pix: a.Image.RGBA}}
	if err := native.SetMaps(gm); err != nil {
		t.Fatal(err)
	}
	native.Enlarge(3)
	want, ok := native.Hover(ox, oy)
	if !ok || h["x"] != float64(want.X) || h["y"] != float64(want.Y) || math.Abs(h["value"].(float64)-want.Value) > 1e-5 {
		t.Errorf("hover over the overlay = %v, want x %d y %d value %v", h, want.X, want.Y, want.Value)
	}
	s.screenshot("first-relu-map3-overlay-hover")
	p.CheckNoErrors()
}
