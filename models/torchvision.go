package models

import (
	"convscope/models/labels"
	"convscope/models/modelfile"
	"convscope/models/preprocess"
)

// Weights is one checkpoint of torchvision's catalog of ImageNet weights.
type Weights struct {
	Name         string  // catalog name, also the architecture
	File         string  // file name under BaseURL; holds the first 8 hex digits of its SHA-256
	SHA256Prefix string  // those 8 hex digits, which fetch checks
	Params       int64   // torchvision's parameter count
	Top1, Top5   float64 // torchvision's published ImageNet-1k validation accuracy, percent
}

// URL is where the checkpoint is published.
func (w Weights) URL() string { return TorchvisionBaseURL + w.File }

// TorchvisionBaseURL is the host and path torchvision downloads weights from.
const TorchvisionBaseURL = "https://download.pytorch.org/models/"

// AccuracySource names where the accuracy figures of Weights come from.
const AccuracySource = "torchvision"

// torchvisionWeights is torchvision's table (DESIGN.md): the IMAGENET1K_V1
// weights of each architecture.
var torchvisionWeights = []Weights{
	{"alexnet", "alexnet-owt-7be5be79.pth", "7be5be79", 61100840, 56.522, 79.066},
	{"vgg16", "vgg16-397923af.pth", "397923af", 138357544, 71.592, 90.382},
	{"vgg16_bn", "vgg16_bn-6c64b313.pth", "6c64b313", 138365992, 73.360, 91.516},
	{"vgg19", "vgg19-dcbb9e9d.pth", "dcbb9e9d", 143667240, 72.376, 90.876},
	{"googlenet", "googlenet-1378be20.pth", "1378be20", 6624904, 69.778, 89.530},
	{"resnet18", "resnet18-f37072fd.pth", "f37072fd", 11689512, 69.758, 89.078},
	{"resnet34", "resnet34-b627a593.pth", "b627a593", 21797672, 73.314, 91.420},
	{"resnet50", "resnet50-0676ba61.pth", "0676ba61", 25557032, 76.130, 92.862},
	{"resnet101", "resnet101-63fe2227.pth", "63fe2227", 44549160, 77.374, 93.546},
	{"resnet152", "resnet152-394f9c45.pth", "394f9c45", 60192808, 78.312, 94.046},
}

// Torchvision returns torchvision's catalog of ImageNet weights, in the
// order ConvScope lists them.
func Torchvision() []Weights { return append([]Weights(nil), torchvisionWeights...) }

// TorchvisionWeights returns the catalog entry of the named model.
func TorchvisionWeights(name string) (Weights, bool) {
	for _, w := range torchvisionWeights {
		if w.Name == name {
			return w, true
		}
	}
	return Weights{}, false
}

// Meta is the metadata of a model converted from these weights: ImageNet
// labels and preprocessing, torchvision's accuracy with its source.
func (w Weights) Meta() Meta {
	return Meta{
		Name: w.Name, Dataset: labels.DatasetImageNet, Labels: labels.ImageNet(),
		Preprocess: preprocess.ImageNet(), Source: "torchvision " + w.File,
		Accuracy: []modelfile.Accuracy{{Split: "imagenet-1k val (50,000 images)", Top1: w.Top1, Top5: w.Top5, Source: AccuracySource}},
	}
}
