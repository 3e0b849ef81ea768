// Package engine is ConvScope's pure-Go inference engine: float32 tensors
// (and int8 weights), a graph of typed operator nodes, a compiler that checks
// shapes and fuses layers, and an executor that reports per-node timings and
// hands back any intermediate value (the feature maps the app draws). It uses
// no cgo and no syscall/js, so the same code runs natively and in
// WebAssembly.
//
// # Building and running a graph
//
// A Graph lists its inputs (with shapes), constants (weights), nodes in
// topological order and outputs. Each Node has an OpKind and a params struct
// of that op's type (*ConvParams for OpConv, see NewParams); strings appear
// only at file boundaries (ParseOpKind, Node's JSON form). Compile checks
// every node's params and shapes, so a malformed graph fails there with an
// error naming the node, never with a panic or a huge allocation later
// (tensors are capped at MaxElements). Program.Run / RunWith execute it.
//
// # Passes
//
// Unless Options.NoFuse is set, Compile folds a BatchNormalization into the
// Conv before it, fuses an Add of a Conv's output and a same-shape value (a
// residual) and a Relu into the Conv before them (all only when the conv
// output has no other reader, is not a graph output and is not named in
// Options.Keep; the fold when the weights are constants) and skips Identity
// and mask-less Dropout. Program.Nodes lists what runs; Program.Shapes gives the
// shape of every value of the graph as written.
//
// # Batch size
//
// A program is compiled for the input shapes in Graph.Inputs, but Run
// accepts any first dimension (the batch): shapes are inferred again for
// the new sizes and cached per set of sizes. Ops that pin the batch (a
// Reshape to a literal shape) make other sizes an error.
//
// # Memory
//
// Each Run allocates its own buffers (a Program is safe for concurrent use).
// An intermediate value's buffer is released after its last reader, unless it
// is an output or kept, and reused for any later value it can hold (the
// smallest free buffer that fits); outputs and kept values get buffers of
// their own exact size.
//
// # Int8 weights
//
// A constant may hold int8 values with one float32 scale per output channel
// (Tensor.Int8), as model files store conv and fc weights: they stay int8 in
// memory (VGG16: 138 MB instead of 553 MB of float32). Conv weights, and
// either operand of Gemm and MatMul, are read as int8 by the kernels:
// gemm.Matrix dequantizes them into the packed panels the micro-kernel
// streams (and value by value in the batch-1 matrix-vector path), Winograd
// transforms its weights from int8 on every call (it already transformed
// them per call, so no float32 or transformed copy is ever kept) and the
// depthwise loop dequantizes one kernel at a time. Each value is rounded to
// float32 exactly as a float32 copy of the weights would hold it, so results
// are bit-identical to running on dequantized weights. Compile gives any
// other reader of an int8 constant (a bias, an Add operand) a float32 copy.
// Float32 constants (graphs from ONNX or PyTorch float files) work as before.
//
// # Kernels
//
// Op files hold shape rules and thin run functions; the arithmetic lives in
// packages that take slices and sizes only: convscope/engine/gemm (naive
// reference, blocked/packed generic GEMM, parallel split with bit-identical
// results for any worker count) and engine/internal/conv (direct reference,
// im2col + GEMM, direct GEMM for 1x1, direct depthwise loop). Faster kernels
// (SIMD) go behind those functions without touching the graph code.
//
// # Conventions for importers
//
// Pads are explicit (ResolveAutoPad turns ONNX auto_pad into pads). Params
// whose zero value would be wrong have no defaults: GemmParams.Alpha and Beta,
// BatchNormParams.Epsilon and the LRNParams fields must be set as the model
// says (ONNX defaults are listed on each type). Dropout's optional mask output
// (a bool tensor in ONNX) is all 1.0. SoftmaxParams.Coerce2D selects the
// opset 1-12 softmax semantics.
package engine
