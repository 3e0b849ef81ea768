//go:build js

package gemm

import "syscall/js"

// cpuSeconds returns the CPU time (user + system) the Node process has used
// (process.cpuUsage), or 0 in a browser. On a machine shared with other
// builds this is what a product costs, where wall time is not.
func cpuSeconds() float64 {
	p := js.Global().Get("process")
	if p.IsUndefined() || p.Get("cpuUsage").IsUndefined() {
		return 0
	}
	u := p.Call("cpuUsage")
	return (u.Get("user").Float() + u.Get("system").Float()) / 1e6
}
