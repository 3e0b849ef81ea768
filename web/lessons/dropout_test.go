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
	// to VGG16's largest dropout input and then some.
	for n := 41; n <= 30000; n += 97 {
		digits := len(new(big.Int).Lsh(big.NewInt(1), uint(n)).String())
		want := fmt.Sprintf("2^%d (about 10^%s)", n, groupDigits(fmt.Sprint(digits-1)))
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
