package browsertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

const page = `<!doctype html><html><head><title>t</title><link rel="icon" href="data:,"></head><body>
<button id="b">press</button><p id="out">before</p>
<script>
document.getElementById("b").addEventListener("click", function () {
	document.getElementById("out").textContent = "after";
	if (location.hash === "#fail") { console.error("boom from the page"); }
});
</script></body></html>`

func TestHarness(t *testing.T) {
	b := Start(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	defer srv.Close()

	t.Run("clean", func(t *testing.T) {
		p := b.NewPage(t)
		if err := p.Navigate(srv.URL + "/"); err != nil {
			t.Fatal(err)
		}
		if err := p.Click("#b"); err != nil {
			t.Fatal(err)
		}
		txt, err := p.Text("#out")
		if err != nil || txt != "after" {
			t.Fatalf("text after click = %q, %v; want after", txt, err)
		}
		if n, err := p.Count("button"); err != nil || n != 1 {
			t.Errorf("Count(button) = %d, %v", n, err)
		}
		if v, err := p.WaitJS(`document.getElementById("out").textContent === "after" && "yes"`, 5*time.Second); err != nil || v != "yes" {
			t.Errorf("WaitJS = %q, %v", v, err)
		}
		if _, err := p.WaitJS(`false`, 300*time.Millisecond); err == nil {
			t.Error("WaitJS(false) returned nil")
		}
		if r, err := p.Rect("#b"); err != nil || r.Dx() <= 0 || r.Dy() <= 0 {
			t.Errorf("Rect(#b) = %v, %v", r, err)
		}
		path, err := p.Screenshot("clean")
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s: %v", path, err)
		}
		if errs := p.Errors(); len(errs) != 0 {
			t.Errorf("unexpected console errors: %v", errs)
		}
	})

	t.Run("errors are collected", func(t *testing.T) {
		p := b.NewPage(t)
		if err := p.Navigate(srv.URL + "/#fail"); err != nil {
			t.Fatal(err)
		}
		if err := p.Click("#b"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(p.Errors()) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		errs := p.Errors()
		if len(errs) != 1 || !strings.Contains(errs[0].Text, "boom from the page") {
			t.Fatalf("errors = %v, want the one console.error", errs)
		}
	})

	t.Run("missing selector times out", func(t *testing.T) {
		p := b.NewPage(t)
		if err := p.Navigate(srv.URL + "/"); err != nil {
			t.Fatal(err)
		}
		if err := p.WaitVisible("#nothing-here", 500*time.Millisecond); err == nil {
			t.Fatal("WaitVisible on a missing element returned nil")
		}
	})
}
