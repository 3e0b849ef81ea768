package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"convscope/train/records"
)

// contentSecurityPolicy allows only this origin. 'wasm-unsafe-eval' lets the
// page compile WebAssembly (it does not allow JavaScript eval); workers may be
// started from blob: URLs, and the feature-map viewer runs in a same-origin
// iframe. Models are fetched from this origin, hence connect-src 'self'.
// worker-src 'self' also admits the offline service worker (static/sw.js),
// whose own fetches (precaching the site) stay on this origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"worker-src 'self' blob:; frame-src 'self'; img-src 'self' blob: data:; style-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"

// Timeouts of the HTTP server. Files are served with a rolling write deadline
// (fileWriteIdle, see progressWriter) instead of writeTimeout, so a 550 MB
// VGG19 file can still download over a slow classroom link as long as bytes
// keep moving.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second // no endpoint takes a body
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Variables so that the timeout tests can shorten them.
var (
	writeTimeout  = 2 * time.Minute // JSON answers and anything that is not a file
	fileWriteIdle = time.Minute     // a file download may stall this long between writes
)

// server serves the built site (the page, the wasm and their compressed
// variants), the model catalog and the model files. No handler reads a
// request body: classification happens in the browser.
type server struct {
	site   *os.Root // the build's site directory; every app file is opened through it
	models catalog
	log    *slog.Logger
	// training replaces the embedded training records when set (tests).
	training func() ([]records.Run, error)
}

// newHTTPServer wraps h in an http.Server with every timeout set.
func newHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// handler routes requests. Only GET and HEAD exist; everything else is 405.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /api/models", s.serveModelList)
	mux.HandleFunc("GET /api/training", s.serveTraining)
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "no such API endpoint: "+r.URL.Path)
	})
	mux.HandleFunc("GET /models/{file}", s.serveModelFile)
	mux.HandleFunc("GET /models/float32/{file}", s.serveTwinFile)
	mux.HandleFunc("GET /models/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "no such model file: "+r.URL.Path)
	})
	mux.HandleFunc("GET /", s.serveSite)
	return s.logRequests(securityHeaders(onlyGetAndHead(mux)))
}

func (s *server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// onlyGetAndHead answers 405 to every other method before routing, so no
// handler ever sees a request body.
func onlyGetAndHead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSONError(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed: this server only serves files")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		// Cross-origin isolation: only an isolated page has
		// SharedArrayBuffer, through which the engine worker splits a
		// run over helper workers, one per core (wasm/worker/helpers.go).
		// Everything the page loads is same-origin, so require-corp costs
		// nothing; the service worker keeps both headers for offline use.
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status and size of a response for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.Info("request",
			"method", r.Method,
			"path", r.URL.Path,
			"status", rec.status,
			"bytes", rec.bytes,
			"ms", float64(time.Since(start).Microseconds())/1000,
			"remote", r.RemoteAddr)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	body = append(body, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": msg})
}
