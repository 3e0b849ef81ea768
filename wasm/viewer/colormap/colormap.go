// Package colormap holds the 256-entry colour tables the feature-map viewer
// paints activations with: viridis (the default: perceptually uniform,
// readable by colour-blind viewers and in greyscale print), magma, and a
// linear grey ramp. An index i in [0, 255] stands for the value i/255 of
// the normalised range.
package colormap

import (
	"fmt"
	"image/color"
	"math"
	"strings"
)

// Map is one 256-entry colour table.
type Map struct {
	name string
	lut  [256][3]uint8 // sRGB, 8 bits per channel
}

// Name returns the table's name as the settings message spells it.
func (m *Map) Name() string { return m.name }

// RGB returns the colour of index i.
func (m *Map) RGB(i uint8) (r, g, b uint8) {
	c := &m.lut[i]
	return c[0], c[1], c[2]
}

// At returns the colour of index i, opaque.
func (m *Map) At(i uint8) color.RGBA {
	c := &m.lut[i]
	return color.RGBA{c[0], c[1], c[2], 255}
}

// fromFloats quantises a published [0, 1] table to 8 bits, rounding to
// nearest (how matplotlib turns the same tables into 8-bit images).
func fromFloats(name string, data *[256][3]float32) *Map {
	m := &Map{name: name}
	for i, c := range data {
		for k, v := range c {
			m.lut[i][k] = uint8(math.Round(float64(v) * 255))
		}
	}
	return m
}

func grey() *Map {
	m := &Map{name: "grey"}
	for i := range m.lut {
		m.lut[i] = [3]uint8{uint8(i), uint8(i), uint8(i)}
	}
	return m
}

// The tables are built once: they are small and read-only afterwards.
var (
	viridis = fromFloats("viridis", &viridisData)
	magma   = fromFloats("magma", &magmaData)
	greyMap = grey()
	all     = []*Map{viridis, magma, greyMap}
)

// Viridis returns the default table.
func Viridis() *Map { return viridis }

// Magma returns the magma table.
func Magma() *Map { return magma }

// Grey returns the linear grey ramp (index i is the grey level i).
func Grey() *Map { return greyMap }

// Names lists the tables ByName knows, default first.
func Names() []string {
	names := make([]string, len(all))
	for i, m := range all {
		names[i] = m.name
	}
	return names
}

// ByName returns the table called name ("gray" is accepted for "grey").
func ByName(name string) (*Map, error) {
	if name == "gray" {
		name = "grey"
	}
	for _, m := range all {
		if m.name == name {
			return m, nil
		}
	}
	return nil, fmt.Errorf("unknown colormap %q (known: %s)", name, strings.Join(Names(), ", "))
}
