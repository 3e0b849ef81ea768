// Package labels holds the class names of the datasets ConvScope's models
// are trained on, in the index order of their outputs. The ImageNet names
// come from torchvision (BSD-3-Clause, see LICENSE.imagenet_classes); the
// CIFAR-10 order is the dataset's own.
package labels

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed imagenet_classes.txt
var imagenetText string

//go:embed cifar10_classes.txt
var cifar10Text string

// Dataset names used in model metadata.
const (
	DatasetImageNet = "imagenet"
	DatasetCIFAR10  = "cifar10"
)

// ImageNet returns the 1,000 ImageNet-1k class names (a new slice).
func ImageNet() []string { return lines(imagenetText) }

// CIFAR10 returns the 10 CIFAR-10 class names: airplane, automobile, bird,
// cat, deer, dog, frog, horse, ship, truck (a new slice).
func CIFAR10() []string { return lines(cifar10Text) }

// For returns the class names of a dataset.
func For(dataset string) ([]string, error) {
	switch dataset {
	case DatasetImageNet:
		return ImageNet(), nil
	case DatasetCIFAR10:
		return CIFAR10(), nil
	}
	return nil, fmt.Errorf("no labels for dataset %q (known: %s, %s)", dataset, DatasetImageNet, DatasetCIFAR10)
}

func lines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}
