package modelfile

// LayerKind says what a row of the per-layer table is, for the cost table
// and the UI's layer list. It is a string type because it is stored in the
// file's JSON metadata as is.
type LayerKind string

// The kinds of layers the definitions emit. Graphs imported from ONNX use
// the same kinds where an op maps onto one, and LayerOther otherwise.
const (
	LayerConv           LayerKind = "conv"
	LayerBatchNorm      LayerKind = "batchnorm"
	LayerRelu           LayerKind = "relu"
	LayerMaxPool        LayerKind = "maxpool"
	LayerAvgPool        LayerKind = "avgpool"
	LayerFC             LayerKind = "fc"
	LayerDropout        LayerKind = "dropout"
	LayerFlatten        LayerKind = "flatten"
	LayerAdd            LayerKind = "add"
	LayerConcat         LayerKind = "concat"
	LayerLRN            LayerKind = "lrn"
	LayerInputTransform LayerKind = "input_transform"
	LayerOther          LayerKind = "other"
)

// Layer is one row of the per-layer table: one node of the graph as the
// definition wrote it (before batch norm folding).
type Layer struct {
	Name  string    `json:"name"`  // module path, e.g. "layer1.0.conv1"
	Kind  LayerKind `json:"kind"`  // conv, fc, maxpool, ...
	Value string    `json:"value"` // graph value that holds this layer's output
	Shape []int     `json:"shape"` // output shape, (N, C, H, W) or (N, F)
	// Params counts learnable parameters (torchvision's count: batch norm
	// running statistics are buffers and are not counted).
	Params int64 `json:"params"`
	// MACs counts multiply-accumulates of conv and fc layers only:
	// conv outH*outW*outC*(inC/group)*kH*kW, fc in*out. Bias additions,
	// batch norm, activations, pooling and additions are not counted.
	MACs  int64  `json:"macs"`
	Block string `json:"block,omitempty"` // enclosing Block.Name, if any
}

// BlockKind says what a group of layers is.
type BlockKind string

// Block kinds the definitions emit.
const (
	BlockBasic      BlockKind = "basic_block" // ResNet two-3x3 residual block
	BlockBottleneck BlockKind = "bottleneck"  // ResNet 1x1-3x3-1x1 residual block
	BlockInception  BlockKind = "inception"   // GoogLeNet inception module
)

// Block groups consecutive layers of the table so the UI can show an
// inception module or a residual block as one unit.
type Block struct {
	Name   string    `json:"name"` // module path, e.g. "layer1.0", "inception3a"
	Kind   BlockKind `json:"kind"`
	Output string    `json:"output"` // graph value holding the block's output
	Params int64     `json:"params"`
	MACs   int64     `json:"macs"`
}
