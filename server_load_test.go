package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileCatalog serves one model from a file on disk, as the real catalog does.
type fileCatalog struct{ info modelInfo }

func (c fileCatalog) List() ([]modelInfo, error) { return []modelInfo{c.info}, nil }

func (c fileCatalog) Open(name string) (modelFile, modelInfo, error) {
	if name != c.info.Name {
		return nil, modelInfo{}, errNoModel
	}
	f, err := os.Open(c.info.Path)
	return f, c.info, err
}

// Load test parameters: a classroom of clients downloading the same model
// at once. The file is big enough that buffering it per request would show
// in the memory figures (200 x 2 MiB = 400 MiB).
const (
	loadClients  = 200
	loadRequests = 600 // in total, spread over the clients
	loadFileSize = 2 << 20
	// loadMaxHeap bounds the live heap of this whole process (server and the
	// 200 clients) while the test runs.
	loadMaxHeap = 128 << 20
)

// TestLoad: 200 concurrent clients download a model file over loopback;
// every byte must arrive intact and the server's memory must stay bounded.
// It logs requests/s, latency percentiles and peak memory.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	dir := t.TempDir()
	data := testModel()
	for len(data) < loadFileSize {
		data = append(data, data...)
	}
	data = data[:loadFileSize]
	path := filepath.Join(dir, "resnet20_cifar.csm")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	info := modelInfo{Name: "resnet20_cifar", Bytes: int64(len(data)), Available: true, SHA256: hex.EncodeToString(sum[:]), Path: path}
	base := startServer(t, testSite(t), fileCatalog{info})
	url := base + "/" + modelURL(info)

	runtime.GC()
	heapBefore := readHeap()
	var peakHeap uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if h := readHeap(); h > peakHeap {
				peakHeap = h
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  []string
	)
	next := make(chan int, loadRequests)
	for i := range loadRequests {
		next <- i
	}
	close(next)
	start := time.Now()
	var wg sync.WaitGroup
	for range loadClients {
		wg.Go(func() {
			// One transport per client: 200 separate laptops, 200 connections.
			tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			for range next {
				t0 := time.Now()
				err := download(ctx, client, url, info.SHA256, int64(len(data)))
				d := time.Since(t0)
				mu.Lock()
				latencies = append(latencies, d)
				if err != nil {
					failures = append(failures, err.Error())
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled

	if len(failures) > 0 {
		t.Fatalf("%d of %d downloads failed; first: %s", len(failures), loadRequests, failures[0])
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	rps := float64(loadRequests) / elapsed.Seconds()
	mbps := float64(loadRequests) * float64(len(data)) / elapsed.Seconds() / (1 << 20)
	hwm := vmHWM()
	t.Logf("load: %d clients, %d downloads of %d KiB in %v: %.0f req/s, %.0f MiB/s; latency p50 %v, p99 %v, max %v",
		loadClients, loadRequests, len(data)>>10, elapsed.Round(time.Millisecond), rps, mbps,
		pct(0.50).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
	t.Logf("load: live heap %d MiB before, peak %d MiB during (server and clients in one process); peak RSS (VmHWM) %s",
		heapBefore>>20, peakHeap>>20, hwm)
	if peakHeap > loadMaxHeap {
		t.Errorf("peak heap %d MiB exceeds %d MiB: is a file being buffered per request?", peakHeap>>20, loadMaxHeap>>20)
	}
}

func download(ctx context.Context, client *http.Client, url, want string, size int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != want {
		return fmt.Errorf("got %d bytes hashing to %s, want %d bytes hashing to %s", n, got, size, want)
	}
	return nil
}

// readHeap returns the bytes of live and not yet swept heap objects.
func readHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// vmHWM returns the process's peak resident set size from /proc, or
// "unknown" where there is no /proc.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.Atoi(f[0]); err == nil {
					return fmt.Sprintf("%d MiB", kb>>10)
				}
			}
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
