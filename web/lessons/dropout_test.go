package lessons

import (
	"fmt"
	"math/big"
	"testing"
)

func TestSubnetworks(t *testing.T) {
	for _, tc := range []struct {
		units int
		want  string
	}{
		{0, "2^0 (1)"},
		{1, "2^1 (2)"},
		{16, "2^16 (65,536)"},
		{40, "2^40 (1,099,511,627,776)"},
		{41, "2^41 (about 10^12)"},
		{4096, "2^4096 (about 10^1233)"},
		{9216, "2^9216 (about 10^2774)"},
		{25088, "2^25088 (about 10^7552)"},
		{-1, ""},
	} {
		if got := Subnetworks(tc.units); got != tc.want {
			t.Errorf("Subnetworks(%d) = %q, want %q", tc.units, got, tc.want)
		}
	}
	// The power of ten is the digit count minus one, for every size up
	// to 100,000: k with 10^k <= 2^n < 10^(k+1), tracked exactly.
	p, pow10, k := big.NewInt(1), big.NewInt(1), 0
	next := new(big.Int)
	for n := 1; n <= 100000; n++ {
		p.Lsh(p, 1)
		for next.Mul(pow10, big.NewInt(10)).Cmp(p) <= 0 {
			pow10.Set(next)
			k++
		}
		if n <= exactUpTo {
			continue
		}
		want := fmt.Sprintf("2^%d (about 10^%s)", n, groupDigits(fmt.Sprint(k)))
		if got := Subnetworks(n); got != want {
			t.Fatalf("Subnetworks(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDropouts(t *testing.T) {
	d, err := Dropouts(alexnetNet())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d) != "[{classifier.0 9216 2^9216 (about 10^2774)} {classifier.3 4096 2^4096 (about 10^1233)}]" {
		t.Errorf("alexnet dropouts %v", d)
	}
	if d, err := Dropouts(resnet18Net()); err != nil || len(d) != 0 {
		t.Errorf("resnet18: %v, %v", d, err)
	}
	if _, err := Dropouts(nil); err == nil {
		t.Error("no model: no error")
	}
}
