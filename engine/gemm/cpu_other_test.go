//go:build !linux && !js

package gemm

// cpuSeconds is not measured here (the per-CPU-second metrics read 0).
func cpuSeconds() float64 { return 0 }
