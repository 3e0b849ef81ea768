//go:build unix

package main

import "syscall"

// pause stops the onnxruntime-node process between its runs, resume lets
// it go on. onnxruntime's intra-op threads keep spinning after a run,
// waiting for the next (session.intra_op.allow_spinning, on by default):
// with two threads, one core stays busy for up to a second or more after
// every run, which took a core from the Go engine's two-thread runs in
// between (ResNet-18 ran as slowly on two threads as on one). Stopped, the
// process spins on no core; resumed, it finds its threads as a
// back-to-back run would, so onnxruntime keeps its default configuration
// and its times.
func (r *nodeRunner) pause() error  { return r.cmd.Process.Signal(syscall.SIGSTOP) }
func (r *nodeRunner) resume() error { return r.cmd.Process.Signal(syscall.SIGCONT) }
