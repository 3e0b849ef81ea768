// Package cputime reads the CPU time the process has used, for benchmarks
// that report cpu-ms per operation: on a machine shared with other builds
// that is what an operation costs, where wall time is not.
package cputime

// Seconds returns the CPU time (user + system) the process has used so
// far: getrusage on Linux, process.cpuUsage under Node (GOOS=js), and 0
// where it is not measured (a browser, other systems), so that metrics
// computed from it read 0 there.
func Seconds() float64 { return seconds() }
