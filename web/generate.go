// Package web holds the Vugu components of the ConvScope page. Each component
// is three files: x.vugu (markup), x.go (state and handlers) and x_vgen.go,
// generated from x.vugu by vugugen and committed. vugugen does not gofmt its
// output, so the second line does; CI regenerates and checks that nothing
// changed.
package web

//go:generate go tool vugugen -skip-go-mod -skip-main .
//go:generate go run cmd/gofmt -w .
