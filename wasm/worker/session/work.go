package session

import (
	"fmt"

	"convscope/models"
)

// SplitMinMACs is the work per image (multiply-accumulates) below which
// the app runs a model on one worker by default: the split's exchanges (a
// barrier per split layer, each worker copying the whole of every split
// output) then cost more than the half of the work it saves. Measured in
// Chromium on 2 cores (`bench -browser`, ms one worker / two workers):
// every built-in CIFAR-10 model is slower on two (session 11 at its start:
// alexnet_cifar 74 M MACs 9.96 / 10.7, googlenet_cifar 59 M 9.00 / 9.53,
// plain20 41 M 5.86 / 8.91, resnet20 41 M 6.26 / 7.12, vgg_cifar 39 M
// 4.68 / 6.04), and so was every size measured up to 593 M (machine at
// load 3.5-4.5, the input size patched in a scratch tree, 7 runs):
// ResNet-20 at 64x64 (163 M) 21.1 / 35.8, ResNet-18 at 96x96 (334 M)
// 44.1 / 55.3, GoogLeNet at 112x112 (384 M) 43.7 / 62.4, ResNet-18 at
// 128x128 (593 M) 67.1 / 117, their barrier waits growing with the load
// of the other core. The ImageNet networks at 224x224 gain (AlexNet 714 M
// 80.8 / 40.0, GoogLeNet 1.5 G 151 / 117, ResNet-50 4.1 G 397 / 337):
// the bound lies between. The crossover moves with the load of the
// machine: on a quiet one (load 2, after Winograd on small maps) two
// workers won by about 1 ms for the two CIFAR models with the fewest
// gathers (alexnet_cifar 6.34 / 5.01, vgg_cifar 4.84 / 4.53; 7 gathers
// each) and lost for the others (resnet20 6.72 / 7.77, googlenet_cifar
// 7.76 / 9.06), while with another process busy a split loses tens of ms
// (alexnet_cifar 9.4 / 13.3 at load 9): one worker is the safe choice
// below the bound.
const SplitMinMACs = 600_000_000

// SplitPays reports whether model m has the work to pay for splitting it
// over workers (at least SplitMinMACs per image), with its MACs (its
// file's count: conv and fc layers, Meta.MACs); when not, why, as the app
// says it.
func SplitPays(m *models.Model) (bool, int64, string) {
	macs := m.Meta.MACs
	if macs >= SplitMinMACs {
		return true, macs, ""
	}
	return false, macs, fmt.Sprintf("%s takes %s multiply-accumulates per image, too little work to pay for splitting it over workers (below %s the exchanges between them cost more than they save): it runs on one worker",
		m.Meta.Name, mega(macs), mega(SplitMinMACs))
}

// mega writes n in millions.
func mega(n int64) string {
	return fmt.Sprintf("%.0f M", float64(n)/1e6)
}
