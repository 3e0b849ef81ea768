package workerjs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestClientParses: Client is valid JavaScript that defines workerClient
// and base64Bytes (node --check parses it without running it). The
// protocol itself is exercised by the browser tests that use it
// (TestSplitWorkersE2E, TestWorker*).
func TestClientParses(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: cannot parse the JavaScript")
	}
	for _, name := range []string{"function workerClient(url, onMessage)", "function base64Bytes(b64)"} {
		if !strings.Contains(Client, name) {
			t.Errorf("Client does not define %s", name)
		}
	}
	f := filepath.Join(t.TempDir(), "client.js")
	if err := os.WriteFile(f, []byte(Client), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", f).CombinedOutput(); err != nil {
		t.Errorf("node --check: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.js")
	if err := os.WriteFile(bad, []byte(Client+"\n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(node, "--check", bad).Run(); err == nil {
		t.Error("node --check accepts a stray brace: the check cannot fail")
	}
}
