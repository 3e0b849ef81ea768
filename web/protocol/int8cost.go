package protocol

import (
	"fmt"
	"math"
)

// The "what int8 costs" lesson's request: run the current model's float32
// twin (the same graph with the weights before quantization) and the int8
// model on the last image, and compare.

// Message types of the int8 lesson.
const (
	TypeInt8Cost   Type = "int8_cost"   // request
	TypeInt8Report Type = "int8_report" // its answer
)

// Int8Cost asks for what int8 costs on the last classified image: the
// worker takes the twin from the Cache API or downloads it (Progress as it
// goes), checks its SHA-256 and that its weights quantize exactly to the
// current model's, runs it and the int8 model, and compares. Answers:
// Progress while downloading, then Int8Report or Error (CodeNoResult
// before any image, CodeHash or CodeModel for a bad twin). Cancel stops
// it.
type Int8Cost struct {
	ID   int      `json:"id"`
	Twin ModelRef `json:"twin"`
}

// Int8Report answers Int8Cost. Layers follow the layer table: one row per
// conv or fc layer (where the weights are), comparing the int8 model's
// output A8 with the twin's A32 on the same input.
type Int8Report struct {
	ID         int          `json:"id"`
	Model      string       `json:"model"`
	Int8Top    []Prediction `json:"int8_top"`
	Float32Top []Prediction `json:"float32_top"`
	Layers     []LayerError `json:"layers"`
	// Int8Bytes and Float32Bytes are the weights' storage: int8 values
	// plus one float32 scale per output channel, against 4 bytes a value.
	Int8Bytes    int64   `json:"int8_bytes"`
	Float32Bytes int64   `json:"float32_bytes"`
	FromCache    bool    `json:"from_cache"` // the twin came from the Cache API
	Ms           float64 `json:"ms"`         // both runs and the comparison
}

// LayerError compares one layer's output under int8 and float32 weights.
type LayerError struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // conv or fc
	// RelErr is ||A8 - A32|| / ||A32|| (L2 norms over the whole output; 0
	// when both are all zeros, 1 when only A32 is), MaxAbs max |A8 - A32|,
	// Cosine A8.A32 / (||A8|| ||A32||) (1 when both are all zeros, 0 when
	// one is), Scale max |A32| (what MaxAbs compares with).
	RelErr float64 `json:"rel_err"`
	MaxAbs float64 `json:"max_abs"`
	Cosine float64 `json:"cosine"`
	Scale  float64 `json:"scale"`
	// WeightErr is ||W8 - W32|| / ||W32|| of the layer's own weights: the
	// error int8 adds here, against RelErr, the error the output has
	// (added here and carried from every layer before).
	WeightErr float64 `json:"weight_err"`
}

func (Int8Cost) Type() Type   { return TypeInt8Cost }
func (Int8Report) Type() Type { return TypeInt8Report }

func (m Int8Cost) RequestID() int   { return m.ID }
func (m Int8Report) RequestID() int { return m.ID }

// validateInt8 checks the int8 lesson's messages (validate's cases).
func validateInt8(m Message) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("protocol: %s message: %s", m.Type(), fmt.Sprintf(format, args...))
	}
	switch m := deref(m).(type) {
	case Int8Cost:
		if m.Twin.URL == "" {
			return bad("no twin URL")
		}
		if !isSHA256(m.Twin.SHA256) {
			return bad("twin sha256 %q is not 64 lowercase hex digits", m.Twin.SHA256)
		}
		if m.Twin.Bytes < 0 {
			return bad("negative size %d", m.Twin.Bytes)
		}
	case Int8Report:
		for _, top := range [][]Prediction{m.Int8Top, m.Float32Top} {
			for _, p := range top {
				if math.IsNaN(p.Prob) || p.Prob < 0 || p.Prob > 1 {
					return bad("probability %v", p.Prob)
				}
			}
		}
		for _, l := range m.Layers {
			for _, v := range []float64{l.RelErr, l.MaxAbs, l.Cosine, l.Scale, l.WeightErr} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return bad("layer %s: value %v", l.Name, v)
				}
			}
		}
	}
	return nil
}
