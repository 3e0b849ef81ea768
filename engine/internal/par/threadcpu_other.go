//go:build !linux

package par

// threadCPU has no per-thread clock here: tracing counts no CPU time.
func threadCPU() int64 { return 0 }
