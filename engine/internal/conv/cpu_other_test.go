//go:build !linux

package conv

// cpuSeconds is not measured here (the cpu-ms/op metric reads 0).
func cpuSeconds() float64 { return 0 }
