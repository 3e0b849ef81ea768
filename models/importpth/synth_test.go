package importpth_test

import (
	"math"
	"strconv"
	"strings"

	"convscope/engine"
	"convscope/models"
)

// The synthetic weights of tools/pytorch/make_fixtures.py (synth_param),
// generated bit for bit identically here, so that golden tests run the full
// torchvision architectures without committing their weights.

const (
	fnvOffset = 0xcbf29ce484222325
	fnvPrime  = 0x100000001b3
)

func fnv1a(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// uniform returns element i of the sequence for a key hash: a value in
// [-1, 1), a multiple of 2^-23, from the top 24 bits of
// splitmix64(base + (i+1) * golden ratio).
func uniform(base uint64, i int) float64 {
	z := base + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>40)/(1<<23) - 1
}

// synthParam is the value make_fixtures.py gives state_dict entry name.
func synthParam(seed int, name string, shape []int) *engine.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	base := fnv1a(strconv.Itoa(seed) + ":" + name)
	var a, b float64
	switch {
	case strings.HasSuffix(name, ".running_var"):
		a, b = 0.5, 1
	case strings.HasSuffix(name, ".running_mean"):
		a, b = 0.1, 0
	case len(shape) == 1 && strings.HasSuffix(name, ".weight"):
		a, b = 0.25, 1
	case len(shape) == 1:
		a, b = 0.05, 0
	default:
		a = math.Sqrt(6 / float64(n/shape[0]))
	}
	t := &engine.Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}
	for i := range t.Data {
		// The explicit float64 conversion keeps the compiler from fusing
		// the multiply-add, which numpy does not do either.
		t.Data[i] = float32(float64(uniform(base, i)*a) + b)
	}
	return t
}

func synthStateDict(def *models.Def, seed int) map[string]*engine.Tensor {
	sd := map[string]*engine.Tensor{}
	for _, p := range def.Params() {
		sd[p.Name] = synthParam(seed, p.Name, p.Shape)
	}
	return sd
}

// synthInput is the seeded input image of the goldens, (1, 3, size, size).
func synthInput(seed, size int) *engine.Tensor {
	base := fnv1a(strconv.Itoa(seed) + ":input")
	t := &engine.Tensor{Shape: []int{1, 3, size, size}, Data: make([]float32, 3*size*size)}
	for i := range t.Data {
		t.Data[i] = float32(uniform(base, i))
	}
	return t
}
