//go:build !linux && !js

package cputime

func seconds() float64 { return 0 }
