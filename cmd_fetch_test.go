package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"convscope/models"
)

// serveTinynet points fetch at a local server that publishes tinynet's
// fixture checkpoint under a torchvision-style name (with its SHA-256
// prefix), through a catalog that knows only "tinynet". body changes what
// the server sends; it counts the requests.
func serveTinynet(t *testing.T, body func([]byte) []byte) *int {
	ckpt, err := os.ReadFile(tinynetZip)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(ckpt)
	file := "tinynet-" + hex.EncodeToString(sum[:4]) + ".pth"
	hits := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*hits++
		if r.URL.Path != "/models/"+file {
			http.NotFound(w, r)
			return
		}
		w.Write(body(ckpt))
	}))
	t.Cleanup(srv.Close)
	oldURL, oldCat := fetchBaseURL, fetchCatalog
	t.Cleanup(func() { fetchBaseURL, fetchCatalog = oldURL, oldCat })
	fetchBaseURL = srv.URL + "/models/"
	fetchCatalog = func(name string) (models.Weights, bool) {
		if name != "tinynet" {
			return models.Weights{}, false
		}
		return models.Weights{Name: "tinynet", File: file, SHA256Prefix: file[8:16]}, true
	}
	return hits
}

func TestFetchCommand(t *testing.T) {
	hits := serveTinynet(t, func(b []byte) []byte { return b })
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := fetchCmd(context.Background(), []string{"-models", dir, "tinynet"}, &out, &errOut, false); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "tinynet: stored ") || !strings.Contains(errOut.String(), "downloaded tinynet-") {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}
	m, err := models.Load(models.PathFor(dir, "tinynet"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Meta.Source, "torchvision tinynet-") {
		t.Errorf("source %q", m.Meta.Source)
	}
	assertModelsDir(t, dir, "tinynet.csm")

	out.Reset()
	if err := fetchCmd(context.Background(), []string{"-models", dir, "tinynet"}, &out, &errOut, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already in") || *hits != 1 {
		t.Errorf("second fetch: %q after %d requests", out.String(), *hits)
	}
}

func TestFetchCommandErrors(t *testing.T) {
	serveTinynet(t, func(b []byte) []byte {
		b = bytes.Clone(b)
		b[len(b)/2] ^= 0x20
		return b
	})
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"tampered", []string{"tinynet"}, "could not fetch tinynet"},
		{"unknown", []string{"lenet"}, `"lenet" is not in torchvision's catalog`},
		{"none", nil, "name at least one model"},
	} {
		dir := t.TempDir()
		var errOut bytes.Buffer
		err := fetchCmd(context.Background(), append([]string{"-models", dir}, c.args...), &bytes.Buffer{}, &errOut, false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if c.name == "tampered" && !strings.Contains(errOut.String(), "corrupt or was tampered with") {
			t.Errorf("tampered: stderr %q", errOut.String())
		}
		assertModelsDir(t, dir)
	}
}
