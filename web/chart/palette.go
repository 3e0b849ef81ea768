package chart

// Palette is the colours of bars, points and series in order: the
// Okabe-Ito colour-blind-safe set without its yellow and sky blue (too
// light, and the sky blue too close to the blue once darkened), its green,
// purple and orange darkened, and Paul Tol's wine added, so that every
// colour has at least 3:1 contrast with a white background (WCAG's
// minimum for graphics; checked by TestPaletteContrast).
var Palette = []string{
	"#0072B2", // blue
	"#D55E00", // vermillion
	"#007D5A", // bluish green
	"#B5529A", // reddish purple
	"#A86E00", // orange, darkened
	"#882255", // wine
	"#555555", // grey
}

// dashes tell the lines of a chart apart without colour, in series order.
var dashes = []string{"", "7 4", "2 3", "9 3 2 3", "4 4", "1 5"}

// Colours of the frame.
const (
	textColor = "#222222"
	axisColor = "#666666"
	gridColor = "#DDDDDD"
)

func color(i int) string { return Palette[i%len(Palette)] }

func dash(i int) string { return dashes[i%len(dashes)] }
