package web

// Sample is an image shipped with the app (static/samples, attribution in
// the ATTRIBUTION files beside them).
type Sample struct {
	Name    string
	URL     string // relative to the page
	Dataset string // the models it suits: "imagenet" or "cifar10"
}

// samples lists the gallery: the darknet photographs for ImageNet models and
// one CIFAR-10 test image per class for the built-in models.
var samples = []Sample{
	{"dog", "samples/dog.jpg", "imagenet"},
	{"eagle", "samples/eagle.jpg", "imagenet"},
	{"giraffe", "samples/giraffe.jpg", "imagenet"},
	{"horses", "samples/horses.jpg", "imagenet"},
	{"kite", "samples/kite.jpg", "imagenet"},
	{"person", "samples/person.jpg", "imagenet"},
	{"scream", "samples/scream.jpg", "imagenet"},
	{"airplane", "samples/cifar10/airplane.jpg", "cifar10"},
	{"automobile", "samples/cifar10/automobile.jpg", "cifar10"},
	{"bird", "samples/cifar10/bird.jpg", "cifar10"},
	{"cat", "samples/cifar10/cat.jpg", "cifar10"},
	{"deer", "samples/cifar10/deer.jpg", "cifar10"},
	{"dog", "samples/cifar10/dog.jpg", "cifar10"},
	{"frog", "samples/cifar10/frog.jpg", "cifar10"},
	{"horse", "samples/cifar10/horse.jpg", "cifar10"},
	{"ship", "samples/cifar10/ship.jpg", "cifar10"},
	{"truck", "samples/cifar10/truck.jpg", "cifar10"},
}

// Samples returns the gallery for the chosen model's dataset (CIFAR-10 for
// the built-in models when nothing is chosen yet).
func (c *Root) Samples() []Sample {
	dataset := "cifar10"
	for _, m := range c.Models {
		if m.Name == c.Selected && m.Dataset != "" {
			dataset = m.Dataset
		}
	}
	var out []Sample
	for _, s := range samples {
		if s.Dataset == dataset {
			out = append(out, s)
		}
	}
	return out
}

// Dataset names the chosen model's dataset for people.
func (c *Root) DatasetName() string {
	for _, m := range c.Models {
		if m.Name == c.Selected && m.Dataset == "imagenet" {
			return "ImageNet"
		}
	}
	return "CIFAR-10"
}
