package lessons

import (
	"fmt"
	"math"
	"math/big"
	"strconv"

	"convscope/web/protocol"
)

// exactUpTo is the largest exponent Subnetworks writes out in full: 2^40
// is 13 digits, still readable; beyond it only the power of ten means
// anything to a reader.
const exactUpTo = 40

// Subnetworks says how many different networks dropout samples from a
// layer of units units (each unit kept or dropped: 2^units): "2^16
// (65,536)" for small layers, "2^4096 (about 10^1233)" for large ones
// (the power of ten is the number's digit count minus one). Negative
// counts give "".
func Subnetworks(units int) string {
	if units < 0 {
		return ""
	}
	if units <= exactUpTo {
		return fmt.Sprintf("2^%d (%s)", units, groupDigits(new(big.Int).Lsh(big.NewInt(1), uint(units)).String()))
	}
	// floor(units*log10(2)) is the digit count minus one. In float64 it
	// could only go wrong where units*log10(2) lies within rounding of an
	// integer; TestSubnetworks checks every size up to 100,000 exactly
	// (VGG16's largest dropout input is 25,088).
	return fmt.Sprintf("2^%d (about 10^%s)", units, groupDigits(strconv.Itoa(int(math.Floor(float64(units)*math.Log10(2))))))
}

// groupDigits puts thousands separators into a decimal integer.
func groupDigits(s string) string {
	if len(s) <= 4 {
		return s
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Dropout is one dropout layer of the model.
type Dropout struct {
	Name        string
	Units       int64  // values it may drop per image (the size of its input)
	Subnetworks string // Subnetworks(Units)
}

// Dropouts returns the dropout layers of l in table order (AlexNet's two
// in front of 9,216 and 4,096 units, VGG16's two of 4,096 each).
func Dropouts(l *protocol.Loaded) ([]Dropout, error) {
	if l == nil {
		return nil, fmt.Errorf("lessons: no model is loaded")
	}
	var out []Dropout
	for _, li := range l.Layers {
		if li.Kind != "dropout" {
			continue
		}
		n, err := units(li.Shape)
		if err != nil {
			return nil, fmt.Errorf("lessons: dropout layer %s: %v", li.Name, err)
		}
		if n > math.MaxInt32 {
			return nil, fmt.Errorf("lessons: dropout layer %s has %d units", li.Name, n)
		}
		out = append(out, Dropout{Name: li.Name, Units: n, Subnetworks: Subnetworks(int(n))})
	}
	return out, nil
}
