package main

import (
	"net/http"
	"time"
)

// progressWriter pushes the connection's write deadline forward before each
// write. A download that keeps moving never times out, however long it is
// (a 550 MB model over a slow link), while a client that stops reading is
// cut off after fileWriteIdle.
type progressWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func newProgressWriter(w http.ResponseWriter) *progressWriter {
	return &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
}

func (w *progressWriter) Write(p []byte) (int, error) {
	// Errors mean the connection cannot take deadlines (tests with a
	// recorder); the server's WriteTimeout then still applies.
	_ = w.rc.SetWriteDeadline(time.Now().Add(fileWriteIdle))
	return w.ResponseWriter.Write(p)
}

func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
