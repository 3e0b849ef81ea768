package web

import (
	"slices"
	"testing"
)

func TestCompareModels(t *testing.T) {
	list := append(tableModels(), ModelEntry{Name: "resnet18", Dataset: "imagenet", Available: true, URL: "m/r18.csm"})
	if got := names(CompareModels(list, "cifar10", false)); !slices.Equal(got, []string{"resnet20_cifar", "mine"}) {
		t.Errorf("cifar10 models: %v", got)
	}
	if got := names(CompareModels(list, "cifar10", true)); !slices.Equal(got, []string{"resnet20_cifar", "mine", "resnet18"}) {
		t.Errorf("all available models: %v", got)
	}
}
