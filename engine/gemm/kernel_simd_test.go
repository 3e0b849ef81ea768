//go:build (amd64 || wasm) && goexperiment.simd && !convscope_nosimd

package gemm

import (
	"runtime"
	"testing"

	"simd/archsimd"
)

// TestSIMDKernelsListed: a SIMD build lists the kernels the CPU supports,
// so the table tests above run them, and DefaultTiles picks the first.
func TestSIMDKernelsListed(t *testing.T) {
	var want []string
	switch runtime.GOARCH {
	case "wasm":
		want = []string{"simd128_4x12"}
	case "amd64":
		if archsimd.X86.AVX512() {
			want = append(want, "avx512_4x32")
		}
		if archsimd.X86.AVX2() && archsimd.X86.FMA() {
			want = append(want, "avx2fma_4x16")
		}
	}
	ks := Kernels()
	if len(ks) != 1+len(want) || ks[0].Name != Generic.Name {
		t.Fatalf("Kernels() = %v, want generic then %v", names(ks), want)
	}
	for i, w := range want {
		if ks[1+i].Name != w {
			t.Fatalf("Kernels() = %v, want generic then %v", names(ks), want)
		}
	}
	t.Setenv(NoSIMDEnv, "")
	if len(want) > 0 && defaultKernel().Name != want[0] {
		t.Fatalf("default kernel %s, want %s", defaultKernel().Name, want[0])
	}
	t.Setenv(NoSIMDEnv, "1")
	if defaultKernel().Name != Generic.Name {
		t.Fatalf("with %s=1 the default kernel is %s", NoSIMDEnv, defaultKernel().Name)
	}
}

func names(ks []Kernel) []string {
	var s []string
	for _, k := range ks {
		s = append(s, k.Name)
	}
	return s
}
