package engine

import "testing"

func TestResolveAutoPad(t *testing.T) {
	for _, c := range []struct {
		mode                    string
		in, k, s, d, begin, end int
	}{
		{"NOTSET", 5, 3, 1, 1, 0, 0},
		{"VALID", 5, 3, 1, 1, 0, 0},
		{"SAME_UPPER", 5, 3, 1, 1, 1, 1},
		{"SAME_UPPER", 4, 2, 1, 1, 0, 1}, // odd total: extra at the end
		{"SAME_LOWER", 4, 2, 1, 1, 1, 0}, // ... or at the beginning
		{"SAME_UPPER", 5, 3, 2, 1, 1, 1}, // out 3: (3-1)*2+3-5 = 2
		{"SAME_UPPER", 6, 3, 2, 1, 0, 1}, // out 3: (3-1)*2+3-6 = 1
		{"SAME_UPPER", 7, 3, 1, 2, 2, 2}, // dilated kernel spans 5
	} {
		mode, err := ParseAutoPad(c.mode)
		if err != nil {
			t.Fatal(err)
		}
		b, e := ResolveAutoPad(mode, c.in, c.k, c.s, c.d)
		if b != c.begin || e != c.end {
			t.Errorf("%+v: got %d, %d", c, b, e)
		}
	}
	if _, err := ParseAutoPad("SAME"); err == nil {
		t.Error("SAME accepted")
	}
}
