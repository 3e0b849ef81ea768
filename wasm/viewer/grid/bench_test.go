package grid

import (
	"testing"

	"convscope/wasm/viewer/colormap"
)

// The largest layer of the catalogue: VGG's first conv, 64 maps of 224x224
// (3.2 M values), in an 800x580 view.
func vggConv1() *Maps {
	m := testMaps(64, 224, 224)
	m.Image = &Image{W: 224, H: 224, Pix: make([]byte, 224*224*4)}
	return m
}

func BenchmarkSetMapsVGGConv1(b *testing.B) {
	m := vggConv1()
	v := New(Rect{Y: 20, W: 800, H: 580})
	b.SetBytes(int64(len(m.Data)))
	for b.Loop() {
		if err := v.SetMaps(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIndicesPerLayerVGGConv1(b *testing.B) {
	m := vggConv1()
	b.SetBytes(int64(len(m.Data)))
	for b.Loop() {
		Indices(m, NormLayer)
	}
}

func BenchmarkRenderDetailOverlay224(b *testing.B) {
	m := vggConv1()
	for b.Loop() {
		RenderDetail(m, m.Data, 5, colormap.Viridis(), DefaultOverlay)
	}
}
