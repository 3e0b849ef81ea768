package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"convscope/internal/browsertest"
	"convscope/models"
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// The app end-to-end tests load the real page (index.html, app.wasm, the
// worker and the viewer, built by the real build) from the real server
// handler on a free port, in headless Chromium, and use it as a person
// would: pick files in the file input, click buttons, read the DOM.

// appRequest is one request the server saw.
type appRequest struct {
	Method, Path string
	Body         int64  // Content-Length (or -1 when unknown but a body is sent)
	Dest         string // Sec-Fetch-Dest: "iframe" for the viewer's page, "empty" for the service worker's precaching
}

// appRecorder wraps the server handler and records every request; the
// model files named in tamper are served with one byte flipped.
type appRecorder struct {
	next   http.Handler
	mu     sync.Mutex
	log    []appRequest
	tamper map[string]bool
}

func (r *appRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.log = append(r.log, appRequest{Method: req.Method, Path: req.URL.RequestURI(), Body: req.ContentLength, Dest: req.Header.Get("Sec-Fetch-Dest")})
	tamper := r.tamper[req.URL.Path]
	r.mu.Unlock()
	if tamper {
		rec := httptest.NewRecorder()
		r.next.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if len(body) > 0 {
			body[len(body)/2] ^= 0x40
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
		return
	}
	r.next.ServeHTTP(w, req)
}

func (r *appRecorder) since(n int) []appRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]appRequest(nil), r.log[n:]...)
}

func (r *appRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.log)
}

// appModels returns the model the agreement test uses (the built-in ones
// when committed, else a random-weights ResNet-20 for CIFAR-10 written to
// dir) and a slow one (random-weights ResNet-20 at 512x512, 256 times the
// work) for the cancel and responsiveness checks. At 256x256 (64 times) a
// run took about 0.6 s on two workers once the WebAssembly kernels and the
// maps got faster (session 8), and ended before the test reached Cancel.
func appModels(t *testing.T, dir string) (main []modelEntry, slow modelEntry, cat catalog) {
	t.Helper()
	write := func(name string, cfg models.Config, crop int) {
		def, err := models.ArchConfig("resnet20_cifar", cfg)
		if err != nil {
			t.Fatal(err)
		}
		spec := preprocess.CIFAR10()
		spec.Crop = crop
		f, err := models.Convert(def, def.RandomStateDict(7), models.Meta{
			Name: name, Dataset: "cifar10", Labels: labels.CIFAR10(), Preprocess: spec, Source: "random weights (app e2e test)",
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := modelfile.Write(models.PathFor(dir, name), f); err != nil {
			t.Fatal(err)
		}
	}
	write("slow_resnet20_512", models.Config{Height: 512, Width: 512, Classes: 10}, 512)
	write("tampered_resnet20", models.Config{}, 32)
	builtins, _ := filepath.Glob(filepath.Join("models", "builtin", "*.csm"))
	if len(builtins) == 0 {
		t.Logf("no built-in model committed yet (models/builtin/*.csm): testing with a random-weights ResNet-20")
		write("random_resnet20_cifar", models.Config{}, 32)
	}
	cat, list := testCatalog(t, dir)
	for _, m := range list {
		switch {
		case m.Name == "slow_resnet20_512":
			slow = m
		case m.Name == "tampered_resnet20":
		case m.Available && m.URL != "" && (m.BuiltIn || m.Name == "random_resnet20_cifar"):
			main = append(main, m)
		}
	}
	if len(main) == 0 || slow.URL == "" {
		t.Fatalf("test models missing from the catalog: %+v %+v", main, slow)
	}
	return main, slow, cat
}

// appPNGHeader is a PNG that declares w x h pixels and has no image data:
// a decompression bomb must be refused from this header alone.
func appPNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// appPage is the app in one tab.
type appPage struct {
	t *testing.T
	p *browsertest.Page
}

func (a appPage) eval(expr string, out any) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.p.Context(), time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		a.t.Fatalf("%s: %v", expr, err)
	}
	if out != nil {
		*(out.(*string)) = v
	}
}

func (a appPage) wait(expr string, timeout time.Duration) string {
	a.t.Helper()
	v, err := a.p.WaitJS(expr, timeout)
	if err != nil {
		a.p.Screenshot("failed")
		a.t.Fatal(err)
	}
	return v
}

func (a appPage) runs() int {
	a.t.Helper()
	var s string
	a.eval(`document.querySelector("#result").dataset.runs || "0"`, &s)
	n, _ := strconv.Atoi(s)
	return n
}

// upload picks a file in the file input.
func (a appPage) upload(path string) {
	a.t.Helper()
	if err := a.p.Do(chromedp.SetUploadFiles("#file-input", []string{path})); err != nil {
		a.t.Fatalf("upload %s: %v", path, err)
	}
}

// classify uploads a file and waits for its top-5.
func (a appPage) classify(path string) []models.Prediction {
	a.t.Helper()
	before := a.runs()
	a.upload(path)
	a.wait(fmt.Sprintf(`Number(document.querySelector("#result").dataset.runs) > %d && !document.querySelector("#run")`, before), 2*time.Minute)
	return a.top5()
}

func (a appPage) top5() []models.Prediction {
	a.t.Helper()
	var s string
	a.eval(`JSON.stringify([...document.querySelectorAll("#top5 li")].map(li => [Number(li.dataset.index), Number(li.dataset.prob), li.querySelector(".label").textContent]))`, &s)
	var rows [][3]any
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		a.t.Fatal(err)
	}
	out := make([]models.Prediction, len(rows))
	for i, r := range rows {
		out[i] = models.Prediction{Index: int(r[0].(float64)), Prob: r[1].(float64), Label: r[2].(string)}
	}
	return out
}

// classifyShown is classify, and checks that a result the page wrote into
// the previous one's elements before the full render (web.ShownResult) is
// what the render then shows (#top5's HTML, #timing, the view's caption
// and src), and that the busy state, alert and notice were hidden
// meanwhile. It reports whether the result was written before the render.
func (a appPage) classifyShown(path string) ([]models.Prediction, bool) {
	a.t.Helper()
	a.eval(`(() => {
	if (!window.appShot) {
		window.appShot = () => JSON.stringify([document.querySelector("#top5")?.outerHTML, document.querySelector("#timing")?.textContent, document.querySelector(".view figcaption")?.textContent, document.querySelector("#view")?.getAttribute("src")]);
		new MutationObserver(() => {
			if (!appBefore || appEarly || document.querySelector("#result").dataset.runs !== appBefore.runs) return;
			const shot = appShot();
			if (shot === appBefore.shot) return;
			appEarly = shot;
			appEarlyShown = [...document.querySelectorAll("#run, #reading, #cancel, #alert, #notice")].filter((e) => e.getClientRects().length > 0).map((e) => e.id);
		}).observe(document.querySelector("#result").parentNode, {subtree: true, attributes: true, childList: true, characterData: true});
	}
	window.appEarly = null; window.appEarlyShown = [];
	window.appBefore = {runs: document.querySelector("#result").dataset.runs, shot: appShot()};
	return "ok";
})()`, nil)
	got := a.classify(path)
	var s string
	a.eval(`JSON.stringify([appEarly, appShot(), appEarlyShown])`, &s)
	var r struct {
		Early *string
		Now   string
		Shown []string
	}
	var raw [3]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		a.t.Fatal(err)
	}
	for i, v := range []any{&r.Early, &r.Now, &r.Shown} {
		if err := json.Unmarshal(raw[i], v); err != nil {
			a.t.Fatal(err)
		}
	}
	if r.Early == nil {
		return got, false
	}
	if *r.Early != r.Now {
		a.t.Errorf("%s: the result written before the full render differs from the render's:\n%s\n%s", path, *r.Early, r.Now)
	}
	if len(r.Shown) > 0 {
		a.t.Errorf("%s: the result was written with %v still visible", path, r.Shown)
	}
	return got, true
}

// useModel clicks a model's Use button and waits for its layer table.
func (a appPage) useModel(m modelEntry, layers int) {
	a.t.Helper()
	if err := a.p.Click(`#model-table tr[data-model="` + m.Name + `"] button.use-model`); err != nil {
		a.t.Fatal(err)
	}
	count := "true"
	if layers >= 0 {
		count = fmt.Sprintf(`document.querySelectorAll("#layer-table tbody tr").length === %d`, layers)
	}
	a.wait(fmt.Sprintf(`document.querySelector("#layers-title")?.textContent === "Layers of %s" && document.querySelector("#layer-table") && %s && !document.querySelector("#download") && !document.querySelector("#run") && "ok"`, m.Name, count), 2*time.Minute)
}

// viewerShot saves a screenshot and returns the viewer iframe's part of it.
func (a appPage) viewerShot(name string) *image.RGBA {
	a.t.Helper()
	time.Sleep(500 * time.Millisecond) // let the frame reach the screen
	if err := a.p.Do(chromedp.ScrollIntoView("#viewer")); err != nil {
		a.t.Fatal(err)
	}
	r, err := a.p.Rect("#viewer")
	if err != nil {
		a.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(a.p.Context(), time.Minute)
	defer cancel()
	data, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		a.t.Fatal(err)
	}
	dir, err := browsertest.OutDir(a.t)
	if err != nil {
		a.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.t.Logf("screenshot: %s", path)
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		a.t.Fatal(err)
	}
	r = r.Inset(2).Intersect(img.Bounds())
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return out
}

// state summarises the run's state on the page, without waiting.
func (a appPage) state() string {
	a.t.Helper()
	var s string
	a.eval(`JSON.stringify({running: !!document.querySelector("#run"), step: document.querySelector("#run-step")?.textContent, runs: document.querySelector("#result").dataset.runs, notice: document.querySelector("#notice")?.textContent, alert: document.querySelector("#alert")?.textContent})`, &s)
	return s
}

// viewport saves a screenshot of the visible part of the page only (quick:
// used while a run goes on).
func (a appPage) viewport(name string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.p.Context(), time.Minute)
	defer cancel()
	data, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		a.t.Fatal(err)
	}
	dir, err := browsertest.OutDir(a.t)
	if err != nil {
		a.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.t.Logf("screenshot: %s", path)
}

// appColours counts the distinct colours of an image.
func appColours(img *image.RGBA) int {
	seen := map[color.RGBA]bool{}
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			seen[img.RGBAAt(x, y)] = true
		}
	}
	return len(seen)
}

// appDiffer returns the fraction of pixels that differ by more than a small
// tolerance.
func appDiffer(a, b *image.RGBA) float64 {
	if a.Rect != b.Rect {
		return 1
	}
	n, d := 0, 0
	for i := 0; i+3 < len(a.Pix); i += 4 {
		n++
		for k := 0; k < 3; k++ {
			if diff := int(a.Pix[i+k]) - int(b.Pix[i+k]); diff > 8 || diff < -8 {
				d++
				break
			}
		}
	}
	return float64(d) / float64(max(n, 1))
}

func TestAppE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	mainModels, slow, cat := appModels(t, dir)
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	rec := &appRecorder{next: (&server{site: root, models: cat, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handler()}
	srv := httptest.NewServer(rec)
	defer srv.Close()

	images := cifarSamples(t)
	if len(images) == 0 {
		t.Skip("no CIFAR-10 test images in ../shared/data/cifar10/test")
	}

	p := browser.NewPage(t)
	a := appPage{t: t, p: p}
	// The page's requests go to the server, not to the service worker's
	// cache (TestOfflineE2E tests that): the viewer check below counts them.
	if _, err := chromedp.Call(p.Context(), network.SetBypassServiceWorker, network.SetBypassServiceWorkerParams{Bypass: true}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Navigate(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	// The default model (the first built-in one) loads by itself; the first
	// image goes in as soon as the model is ready.
	a.wait(`document.querySelector("html[data-wasm=running] #file-input") && "ok"`, 2*time.Minute)
	running := time.Since(start)
	a.wait(`document.querySelector("#layer-table") && !document.querySelector("#download") && "ok"`, 2*time.Minute)
	loaded := time.Since(start)
	first := a.classify(images[0])
	var timing string
	a.eval(`document.querySelector("#timing").textContent`, &timing)
	t.Logf("page load to first top-5 (default model %s): %v (app running at %v, model loaded at %v; %s); top-1 %s",
		firstSelected(a), time.Since(start).Round(time.Millisecond), running.Round(time.Millisecond), loaded.Round(time.Millisecond), timing, first[0].Label)
	if len(first) != 5 {
		t.Fatalf("top-5 has %d rows", len(first))
	}
	if _, err := p.Screenshot("first-result"); err != nil {
		t.Error(err)
	}

	t.Run("agreement", func(t *testing.T) {
		a := appPage{t: t, p: p}
		early, results := 0, 0
		for _, m := range mainModels {
			cli, err := models.LoadName(dir, m.Name)
			if err != nil {
				t.Fatal(err)
			}
			a.useModel(m, len(cli.Meta.Layers))
			random := strings.HasPrefix(m.Name, "random_")
			compared := 0
			for _, path := range images {
				want, err := classifyOne(cli, path, 5)
				if err != nil {
					t.Fatal(err)
				}
				class := filepath.Base(filepath.Dir(path))
				if !random && want.Top[0].Label != class {
					continue // only images the command line gets right
				}
				got, written := a.classifyShown(path)
				if len(got) != 5 {
					t.Fatalf("%s %s: %d classes shown", m.Name, path, len(got))
				}
				results++
				if written {
					early++
				}
				if got[0].Index != want.Top[0].Index {
					t.Errorf("%s %s: page top-1 %s, command line %s", m.Name, path, got[0].Label, want.Top[0].Label)
				}
				worst := 0.0
				for i := range got {
					if got[i].Index != want.Top[i].Index {
						t.Errorf("%s %s: class %d is %d on the page, %d on the command line", m.Name, path, i, got[i].Index, want.Top[i].Index)
						continue
					}
					worst = max(worst, math.Abs(got[i].Prob-want.Top[i].Prob))
				}
				if worst > 1e-4 {
					t.Errorf("%s %s: probabilities differ by %g (> 1e-4)", m.Name, path, worst)
				}
				compared++
				if compared == 3 {
					break
				}
			}
			if compared == 0 {
				t.Errorf("%s: no test image that the command line classifies correctly", m.Name)
			}
			t.Logf("%s: %d uploads agree with the command line (top-5 classes equal, probabilities within 1e-4)", m.Name, compared)
		}
		t.Logf("%d of %d results were written before the full render, as the render then showed them", early, results)
		// The model's view of the image is shown.
		a.wait(`document.querySelector("#view").naturalWidth > 0 && "ok"`, 10*time.Second)
	})

	t.Run("bad files", func(t *testing.T) {
		a := appPage{t: t, p: p}
		good, err := os.ReadFile(images[0])
		if err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		cases := []struct{ name, file string }{
			{"not an image", "notes.txt"},
			{"corrupt PNG", "corrupt.png"},
			{"truncated JPEG", "truncated.jpg"},
			{"30000x30000 PNG", "bomb.png"},
			{"empty file", "empty.jpg"},
		}
		data := map[string][]byte{
			"notes.txt":     []byte("this is a text file, not a picture"),
			"corrupt.png":   append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xff}, 64)...),
			"truncated.jpg": good[:len(good)/2],
			"bomb.png":      appPNGHeader(30000, 30000),
			"empty.jpg":     nil,
		}
		for _, c := range cases {
			path := filepath.Join(tmp, c.file)
			if err := os.WriteFile(path, data[c.file], 0o644); err != nil {
				t.Fatal(err)
			}
			a.upload(path)
			msg := a.wait(`(() => { const e = document.querySelector("#alert[role=alert]"); return e && !document.querySelector("#run") && e.textContent; })()`, time.Minute)
			if !strings.Contains(msg, c.file) {
				t.Errorf("%s: the alert %q does not name the file", c.name, msg)
			}
			t.Logf("%s: %s", c.name, msg)
			if got := a.classify(images[1%len(images)]); len(got) != 5 {
				t.Errorf("upload after %s: %d classes", c.name, len(got))
			}
			if n, _ := p.Count("#alert"); n != 0 {
				t.Errorf("the alert stayed after a good upload")
			}
		}
	})

	t.Run("privacy", func(t *testing.T) {
		a := appPage{t: t, p: p}
		var mu sync.Mutex
		var seen []string
		var bad []string
		lctx, stop := context.WithCancel(p.Context())
		defer stop()
		if err := chromedp.Listen(lctx, func(ev any) {
			if e, ok := ev.(*network.EventRequestWillBeSent); ok {
				r := e.Request
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, fmt.Sprintf("%s %s body=%v", r.Method, r.URL, r.HasPostData))
				if r.HasPostData || (r.Method != "GET" && r.Method != "HEAD") {
					bad = append(bad, fmt.Sprintf("%s %.200s (body %v)", r.Method, r.URL, r.HasPostData))
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(p.Context(), network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		img, err := os.ReadFile(images[2%len(images)])
		if err != nil {
			t.Fatal(err)
		}
		before := rec.count()
		a.classify(images[2%len(images)])
		// Also open a layer: the maps come from the worker, not the server.
		if err := p.Click(`#layer-table button.show-maps`); err != nil {
			t.Fatal(err)
		}
		a.wait(`document.querySelector("#viewer")?.dataset.drawn && "ok"`, time.Minute)
		server := rec.since(before)
		for _, r := range server {
			if (r.Method != "GET" && r.Method != "HEAD") || r.Body > 0 {
				t.Errorf("the server got %s %s with %d body bytes", r.Method, r.Path, r.Body)
			}
		}
		// No URL carries the image's bytes, in any common encoding.
		needles := []string{
			base64.StdEncoding.EncodeToString(img[:48]), base64.URLEncoding.EncodeToString(img[:48]),
			fmt.Sprintf("%x", img[:32]), string(img[:16]),
		}
		stop()
		mu.Lock()
		defer mu.Unlock()
		for _, b := range bad {
			t.Errorf("the page sent a request with a body or a method other than GET: %s", b)
		}
		for _, s := range seen {
			if len(s) > 4096 && !strings.Contains(s, " data:") {
				t.Errorf("a request with a %d-byte URL: %.120s", len(s), s)
			}
			for _, n := range needles {
				if strings.Contains(s, n) {
					t.Errorf("request carries the image bytes: %.200s", s)
				}
			}
		}
		t.Logf("during an upload and a layer view: %d requests reached the server, %d seen by the browser; none carries the image", len(server), len(seen))
		for _, r := range server {
			t.Logf("  server: %s %s", r.Method, r.Path)
		}
	})

	t.Run("layers and viewer", func(t *testing.T) {
		a := appPage{t: t, p: p}
		var names string
		a.eval(`JSON.stringify([...document.querySelectorAll("#layer-table tbody tr")].filter(tr => tr.querySelector("button.show-maps")).map(tr => tr.dataset.layer))`, &names)
		var layers []string
		if err := json.Unmarshal([]byte(names), &layers); err != nil || len(layers) < 2 {
			t.Fatalf("layers with maps: %s (%v)", names, err)
		}
		shots := map[string]*image.RGBA{}
		for _, l := range []string{layers[0], layers[len(layers)/2]} {
			if err := p.Click(`#layer-table tr[data-layer="` + l + `"] button.show-maps`); err != nil {
				t.Fatal(err)
			}
			a.wait(fmt.Sprintf(`document.querySelector("#viewer")?.dataset.drawn === %q && "ok"`, l+":maps:grid"), time.Minute)
			note, _ := p.Text("#layer-note")
			shot := a.viewerShot("maps-" + strings.ReplaceAll(l, ".", "_"))
			if c := appColours(shot); c < 16 {
				t.Errorf("%s: the viewer shows %d colours: blank?", l, c)
			}
			shots[l] = shot
			t.Logf("%s: %s", l, note)
		}
		// Hovering a map shows its channel and value under the viewer.
		r, err := p.Rect("#viewer")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range [][2]float64{{0.2, 0.2}, {0.3, 0.35}, {0.5, 0.5}, {0.25, 0.6}} {
			x, y := float64(r.Min.X)+f[0]*float64(r.Dx()), float64(r.Min.Y)+f[1]*float64(r.Dy())
			if err := p.Do(chromedp.MouseEvent(chromedp.MouseMoved, x, y)); err != nil {
				t.Fatal(err)
			}
			if v, err := p.WaitJS(`document.querySelector("#hover").textContent.startsWith("Channel ") && document.querySelector("#hover").textContent`, 3*time.Second); err == nil {
				t.Logf("hover: %s", v)
				break
			}
		}
		if txt, _ := p.Text("#hover"); !strings.HasPrefix(txt, "Channel ") {
			t.Errorf("hovering the maps shows %q, want a channel and value", txt)
		}
		if d := appDiffer(shots[layers[0]], shots[layers[len(layers)/2]]); d < 0.05 {
			t.Errorf("two layers look the same (%.1f%% of pixels differ)", 100*d)
		}
		// Settings: per-layer normalisation and another colormap redraw.
		if err := p.Do(chromedp.SetValue("#norm", "layer")); err != nil {
			t.Fatal(err)
		}
		a.eval(`document.querySelector("#norm").dispatchEvent(new Event("change", {bubbles: true})) && "ok"`, nil)
		a.wait(`document.querySelector("#norm-text").textContent.includes("whole layer") && "ok"`, 10*time.Second)
		if err := p.Do(chromedp.SetValue("#colormap", "magma")); err != nil {
			t.Fatal(err)
		}
		a.eval(`document.querySelector("#colormap").dispatchEvent(new Event("change", {bubbles: true})) && "ok"`, nil)
		magma := a.viewerShot("maps-magma-per-layer")
		if d := appDiffer(magma, shots[layers[len(layers)/2]]); d < 0.05 {
			t.Errorf("colormap and normalisation changed nothing on screen (%.1f%% differ)", 100*d)
		}
		// The first conv's filters.
		if err := p.Click("#show-filters"); err != nil {
			t.Fatal(err)
		}
		a.wait(`document.querySelector("#viewer")?.dataset.drawn?.endsWith(":filters:grid") && "ok"`, time.Minute)
		note, _ := p.Text("#layer-note")
		t.Logf("filters: %s", note)
		if c := appColours(a.viewerShot("filters")); c < 8 {
			t.Errorf("filters view shows %d colours", c)
		}
	})

	t.Run("responsive during a long run, cancel", func(t *testing.T) {
		a := appPage{t: t, p: p}
		cli, err := models.LoadName(dir, slow.Name)
		if err != nil {
			t.Fatal(err)
		}
		a.useModel(slow, len(cli.Meta.Layers))
		before := a.runs()
		// Long tasks on the page's main thread during the run, for the log.
		a.eval(`window.appLong = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => appLong.push(Math.round(e.duration)))).observe({type: "longtask"}); "ok"`, nil)
		a.upload(images[0])
		a.wait(`(document.querySelector("#run-step")?.textContent || "").startsWith("Layer ") && "ok"`, time.Minute)
		step1 := a.state()
		// A click on another control is answered at once while the run goes on.
		clicked := time.Now()
		if err := p.Click("#show-filters"); err != nil {
			t.Fatal(err)
		}
		a.wait(`document.querySelector("#show-filters").getAttribute("aria-pressed") === "true" && "ok"`, 5*time.Second)
		answered := time.Since(clicked)
		step2 := a.state()
		t.Logf("click answered in %v; before: %s; after: %s", answered.Round(time.Millisecond), step1, step2)
		if !strings.Contains(step2, `"running":true`) {
			t.Errorf("the run ended before the click was answered: the test model is too fast to show responsiveness")
		}
		if answered > 2*time.Second {
			t.Errorf("the page took %v to answer a click during a run", answered)
		}
		a.viewport("running")
		var long string
		a.eval(`JSON.stringify({long: appLong, slowestRenderMs: document.documentElement.dataset.renderMax})`, &long)
		t.Logf("main-thread tasks over 50 ms during the run so far, and the slowest Vugu render of the session: %s", long)
		if n, _ := p.Count("#cancel"); n == 1 {
			if err := p.Click("#cancel"); err != nil {
				t.Fatal(err)
			}
			a.wait(`document.querySelector("#notice")?.textContent === "Cancelled." && !document.querySelector("#run") && "ok"`, time.Minute)
			if a.runs() != before {
				t.Errorf("the cancelled run still produced a result")
			}
			t.Logf("cancelled: %s", a.state())
		} else {
			t.Errorf("no Cancel button to click: %s", a.state())
		}
		// The page still works after the cancel. (This run is long, so
		// the page shows its busy state, and the notice of the cancel.)
		got, written := a.classifyShown(images[1%len(images)])
		if len(got) != 5 {
			t.Errorf("classify after cancel: %d classes", len(got))
		}
		t.Logf("classify after cancel: written before the full render: %v", written)
		a.useModel(mainModels[0], -1)
	})

	t.Run("paste and drop", func(t *testing.T) {
		a := appPage{t: t, p: p}
		// The page's handlers get the same events a real paste or drop
		// makes: a ClipboardEvent or DragEvent whose DataTransfer holds a
		// File (built here from a sample image of the site).
		for _, kind := range []string{"paste", "drop"} {
			before := a.runs()
			a.eval(fmt.Sprintf(`(async () => {
				const blob = await (await fetch("samples/cifar10/horse.jpg")).blob();
				const dt = new DataTransfer();
				dt.items.add(new File([blob], "%s-horse.jpg", {type: "image/jpeg"}));
				const ev = %q === "paste"
					? new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true})
					: new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true});
				document.querySelector("#drop-zone").dispatchEvent(ev);
				return "ok";
			})()`, kind, kind), nil)
			a.wait(fmt.Sprintf(`Number(document.querySelector("#result").dataset.runs) > %d && !document.querySelector("#run") && "ok"`, before), time.Minute)
			caption, _ := p.Text(".view figcaption")
			if !strings.HasPrefix(caption, kind+"-horse.jpg") {
				t.Errorf("%s: the result is for %q", kind, caption)
			}
			t.Logf("%s: %s", kind, caption)
		}
	})

	t.Run("sample and tampered download", func(t *testing.T) {
		a := appPage{t: t, p: p}
		before := a.runs()
		if err := p.Click(`#samples button.sample[data-sample="ship"]`); err != nil {
			t.Fatal(err)
		}
		a.wait(fmt.Sprintf(`Number(document.querySelector("#result").dataset.runs) > %d && !document.querySelector("#run") && "ok"`, before), time.Minute)
		top := a.top5()
		t.Logf("sample ship: top-1 %s (%.3f)", top[0].Label, top[0].Prob)

		var tampered modelEntry
		list, _ := modelList(cat)
		for _, m := range list {
			if m.Name == "tampered_resnet20" {
				tampered = m
			}
		}
		rec.mu.Lock()
		rec.tamper = map[string]bool{"/" + tampered.URL: true}
		rec.mu.Unlock()
		if err := p.Click(`#model-table tr[data-model="tampered_resnet20"] button.use-model`); err != nil {
			t.Fatal(err)
		}
		msg := a.wait(`(() => { const e = document.querySelector("#alert[role=alert]"); return e && !document.querySelector("#download") && e.textContent; })()`, time.Minute)
		t.Logf("tampered download: %s", msg)
		if !strings.Contains(msg, "tampered_resnet20") || !strings.Contains(strings.ToLower(msg), "sha-256") {
			t.Errorf("the alert %q does not say which model failed its SHA-256 check", msg)
		}
		// The model that was loaded stays usable.
		if got := a.classify(images[3%len(images)]); len(got) != 5 {
			t.Errorf("classify after the tampered download: %d classes", len(got))
		}
	})

	t.Run("file input keyboard", func(t *testing.T) {
		// The file input is visually hidden and its label is the button
		// (static/style.css: the input's text changing on a pick made a
		// frame that laid out and painted the whole page). The input stays
		// in the Tab order, its label shows the keyboard focus, and Enter,
		// Space and a click on the label open the file chooser.
		a := appPage{t: t, p: p}
		opened := make(chan string, 4)
		lctx, cancel := context.WithCancel(p.Context())
		defer cancel()
		intercept := func(on bool) error {
			return p.Do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				if on {
					evs := cdp.Events(lctx, tg, page.FileChooserOpened)
					go func() {
						for ev, err := range evs {
							if err != nil {
								return
							}
							opened <- string(ev.Mode)
						}
					}()
				}
				_, err := cdp.Call(ctx, tg, page.SetInterceptFileChooserDialog, page.SetInterceptFileChooserDialogParams{Enabled: on})
				return err
			}))
		}
		if err := intercept(true); err != nil {
			t.Fatal(err)
		}
		defer intercept(false)
		chooser := func(how string) {
			t.Helper()
			select {
			case <-opened:
			case <-time.After(10 * time.Second):
				t.Errorf("%s did not open the file chooser", how)
			}
		}
		// Shift+Tab from the first sample's button reaches the input.
		a.eval(`document.querySelector("#samples button.sample").focus(); "ok"`, nil)
		if err := p.Do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))); err != nil {
			t.Fatal(err)
		}
		var focus string
		a.eval(`(() => { const e = document.activeElement, l = document.querySelector("label[for=file-input]");
			return e.id + " " + e.matches(":focus-visible") + " " + getComputedStyle(l).outlineStyle; })()`, &focus)
		if focus != "file-input true solid" {
			t.Errorf("Shift+Tab from the first sample: focus, focus-visible, label outline %q, want %q", focus, "file-input true solid")
		}
		for _, k := range []string{kb.Enter, " "} {
			if err := p.Do(chromedp.KeyEvent(k)); err != nil {
				t.Fatal(err)
			}
			chooser(fmt.Sprintf("key %q on the focused input", k))
		}
		if err := p.Click(`label[for=file-input]`); err != nil {
			t.Fatal(err)
		}
		chooser("a click on its label")
	})

	t.Run("phone", func(t *testing.T) {
		a := appPage{t: t, p: p}
		if err := p.Do(chromedp.EmulateViewport(375, 667, chromedp.EmulateScale(2))); err != nil {
			t.Fatal(err)
		}
		defer p.Do(chromedp.EmulateViewport(1280, 900))
		time.Sleep(500 * time.Millisecond)
		var overflow string
		a.eval(`JSON.stringify({doc: document.documentElement.scrollWidth, win: window.innerWidth, wide: [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-scroll")).map(e => e.tagName + "#" + e.id + "." + e.className).slice(0, 5)})`, &overflow)
		var o struct {
			Doc, Win int
			Wide     []string
		}
		if err := json.Unmarshal([]byte(overflow), &o); err != nil {
			t.Fatal(err)
		}
		if o.Doc > o.Win || len(o.Wide) > 0 {
			t.Errorf("horizontal overflow at 375 px: page %d px wide in a %d px window; too wide: %v", o.Doc, o.Win, o.Wide)
		}
		if _, err := p.Screenshot("phone-375x667"); err != nil {
			t.Error(err)
		}
		// Every control has a label people and screen readers can use, and
		// is reachable with Tab (no negative tabindex, not disabled). The
		// one exception is a tab of a tablist with a roving tabindex (the
		// WAI-ARIA tabs pattern): exactly one tab of the list is in the Tab
		// order and the arrow keys reach the others (TestLessonTabsKeyboard).
		var unlabelled string
		a.eval(`JSON.stringify([...document.querySelectorAll("button, input, select, iframe, progress")].filter(e => {
			const name = (e.labels && e.labels.length) || e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") || e.title || e.textContent.trim();
			const list = e.getAttribute("role") === "tab" && e.closest("[role=tablist]");
			const roving = list && [...list.querySelectorAll("[role=tab]")].filter(x => x.tabIndex === 0).length === 1;
			return !name || e.tabIndex < 0 && e.tagName !== "PROGRESS" && !roving;
		}).map(e => e.outerHTML.slice(0, 80)))`, &unlabelled)
		if unlabelled != "[]" {
			t.Errorf("controls without a label or out of the tab order: %s", unlabelled)
		}
	})

	// The viewer iframe was loaded once: renders never reload it.
	loads := 0
	for _, r := range rec.since(0) {
		if r.Path == "/viewer.html" && r.Dest == "iframe" {
			loads++
		}
	}
	if loads != 1 {
		t.Errorf("viewer.html was loaded %d times, want once", loads)
	}
	p.CheckNoErrors()
}

// firstSelected reads which model the page chose by itself.
func firstSelected(a appPage) string {
	var s string
	a.eval(`document.querySelector("#layers-title")?.textContent || ""`, &s)
	return strings.TrimPrefix(s, "Layers of ")
}

// cifarSamples lists the first test image of each CIFAR-10 class, then the
// second of each, and so on (up to 4 per class).
func cifarSamples(t *testing.T) []string {
	var out []string
	for i := 0; i < 4; i++ {
		for _, class := range labels.CIFAR10() {
			p := filepath.Join("..", "shared", "data", "cifar10", "test", class, fmt.Sprintf("%04d.jpg", i))
			if abs, err := filepath.Abs(p); err == nil {
				if _, err := os.Stat(abs); err == nil {
					out = append(out, abs)
				}
			}
		}
	}
	return out
}
