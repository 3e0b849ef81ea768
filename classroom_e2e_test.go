package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"convscope/internal/browsertest"
	"convscope/models"
)

// The page-level lessons' end-to-end tests (the comparison table, Compare,
// Classroom: web/table, compare, classroom .vugu) load the real page from
// the real server handler, with the built-in models only (an empty models
// folder), in headless Chromium.

// lessonSite is the server of these tests: the built site and a catalog of
// the built-in models and torchvision's (unavailable) ones.
type lessonSite struct {
	browser *browsertest.Browser
	url     string
	list    []modelEntry
	dir     string
}

func startLessonSite(t *testing.T) *lessonSite {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the wasm app and starts Chromium; skipped in -short mode")
	}
	b := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	cat, list := testCatalog(t, dir)
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	srv := httptest.NewServer((&server{site: root, models: cat, log: slog.New(slog.NewTextHandler(io.Discard, nil))}).handler())
	t.Cleanup(srv.Close)
	return &lessonSite{browser: b, url: srv.URL, list: list, dir: dir}
}

// builtins are the models the server ships (no download needed).
func (s *lessonSite) builtins() []modelEntry {
	var out []modelEntry
	for _, m := range s.list {
		if m.BuiltIn && m.Available && m.URL != "" {
			out = append(out, m)
		}
	}
	return out
}

// open loads the page at path (with its fragment) in a new tab and waits
// for the default model's layers.
func (s *lessonSite) open(t *testing.T, path string) appPage {
	t.Helper()
	p := s.browser.NewPage(t)
	a := appPage{t: t, p: p}
	if err := p.Navigate(s.url + path); err != nil {
		t.Fatal(err)
	}
	a.wait(`document.querySelector("html[data-wasm=running] #compare-table") && "ok"`, 2*time.Minute)
	return a
}

// idle waits until the page has a model loaded and nothing running.
func (a appPage) idle() {
	a.t.Helper()
	a.wait(`document.querySelector("#layer-table") && !document.querySelector("#download") && !document.querySelector("#run") && document.querySelector("#compare")?.dataset.running !== "true" && "ok"`, 3*time.Minute)
}

// pickSample clicks a sample and waits for its result.
func (a appPage) pickSample(name string) []models.Prediction {
	a.t.Helper()
	before := a.runs()
	if err := a.p.Click(`#samples button.sample[data-sample="` + name + `"]`); err != nil {
		a.t.Fatal(err)
	}
	a.wait(fmt.Sprintf(`Number(document.querySelector("#result").dataset.runs) > %d && !document.querySelector("#run") && "ok"`, before), 2*time.Minute)
	return a.top5()
}

// shot saves a full-page screenshot to the test's out dir.
func shot(t *testing.T, p *browsertest.Page, name string) {
	t.Helper()
	if _, err := p.Screenshot(name); err != nil {
		t.Error(err)
	}
}

func (a appPage) jsonEval(expr string, out any) {
	a.t.Helper()
	var s string
	a.eval(expr, &s)
	if err := json.Unmarshal([]byte(s), out); err != nil {
		a.t.Fatalf("%s: %v: %.300s", expr, err, s)
	}
}

// TestClassroomLink opens shared links: a good one restores the model, the
// sample, the layer and the enlarged channel, and "Make a link" gives the
// same link back; bad ones give notes that name each bad part, and the page
// still works.
func TestClassroomLink(t *testing.T) {
	s := startLessonSite(t)
	const model, sample, channel = "plain20_cifar", "cat", 3
	cli, err := models.LoadName(s.dir, model)
	if err != nil {
		t.Fatal(err)
	}
	// A conv layer in the middle of the network, with more than 3 channels.
	var layer string
	var convs []string
	for _, l := range cli.Meta.Layers {
		if l.Kind == "conv" && len(l.Shape) == 4 && l.Shape[1] > channel {
			convs = append(convs, l.Name)
		}
	}
	if len(convs) == 0 {
		t.Fatalf("%s has no conv layer with more than %d channels", model, channel)
	}
	layer = convs[len(convs)/2]
	frag := fmt.Sprintf("model=%s&sample=%s&layer=%s&channel=%d", model, sample, layer, channel)

	t.Run("restore", func(t *testing.T) {
		a := s.open(t, "/#"+frag)
		a.wait(fmt.Sprintf(`(document.querySelector("#classroom-notes")?.textContent || "").includes("Restored from the link") && "ok"`), 3*time.Minute)
		var got struct {
			Title, Caption, Pressed, Drawn, Notes, Timing string
		}
		a.jsonEval(fmt.Sprintf(`JSON.stringify({
			title: document.querySelector("#layers-title").textContent,
			caption: document.querySelector(".view figcaption").textContent,
			pressed: document.querySelector('#layer-table tr[data-layer=%q] button.show-maps').getAttribute("aria-pressed"),
			drawn: document.querySelector("#viewer")?.dataset.drawn || "",
			notes: document.querySelector("#classroom-notes").textContent,
			timing: document.querySelector("#timing").textContent})`, layer), &got)
		t.Logf("restored: %+v", got)
		if got.Title != "Layers of "+model || !strings.HasPrefix(got.Caption, sample+" as "+model) || got.Pressed != "true" {
			t.Errorf("the link did not restore model %s, sample %s and layer %s: %+v", model, sample, layer, got)
		}
		want := fmt.Sprintf("Restored from the link: model %s, sample %s, layer %s, channel %d.", model, sample, layer, channel)
		if !strings.Contains(got.Notes, want) {
			t.Errorf("notes %q, want %q", got.Notes, want)
		}
		// The viewer shows that channel enlarged.
		drawn := a.wait(fmt.Sprintf(`document.querySelector("#viewer")?.dataset.drawn === %q && document.querySelector("#viewer").dataset.drawn`, layer+":maps:detail"), time.Minute)
		t.Logf("viewer: %s", drawn)
		a.wait(fmt.Sprintf(`(document.querySelector("#link-text")?.textContent || "").includes("channel %d") && "ok"`, channel), 10*time.Second)
		// "Make a link" gives the same link back.
		if err := a.p.Click("#make-link"); err != nil {
			t.Fatal(err)
		}
		url := a.wait(`document.querySelector("#share-url")?.value`, 10*time.Second)
		if !strings.HasSuffix(url, "/#"+frag) {
			t.Errorf("share link %q, want it to end with /#%s", url, frag)
		}
		var hash string
		a.eval(`location.hash`, &hash)
		if hash != "#"+frag {
			t.Errorf("location.hash = %q, want #%s", hash, frag)
		}
		shot(t, a.p, "classroom-link-restored")
		a.p.CheckNoErrors()
	})

	t.Run("bad links", func(t *testing.T) {
		cases := []struct {
			frag string
			want []string
		}{
			{"model=nope&sample=eagle&layer=zzz&channel=x&colour=red", []string{
				`does not know: colour`, `channel "x" is not a whole number`, `model "nope" is not one this page knows`,
				`sample "eagle" is not a CIFAR-10 sample`}},
			{"model=vgg16&sample=dog", []string{"vgg16 is not on this server"}},
			{fmt.Sprintf("model=%s&sample=dog&layer=%s&channel=9999", model, layer), []string{
				fmt.Sprintf("channel 9999 is not one of the"), "Restored from the link: model " + model + ", sample dog, layer " + layer + "."}},
			{fmt.Sprintf("model=%s&sample=dog&layer=no.such.layer", model), []string{`layer "no.such.layer" is not a layer of ` + model}},
			{"model=%E0%A4%A&sample=cat", []string{"cannot be read"}},
		}
		for i, c := range cases {
			a := s.open(t, "/#"+c.frag)
			notes := a.wait(fmt.Sprintf(`(() => { const n = document.querySelector("#classroom-notes")?.textContent || ""; return %s && n; })()`, jsAllIncluded("n", c.want)), 3*time.Minute)
			t.Logf("#%s: %s", c.frag, notes)
			// The page still works: a model is loaded (and, once, a sample
			// runs: each page load costs half a minute on a busy machine).
			a.idle()
			if i == 0 {
				if got := a.pickSample("ship"); len(got) != 5 {
					t.Errorf("#%s: after the link, a sample gives %d classes", c.frag, len(got))
				}
				shot(t, a.p, "classroom-bad-link")
			}
			a.p.CheckNoErrors()
		}
	})
}

// choose sets a <select> and sends its change event.
func (a appPage) choose(sel, value string) {
	a.t.Helper()
	if err := a.p.Do(chromedp.SetValue(sel, value)); err != nil {
		a.t.Fatal(err)
	}
	a.eval(fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true})) && "ok"`, sel), nil)
}

// jsAllIncluded is a JavaScript condition: the string variable v contains
// every one of want.
func jsAllIncluded(v string, want []string) string {
	var parts []string
	for _, w := range want {
		q, _ := json.Marshal(w)
		parts = append(parts, fmt.Sprintf("%s.includes(%s)", v, q))
	}
	return strings.Join(parts, " && ")
}

// TestClassroomExport saves the scatter plot and the viewer's maps as PNG
// files (real downloads, caught in a folder by Chromium), checks they are
// valid, non-blank images, and turns the presentation view on and off.
func TestClassroomExport(t *testing.T) {
	s := startLessonSite(t)
	a := s.open(t, "/")
	a.idle()
	downloads := t.TempDir()
	ctx, cancel := context.WithTimeout(a.p.Context(), time.Minute)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	a.pickSample("cat")

	t.Run("scatter", func(t *testing.T) {
		a := appPage{t: t, p: a.p}
		a.wait(`document.querySelector("#scatter svg") && "ok"`, 30*time.Second)
		if err := a.p.Click("#scatter-export"); err != nil {
			t.Fatal(err)
		}
		note := a.wait(`(document.querySelector("#scatter-export-note")?.textContent || "").startsWith("Saved") && document.querySelector("#scatter-export-note").textContent`, 30*time.Second)
		t.Logf("scatter: %s", note)
		img := waitPNG(t, filepath.Join(downloads, "accuracy-vs-cost.png"))
		checkNotBlank(t, "scatter PNG", img, 4)
		var r struct{ W, H float64 }
		a.jsonEval(`JSON.stringify((() => { const r = document.querySelector("#scatter svg").getBoundingClientRect(); return {w: r.width, h: r.height}; })())`, &r)
		if b := img.Bounds(); b.Dx() < int(r.W) || b.Dy() < int(r.H) {
			t.Errorf("scatter PNG is %dx%d, smaller than the chart on screen (%.0fx%.0f)", b.Dx(), b.Dy(), r.W, r.H)
		}
	})

	t.Run("any figure", func(t *testing.T) {
		a := appPage{t: t, p: a.p}
		// The Classroom lists the page's figures; the model's view of the
		// image (a raster image) and the scatter plot are among them.
		a.wait(`document.querySelector('#figure-choice option[value="view"]') && document.querySelector('#figure-choice option[value="scatter"]') && "ok"`, 30*time.Second)
		var list []string
		a.jsonEval(`JSON.stringify([...document.querySelectorAll("#figure-choice option")].map(o => o.value + ": " + o.textContent))`, &list)
		t.Logf("figures on the page: %q", list)
		a.choose("#figure-choice", "view")
		if err := a.p.Click("#figure-export"); err != nil {
			t.Fatal(err)
		}
		note := a.wait(`(document.querySelector("#figure-export-note")?.textContent || "").startsWith("Saved view.png") && document.querySelector("#figure-export-note").textContent`, 30*time.Second)
		t.Logf("view: %s", note)
		checkNotBlank(t, "view PNG", waitPNG(t, filepath.Join(downloads, "view.png")), 64)
	})

	t.Run("viewer", func(t *testing.T) {
		a := appPage{t: t, p: a.p}
		var layer string
		a.eval(`document.querySelector("#layer-table button.show-maps").closest("tr").dataset.layer`, &layer)
		if err := a.p.Click(`#layer-table tr[data-layer="` + layer + `"] button.show-maps`); err != nil {
			t.Fatal(err)
		}
		a.wait(fmt.Sprintf(`document.querySelector("#viewer")?.dataset.drawn === %q && "ok"`, layer+":maps:grid"), time.Minute)
		if err := a.p.Click("#viewer-export"); err != nil {
			t.Fatal(err)
		}
		note := a.wait(`(document.querySelector("#viewer-export-note")?.textContent || "").startsWith("Saved") && document.querySelector("#viewer-export-note").textContent`, 30*time.Second)
		t.Logf("viewer: %s", note)
		img := waitPNG(t, filepath.Join(downloads, "maps-"+layer+".png"))
		checkNotBlank(t, "viewer PNG", img, 16)
		// What the PNG shows is what the viewer shows on screen.
		screen := a.viewerShot("viewer-export-screen")
		if b := img.Bounds(); b.Dx() < screen.Rect.Dx()/2 || b.Dy() < screen.Rect.Dy()/2 {
			t.Errorf("viewer PNG %v is much smaller than the viewer on screen %v", b, screen.Rect)
		}
	})

	t.Run("presentation", func(t *testing.T) {
		a := appPage{t: t, p: a.p}
		var before string
		a.eval(`getComputedStyle(document.documentElement).fontSize`, &before)
		if err := a.p.Click("#present"); err != nil {
			t.Fatal(err)
		}
		a.wait(`document.documentElement.classList.contains("present") && document.querySelector("#present").getAttribute("aria-pressed") === "true" && "ok"`, 10*time.Second)
		var during, fs string
		a.eval(`getComputedStyle(document.documentElement).fontSize`, &during)
		a.eval(`document.fullscreenElement ? "full screen" : "no full screen (refused by the browser)"`, &fs)
		t.Logf("presentation view: font size %s -> %s, %s", before, during, fs)
		if before == during {
			t.Errorf("the presentation view did not enlarge the type (%s)", during)
		}
		shot(t, a.p, "classroom-presentation")
		if err := a.p.Click("#present"); err != nil {
			t.Fatal(err)
		}
		a.wait(`!document.documentElement.classList.contains("present") && document.querySelector("#present").getAttribute("aria-pressed") === "false" && "ok"`, 10*time.Second)
	})
	a.p.CheckNoErrors()
}

// waitPNG waits for a downloaded file and decodes it.
func waitPNG(t *testing.T, path string) image.Image {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil && len(data) > 0 {
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %d bytes, not a PNG: %v", path, len(data), err)
			}
			t.Logf("downloaded %s: %d bytes, %v", filepath.Base(path), len(data), img.Bounds())
			return img
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(path))
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("no download %s after 30 s (folder holds %v)", filepath.Base(path), names)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkNotBlank fails when an image has fewer than min distinct colours.
func checkNotBlank(t *testing.T, what string, img image.Image, min int) {
	t.Helper()
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, al := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, al}] = true
		}
	}
	t.Logf("%s: %d distinct colours", what, len(seen))
	if len(seen) < min {
		t.Errorf("%s has %d distinct colours: blank?", what, len(seen))
	}
}
