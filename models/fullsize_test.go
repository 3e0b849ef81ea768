package models

import (
	"os"
	"testing"
)

// TestFullSizeQuantization converts full-size ImageNet definitions with
// random weights and compares the int8 model with the float32 one on
// random inputs. It needs several GB of memory and minutes of CPU (VGG16),
// so it runs only with CONVSCOPE_FULL=1.
func TestFullSizeQuantization(t *testing.T) {
	if os.Getenv("CONVSCOPE_FULL") != "1" {
		t.Skip("set CONVSCOPE_FULL=1 to convert and run the full-size networks (several GB, minutes)")
	}
	for _, arch := range []string{"alexnet", "googlenet", "resnet18", "resnet50", "vgg16"} {
		t.Run(arch, func(t *testing.T) {
			d := mustArch(t, arch, Config{})
			ref, b := randomModelFile(t, d, 42)
			m, err := LoadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			est, err := estimate(arch)
			if err != nil {
				t.Fatal(err)
			}
			minCos, agree := 1.0, 0
			const inputs = 3
			for seed := range uint64(inputs) {
				x := randomInput(d.Input, seed)
				want, got := run(t, ref, x), run(t, m.Graph(), x)
				pw, pg := Softmax(want), Softmax(got)
				minCos = min(minCos, cosine(pw, pg), cosine(f64(want), f64(got)))
				if TopK(pw, nil, 1)[0].Index == TopK(pg, nil, 1)[0].Index {
					agree++
				}
			}
			t.Logf("%s: file %d bytes (estimate %d, float32 params %d bytes), min cosine %.5f, top-1 agreement %d/%d",
				arch, len(b), est.bytes, 4*d.ParamCount(), minCos, agree, inputs)
			if minCos < 0.99 {
				t.Errorf("min cosine %.5f < 0.99", minCos)
			}
		})
	}
}
