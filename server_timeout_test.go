package main

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// TestWriteDeadlines: a download that keeps moving outlives the server's
// WriteTimeout, and one whose client stops reading is cut off.
func TestWriteDeadlines(t *testing.T) {
	oldWrite, oldIdle := writeTimeout, fileWriteIdle
	// Generous enough that a loaded CI machine does not stall the steady
	// reader for longer than fileWriteIdle.
	writeTimeout, fileWriteIdle = 600*time.Millisecond, 1500*time.Millisecond
	t.Cleanup(func() { writeTimeout, fileWriteIdle = oldWrite, oldIdle })

	// Loopback socket buffers hold a few MiB: the files must be larger, so
	// that the server is still writing when the deadlines pass.
	big := make([]byte, 48<<20)
	cat := newFakeCatalog(map[string][]byte{"big": big, "medium": big[:16<<20]})
	base := startServer(t, testSite(t), cat)
	urlOf := func(name string) string {
		for _, m := range cat.infos {
			if m.Name == name {
				return base + "/" + modelURL(m)
			}
		}
		t.Fatalf("no model %s", name)
		return ""
	}

	t.Run("slow but steady", func(t *testing.T) {
		resp, err := http.Get(urlOf("medium"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		start := time.Now()
		buf := make([]byte, 64<<10)
		var n int64
		for {
			k, err := resp.Body.Read(buf)
			n += int64(k)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("after %d bytes and %v: %v", n, time.Since(start), err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if n != 16<<20 {
			t.Fatalf("got %d bytes", n)
		}
		if d := time.Since(start); d < 2*writeTimeout {
			t.Fatalf("the download took %v; the test needs it to outlast WriteTimeout (%v)", d, writeTimeout)
		} else {
			t.Logf("16 MiB in %v, WriteTimeout %v", d.Round(time.Millisecond), writeTimeout)
		}
	})

	t.Run("stalled", func(t *testing.T) {
		resp, err := http.Get(urlOf("big"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		time.Sleep(2 * fileWriteIdle) // stop reading
		n, err := io.Copy(io.Discard, resp.Body)
		if err == nil && n == int64(len(big)) {
			t.Fatal("a client that stopped reading still got the whole file")
		}
		t.Logf("stalled client cut after %d of %d bytes: %v", n, len(big), err)
	})
}
