package models

import (
	"strings"

	"convscope/models/modelfile"
)

// addSummary fills info's Depth, ConvParams and FCParams from the summary
// of info.Arch built for cfg, if ConvScope has that architecture and its
// parameter count is info.Params (otherwise the figures would describe
// another network, and the fields stay zero). It reports whether it did.
func addSummary(info *Info, cfg Config) bool {
	if _, ok := archs[info.Arch]; !ok {
		return false
	}
	s, err := ArchSummary(info.Arch, cfg)
	if err != nil || s.ConvParams+s.FCParams+s.OtherParams != info.Params {
		return false
	}
	info.Depth, info.ConvParams, info.FCParams = s.Depth, s.ConvParams, s.FCParams
	return true
}

// addFileSummary is addSummary for a model file: the definition is built
// for the file's input size and class count (an import may have changed
// either), taken from its metadata. A file without a definition (an ONNX
// import) is summarized from its own graph and table (see metaSummary).
func addFileSummary(info *Info, m *modelfile.Meta) {
	cfg := Config{Classes: len(m.Labels)}
	if len(m.Inputs) > 0 && len(m.Inputs[0].Shape) == 4 {
		cfg.Height, cfg.Width = m.Inputs[0].Shape[2], m.Inputs[0].Shape[3]
	}
	if addSummary(info, cfg) {
		return
	}
	if s, ok := metaSummary(m); ok && m.Params == info.Params {
		info.Depth, info.ConvParams, info.FCParams = s.Depth, s.ConvParams, s.FCParams
	}
}

// builtinEvalSource starts the accuracy source that train/stamp writes
// into the built-in models: the Go engine's own evaluation of the int8 file.
const builtinEvalSource = "go run . eval on"

// published says where info's Top1 and Top5 come from, for the comparison
// table ("" when the model has no accuracy figures).
func published(info Info) string {
	switch {
	case info.Top1 == 0 && info.Top5 == 0:
		return ""
	case info.AccuracySource == AccuracySource:
		return "torchvision's documentation: its IMAGENET1K_V1 float32 weights on the ImageNet-1k validation set (50,000 images); the int8 file may differ slightly"
	case info.BuiltIn && strings.HasPrefix(info.AccuracySource, builtinEvalSource):
		return "measured by convscope eval on the CIFAR-10 test split (8,000 images) with the int8 weights as shipped"
	case info.AccuracySource != "":
		return info.AccuracySource
	}
	return "the model file (it does not say where the figures come from)"
}

// withPublished fills Published in every entry of list.
func withPublished(list []Info) []Info {
	for i := range list {
		list[i].Published = published(list[i])
	}
	return list
}
