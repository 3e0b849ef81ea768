package engine

// OpKind names drop the "Op" prefix; a line comment overrides a name where
// ONNX spells it differently (OpBatchNorm is "BatchNormalization").
//go:generate go tool stringer -type=OpKind -trimprefix=Op -linecomment
