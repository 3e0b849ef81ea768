// Package importonnx turns an ONNX model (a ModelProto file) into a ConvScope
// model file: the engine's ONNX reader builds the graph, and the converter
// folds batch norms and quantizes Conv and Gemm weights to int8 per output
// channel, as for torchvision checkpoints. Any graph made of operators the
// engine supports can be imported; the first unsupported node is named in
// the error. Native-only, like every importer.
package importonnx

import (
	"fmt"

	"convscope/engine"
	"convscope/engine/onnx"
	"convscope/models"
	"convscope/models/modelfile"
)

// maxFile bounds the ONNX files read (VGG19 in float32 is about 550 MB).
const maxFile = 1 << 30

// Convert reads an ONNX model and converts it to a model file with meta
// (name, dataset, labels, preprocessing, source). The graph must take one
// input image (1, 3, H, W) and give one output whose last dimension is the
// number of labels.
func Convert(data []byte, meta models.Meta) (*modelfile.File, error) {
	return convertWith(data, meta, models.ConvertGraph)
}

// ConvertFloat32 is Convert without the quantization: the float32 twin of
// the model Convert makes from the same file (models.ConvertGraphFloat32).
func ConvertFloat32(data []byte, meta models.Meta) (*modelfile.File, error) {
	return convertWith(data, meta, models.ConvertGraphFloat32)
}

// convertWith reads and checks the ONNX model, then converts its graph
// with convert.
func convertWith(data []byte, meta models.Meta, convert func(*engine.Graph, models.Meta) (*modelfile.File, error)) (*modelfile.File, error) {
	if len(data) > maxFile {
		return nil, fmt.Errorf("onnx: %d bytes, more than the %d this importer reads", len(data), maxFile)
	}
	// The reader's errors already start with "onnx:" and name the node.
	m, err := onnx.ReadModel(data)
	if err != nil {
		return nil, err
	}
	g, err := m.ToGraph()
	if err != nil {
		return nil, err
	}
	if err := checkInterface(g, len(meta.Labels)); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return convert(g, meta)
}

// checkInterface checks that g classifies one image into classes classes.
func checkInterface(g *engine.Graph, classes int) error {
	var inputs []engine.ValueInfo
	for _, in := range g.Inputs {
		if _, isConst := g.Consts[in.Name]; !isConst {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) != 1 {
		return fmt.Errorf("the graph has %d inputs, want one image", len(inputs))
	}
	if s := inputs[0].Shape; len(s) != 4 || s[0] != 1 || s[1] != 3 {
		return fmt.Errorf("input %q has shape %v, want (1, 3, H, W)", inputs[0].Name, s)
	}
	if len(g.Outputs) != 1 {
		return fmt.Errorf("the graph has %d outputs, want one (the class scores)", len(g.Outputs))
	}
	p, err := engine.Compile(g, engine.Options{NoFuse: true, Workers: 1})
	if err != nil {
		return err
	}
	out := p.Shapes()[g.Outputs[0]]
	n := 1
	for _, d := range out {
		n *= d
	}
	if len(out) == 0 || out[len(out)-1] != n || n != classes {
		return fmt.Errorf("output %q has shape %v, but there are %d labels (use -labels FILE or -dataset)", g.Outputs[0], out, classes)
	}
	return nil
}
