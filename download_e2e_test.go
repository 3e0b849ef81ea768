package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"convscope/internal/browsertest"
	"convscope/models/modelfile"
)

// The download test makes the page fetch a real model file of tens of MB (a
// random-weights ImageNet ResNet-50 written by the project's converter) from
// the real server slowed down to a few MB/s, and watches the progress bar,
// a cancel, and a connection that drops mid-file. (A tampered file is
// TestAppE2E's "sample and tampered download".)

// throttle slows the model files down and can cut a download short; the
// rest of the site goes at full speed.
type throttle struct {
	next http.Handler
	mu   sync.Mutex
	rate int64 // bytes per second
	cut  int64 // > 0: abort the connection after this many bytes
	sent []string
}

func (th *throttle) set(rate, cut int64) {
	th.mu.Lock()
	th.rate, th.cut = rate, cut
	th.mu.Unlock()
}

// log returns what happened to each model download so far.
func (th *throttle) log() []string {
	th.mu.Lock()
	defer th.mu.Unlock()
	return append([]string(nil), th.sent...)
}

func (th *throttle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/models/") || r.Method != http.MethodGet {
		th.next.ServeHTTP(w, r)
		return
	}
	th.mu.Lock()
	tw := &throttledWriter{ResponseWriter: w, rate: th.rate, cut: th.cut, start: time.Now()}
	th.mu.Unlock()
	defer func() {
		th.mu.Lock()
		th.sent = append(th.sent, fmt.Sprintf("%s: %d bytes in %v (%s)", r.URL.Path, tw.n, time.Since(tw.start).Round(time.Millisecond), tw.end))
		th.mu.Unlock()
		if tw.end == "cut" {
			panic(http.ErrAbortHandler) // closes the connection mid-body
		}
	}()
	th.next.ServeHTTP(tw, r)
	if tw.end == "" {
		tw.end = "complete"
	}
}

// throttledWriter writes at most rate bytes per second, flushing as it goes
// so that the browser sees the bytes arrive.
type throttledWriter struct {
	http.ResponseWriter
	rate, cut, n int64
	start        time.Time
	end          string // "complete", "cut", or the write error (the browser went away)
}

func (w *throttledWriter) Write(p []byte) (int, error) {
	if w.end != "" {
		return 0, http.ErrAbortHandler
	}
	written := 0
	for len(p) > 0 {
		k := min(len(p), 16<<10)
		if w.cut > 0 && w.n+int64(k) > w.cut {
			w.end = "cut"
			return written, http.ErrAbortHandler
		}
		n, err := w.ResponseWriter.Write(p[:k])
		written += n
		w.n += int64(n)
		if err != nil {
			w.end = err.Error()
			return written, err
		}
		http.NewResponseController(w.ResponseWriter).Flush()
		p = p[k:]
		if due := w.start.Add(time.Duration(float64(w.n) / float64(w.rate) * float64(time.Second))); time.Until(due) > 0 {
			time.Sleep(time.Until(due))
		}
	}
	return written, nil
}

func (w *throttledWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bigModel writes a random-weights ImageNet ResNet-50 (int8 weights, about
// 26 MB) into dir.
func bigModel(t *testing.T, dir, name string) *modelfile.File {
	t.Helper()
	return randomModelFile(t, dir, "resnet50", name, 11)
}

// jsWatchDownload samples the download bar every 20 ms into
// window.dlSeen: [value (-1 when indeterminate), max, the layers title and
// the number of rows of the layer table] (the title names the chosen model at
// once; the table is the current model's).
const jsWatchDownload = `(() => {
	window.dlSeen = [];
	clearInterval(window.dlTimer);
	window.dlTimer = setInterval(() => {
		const p = document.querySelector("#download-progress");
		if (!p) return;
		const v = p.hasAttribute("value") ? p.value : -1;
		const last = dlSeen[dlSeen.length - 1];
		if (!last || last[0] !== v || last[1] !== p.max) {
			const rows = document.querySelectorAll("#layer-table tbody tr").length;
			dlSeen.push([v, p.max, (document.querySelector("#layers-title")?.textContent || "") + " " + rows]);
		}
	}, 20);
	return "ok";
})()`

type dlSample struct {
	Value, Max float64
	Layers     string // the layers title and the table's row count
}

func readDownloadSamples(a appPage) []dlSample {
	a.t.Helper()
	var s string
	a.eval(`clearInterval(window.dlTimer), JSON.stringify(window.dlSeen)`, &s)
	var raw [][3]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		a.t.Fatal(err)
	}
	out := make([]dlSample, len(raw))
	for i, r := range raw {
		out[i] = dlSample{Value: r[0].(float64), Max: r[1].(float64), Layers: r[2].(string)}
	}
	return out
}

func TestDownloadE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the wasm app, writes a 26 MB model and starts Chromium; skipped in -short mode")
	}
	browser := browsertest.Start(t)
	site := buildSite(t)
	dir := t.TempDir()
	const name = "big_resnet50"
	file := bigModel(t, dir, name)
	cat, list := testCatalog(t, dir)
	var big modelEntry
	for _, m := range list {
		if m.Name == name {
			big = m
		}
	}
	if big.URL == "" {
		t.Fatalf("%s is not in the catalog: %+v", name, list)
	}
	th := &throttle{next: siteHandler(t, site, cat), rate: 8 << 20}
	srv := httptest.NewServer(th)
	defer srv.Close()

	a := appPage{t: t, p: browser.NewPage(t)}
	if err := a.p.Navigate(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	a.wait(`document.querySelector("html[data-wasm=running] #model-table") && document.querySelector("#layer-table") && !document.querySelector("#download") && "ok"`, 2*time.Minute)
	first := firstSelected(a)
	t.Logf("default model %s; %s is %d bytes at %s", first, name, big.Bytes, big.URL)
	use := func() {
		t.Helper()
		if err := a.p.Click(`#model-table tr[data-model="` + name + `"] button.use-model`); err != nil {
			t.Fatal(err)
		}
	}
	// waitProgress waits until the bar shows at least frac of the file.
	waitProgress := func(frac float64) string {
		t.Helper()
		return a.wait(fmt.Sprintf(`(() => { const p = document.querySelector("#download-progress"); return p && p.hasAttribute("value") && p.max > 0 && p.value >= %g * p.max && document.querySelector("#download-step").textContent; })()`, frac), time.Minute)
	}

	// bigLog is the server's record of the downloads of the big model.
	bigLog := func() []string {
		var out []string
		for _, l := range th.log() {
			if strings.HasPrefix(l, "/"+big.URL+":") {
				out = append(out, l)
			}
		}
		return out
	}

	t.Run("cancel", func(t *testing.T) {
		a := appPage{t: t, p: a.p}
		th.set(2<<20, 0) // 13 s for the file: time to cancel
		use()
		label := waitProgress(0.1)
		if n, _ := a.p.Count("#cancel"); n != 1 {
			t.Fatalf("no Cancel button during the download")
		}
		if err := a.p.Click("#cancel"); err != nil {
			t.Fatal(err)
		}
		a.wait(`!document.querySelector("#download") && !document.querySelector("#cancel") && "ok"`, 30*time.Second)
		state := a.state()
		t.Logf("cancelled at %q: %s", label, state)
		if n, _ := a.p.Count("#alert"); n != 0 {
			t.Errorf("a cancel shows an alert: %s", state)
		}
		if got := firstSelected(a); got != first {
			t.Errorf("after the cancel the layers are of %q, want the previous model %s", got, first)
		}
		// The server saw the browser go away before the end of the file.
		deadline := time.Now().Add(10 * time.Second)
		for len(bigLog()) == 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		log := bigLog()
		t.Logf("server: %v", log)
		if len(log) != 1 || strings.Contains(log[0], "complete") {
			t.Errorf("the cancelled download was not stopped on the wire: %v", log)
		}
	})

	t.Run("connection lost", func(t *testing.T) {
		a := appPage{t: t, p: a.p}
		th.set(8<<20, big.Bytes/3)
		use()
		msg := a.wait(`(() => { const e = document.querySelector("#alert[role=alert]"); return e && !document.querySelector("#download") && e.textContent; })()`, time.Minute)
		t.Logf("download cut at a third: %s", msg)
		if !strings.Contains(msg, name) || !strings.Contains(msg, "could not be downloaded") {
			t.Errorf("the alert %q does not say that %s could not be downloaded", msg, name)
		}
		if got := firstSelected(a); got != first {
			t.Errorf("after the failed download the layers are of %q, want %s", got, first)
		}
	})

	t.Run("progress", func(t *testing.T) {
		a := appPage{t: t, p: a.p}
		th.set(8<<20, 0)
		a.eval(jsWatchDownload, nil)
		start := time.Now()
		use()
		a.wait(fmt.Sprintf(`document.querySelector("#layers-title")?.textContent === "Layers of %s" && document.querySelectorAll("#layer-table tbody tr").length === %d && !document.querySelector("#download") && "ok"`, name, len(file.Meta.Layers)), 3*time.Minute)
		took := time.Since(start)
		seen := readDownloadSamples(a)
		log := bigLog()
		t.Logf("%s current after %v; server: %s", name, took.Round(time.Millisecond), log[len(log)-1])
		var values []string
		mid := 0
		for i, s := range seen {
			values = append(values, fmt.Sprintf("%.0f/%.0f", s.Value, s.Max))
			if i > 0 && s.Value >= 0 && seen[i-1].Value >= 0 && s.Value < seen[i-1].Value && s.Max == seen[i-1].Max {
				t.Errorf("the bar went back from %.0f to %.0f", seen[i-1].Value, s.Value)
			}
			if s.Value > 0 && s.Value < s.Max {
				mid++
				if s.Layers == fmt.Sprintf("Layers of %s %d", name, len(file.Meta.Layers)) {
					t.Errorf("the model was current while the bar showed %.0f of %.0f", s.Value, s.Max)
				}
			}
			if s.Max != float64(big.Bytes) && s.Value >= 0 {
				t.Errorf("the bar's maximum is %.0f, the file has %d bytes", s.Max, big.Bytes)
			}
		}
		t.Logf("%d distinct bar states, %d between 0 and the end: %s", len(seen), mid, strings.Join(values, " "))
		if mid < 5 {
			t.Errorf("the bar showed %d intermediate values during a %v download, want several", mid, took.Round(time.Millisecond))
		}
		if len(seen) == 0 || seen[len(seen)-1].Value != float64(big.Bytes) {
			t.Errorf("the bar never reached the end of the file")
		}
		if n, _ := a.p.Count("#alert"); n != 0 {
			t.Errorf("an alert after the download: %s", a.state())
		}
	})
	a.p.CheckNoErrors()
}
