package onnx

import (
	"errors"
	"fmt"
	"math"

	"convscope/engine"
)

// ToGraph converts the model's graph into an engine graph: each supported
// ONNX node becomes an engine node with typed params, initializers and
// Constant nodes become constants, and graph inputs that are not
// initializers become the run-time inputs. Only the float32 constants that
// nodes use are kept; INT64 constants are consumed as params (Reshape's
// shape, Pad's pads), and Transpose of a constant is folded. A symbolic
// first (batch) dimension of an input becomes 1; the engine runs other
// batch sizes too.
//
// An unsupported operator, attribute value or data type is an error that
// names the node and the operator, such as
// `onnx: node "conv3" (ConvTranspose): operator not supported`.
func (m *Model) ToGraph() (*engine.Graph, error) {
	c := &converter{
		opset:  m.Opset(),
		g:      &engine.Graph{Consts: map[string]*engine.Tensor{}},
		consts: map[string]*Tensor{},
		values: map[string]bool{},
		names:  map[string]bool{},
		shapes: map[string][]int{},
	}
	if err := c.convert(m.Graph); err != nil {
		return nil, err
	}
	return c.g, nil
}

// converter holds the state of one ToGraph call.
type converter struct {
	opset int64
	g     *engine.Graph
	// consts holds every constant by name, in its ONNX type: initializers,
	// Constant node outputs and folded values. Float ones enter g.Consts
	// when a node uses them.
	consts map[string]*Tensor
	// values is every value name defined so far (inputs, constants, node
	// outputs), to check that nodes come in topological order.
	values map[string]bool
	// names is every engine node name used, to keep them unique.
	names map[string]bool
	// shapes caches inferred value shapes (see shape); the outputs of
	// g.Nodes[:inferred] are in it.
	shapes   map[string][]int
	inferred int
}

// converters maps an ONNX op_type to the function that translates it.
var converters map[string]func(*converter, *Node) error

func init() {
	converters = map[string]func(*converter, *Node) error{
		"Conv":               convertConv,
		"MaxPool":            convertMaxPool,
		"AveragePool":        convertAveragePool,
		"GlobalAveragePool":  convertSimple(engine.OpGlobalAveragePool, 1),
		"GlobalMaxPool":      convertSimple(engine.OpGlobalMaxPool, 1),
		"Relu":               convertSimple(engine.OpRelu, 1),
		"Sigmoid":            convertSimple(engine.OpSigmoid, 1),
		"Identity":           convertSimple(engine.OpIdentity, 1),
		"Add":                convertBinary(engine.OpAdd),
		"Mul":                convertBinary(engine.OpMul),
		"MatMul":             convertSimple(engine.OpMatMul, 2),
		"LRN":                convertLRN,
		"BatchNormalization": convertBatchNorm,
		"Gemm":               convertGemm,
		"Flatten":            convertFlatten,
		"Reshape":            convertReshape,
		"Concat":             convertConcat,
		"Softmax":            convertSoftmax,
		"Dropout":            convertDropout,
		"Pad":                convertPad,
		"Constant":           convertConstant,
		"Transpose":          convertTranspose,
	}
}

func (c *converter) convert(g *Graph) error {
	for _, t := range g.Initializers {
		if t.Name == "" {
			return errors.New("onnx: initializer with empty name")
		}
		if c.values[t.Name] {
			return fmt.Errorf("onnx: initializer %q defined twice", t.Name)
		}
		c.consts[t.Name] = t
		c.values[t.Name] = true
	}
	for _, vi := range g.Inputs {
		if _, isConst := c.consts[vi.Name]; isConst {
			continue // IR version < 4 lists initializers among the inputs
		}
		in, err := inputInfo(vi)
		if err != nil {
			return err
		}
		if c.values[vi.Name] {
			return fmt.Errorf("onnx: input %q defined twice", vi.Name)
		}
		c.values[vi.Name] = true
		c.shapes[vi.Name] = in.Shape
		c.g.Inputs = append(c.g.Inputs, in)
	}
	for i, n := range g.Nodes {
		if err := c.node(n); err != nil {
			return fmt.Errorf("onnx: %s: %w", nodeLabel(i, n), err)
		}
	}
	if len(g.Outputs) == 0 {
		return errors.New("onnx: graph has no outputs")
	}
	for _, o := range g.Outputs {
		if !c.values[o.Name] {
			return fmt.Errorf("onnx: graph output %q is not computed by the graph", o.Name)
		}
		if _, isConst := c.consts[o.Name]; isConst {
			if err := c.useConst(o.Name); err != nil {
				return fmt.Errorf("onnx: graph output %q: %w", o.Name, err)
			}
		}
		c.g.Outputs = append(c.g.Outputs, o.Name)
	}
	return nil
}

// nodeLabel names a node in errors: by its name, or by its index and first
// output when it has none (the conformance tests' nodes are unnamed).
func nodeLabel(i int, n *Node) string {
	if n.Name != "" {
		return fmt.Sprintf("node %q (%s)", n.Name, n.OpType)
	}
	out := ""
	if len(n.Outputs) > 0 {
		out = n.Outputs[0]
	}
	return fmt.Sprintf("node %d (%s, output %q)", i, n.OpType, out)
}

// inputInfo converts a graph input's ValueInfo. Only float tensors with a
// known shape can be fed to the engine.
func inputInfo(vi ValueInfo) (engine.ValueInfo, error) {
	if vi.Name == "" {
		return engine.ValueInfo{}, errors.New("onnx: graph input with empty name")
	}
	if !vi.IsTensor {
		return engine.ValueInfo{}, fmt.Errorf("onnx: input %q: only tensor inputs are supported", vi.Name)
	}
	if vi.ElemType != Float {
		return engine.ValueInfo{}, fmt.Errorf("onnx: input %q: data type %v not supported (inputs must be FLOAT)", vi.Name, vi.ElemType)
	}
	if !vi.HasShape {
		return engine.ValueInfo{}, fmt.Errorf("onnx: input %q: no shape given", vi.Name)
	}
	shape := make([]int, len(vi.Shape))
	for i, d := range vi.Shape {
		switch {
		case d < 0 && i == 0:
			shape[i] = 1 // symbolic batch size: compile for 1, run any
		case d <= 0:
			return engine.ValueInfo{}, fmt.Errorf("onnx: input %q: dimension %d of %v must be a fixed positive size", vi.Name, i, vi.Shape)
		case d > engine.MaxElements:
			return engine.ValueInfo{}, fmt.Errorf("onnx: input %q: shape %v: %w", vi.Name, vi.Shape, engine.ErrTooLarge)
		default:
			shape[i] = int(d)
		}
	}
	return engine.ValueInfo{Name: vi.Name, Shape: shape}, nil
}

func (c *converter) node(n *Node) error {
	if n.Domain != "" && n.Domain != "ai.onnx" {
		return fmt.Errorf("operator not supported (domain %q)", n.Domain)
	}
	conv, ok := converters[n.OpType]
	if !ok {
		return errors.New("operator not supported")
	}
	if c.opset <= 0 {
		return errors.New("the model imports no version of the ai.onnx operator set")
	}
	for _, in := range n.Inputs {
		if in != "" && !c.values[in] {
			return fmt.Errorf("input %q is not defined before the node", in)
		}
	}
	if len(n.Outputs) == 0 || n.Outputs[0] == "" {
		return errors.New("node has no output")
	}
	for _, out := range n.Outputs {
		if out == "" {
			continue
		}
		if c.values[out] {
			return fmt.Errorf("value %q is defined twice", out)
		}
	}
	if err := conv(c, n); err != nil {
		return err
	}
	for _, out := range n.Outputs {
		if out != "" {
			c.values[out] = true
		}
	}
	return nil
}

// emit appends an engine node computing n's outputs from the given inputs
// (a subset of n's, in the engine op's order), adding the float constants
// it uses to the graph.
func (c *converter) emit(n *Node, op engine.OpKind, inputs []string, params any) error {
	for _, in := range inputs {
		if _, isConst := c.consts[in]; isConst {
			if err := c.useConst(in); err != nil {
				return err
			}
		}
	}
	name := n.Name
	if name == "" {
		name = n.Outputs[0]
	}
	for base, i := name, 1; c.names[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	c.names[name] = true
	c.g.Nodes = append(c.g.Nodes, &engine.Node{
		Name:    name,
		Op:      op,
		Inputs:  append([]string(nil), inputs...),
		Outputs: append([]string(nil), n.Outputs...),
		Params:  params,
	})
	return nil
}

// useConst adds the constant name to the engine graph; only FLOAT
// constants can be data.
func (c *converter) useConst(name string) error {
	if _, done := c.g.Consts[name]; done {
		return nil
	}
	t := c.consts[name]
	if t.DataType != Float {
		return fmt.Errorf("constant %q: data type %v not supported as data (only FLOAT)", name, t.DataType)
	}
	et, err := engine.FromData(t.Float32, t.Dims...)
	if err != nil {
		return fmt.Errorf("constant %q: %w", name, err)
	}
	c.g.Consts[name] = et
	return nil
}

// shape returns the shape of a defined value: a constant's dims, a graph
// input's shape, or, for a node output, the engine's own shape inference
// (for auto_pad and kernel sizes that depend on an intermediate value).
// Results are cached, and each call compiles only the nodes emitted since
// the previous one, fed the cached shapes of their inputs, so a long chain
// of such nodes costs linear time, not quadratic.
func (c *converter) shape(name string) ([]int, error) {
	if t, ok := c.consts[name]; ok {
		return t.Dims, nil
	}
	if s, ok := c.shapes[name]; ok {
		return s, nil
	}
	sub := &engine.Graph{Consts: map[string]*engine.Tensor{}, Outputs: []string{name}}
	known := map[string]bool{}
	for _, n := range c.g.Nodes[c.inferred:] {
		for _, in := range n.Inputs {
			if in == "" || known[in] {
				continue
			}
			known[in] = true
			if t, ok := c.g.Consts[in]; ok {
				sub.Consts[in] = t
			} else if s, ok := c.shapes[in]; ok {
				sub.Inputs = append(sub.Inputs, engine.ValueInfo{Name: in, Shape: s})
			}
		}
		for _, out := range n.Outputs {
			known[out] = true
		}
	}
	sub.Nodes = c.g.Nodes[c.inferred:]
	p, err := engine.Compile(sub, engine.Options{NoFuse: true, Workers: 1})
	if err != nil {
		return nil, fmt.Errorf("shape of %q: %w", name, err)
	}
	for k, v := range p.Shapes() {
		c.shapes[k] = v
	}
	c.inferred = len(c.g.Nodes)
	s, ok := c.shapes[name]
	if !ok {
		return nil, fmt.Errorf("shape of %q: not computed", name)
	}
	return s, nil
}

// constInput returns n's input i as a constant, or an error explaining that
// it must be one.
func (c *converter) constInput(n *Node, i int, what string) (*Tensor, error) {
	if i >= len(n.Inputs) || n.Inputs[i] == "" {
		return nil, fmt.Errorf("%s (input %d) is missing", what, i)
	}
	t, ok := c.consts[n.Inputs[i]]
	if !ok {
		return nil, fmt.Errorf("%s (input %q) must be a constant (an initializer or a Constant node)", what, n.Inputs[i])
	}
	return t, nil
}

// inputs checks n's input count: between min and max, the first min present.
func inputs(n *Node, min, max int) error {
	if len(n.Inputs) < min || len(n.Inputs) > max {
		if min == max {
			return fmt.Errorf("%d inputs, want %d", len(n.Inputs), min)
		}
		return fmt.Errorf("%d inputs, want %d to %d", len(n.Inputs), min, max)
	}
	for i := 0; i < min; i++ {
		if n.Inputs[i] == "" {
			return fmt.Errorf("required input %d is empty", i)
		}
	}
	return nil
}

// outputs checks that n has at most max outputs, or that those beyond max
// are empty (not requested).
func outputs(n *Node, max int, what string) error {
	for i := max; i < len(n.Outputs); i++ {
		if n.Outputs[i] != "" {
			return fmt.Errorf("output %d (%s) not supported", i, what)
		}
	}
	return nil
}

// attrs reads n's attributes, checking that each is one the converter
// handles and has the expected type. Unknown attributes are errors: a
// silently ignored attribute could change the result.
type attrs struct {
	n   *Node
	err error
}

func (c *converter) attrs(n *Node, allowed ...string) *attrs {
	a := &attrs{n: n}
	for _, at := range n.Attrs {
		ok := false
		for _, name := range allowed {
			ok = ok || at.Name == name
		}
		if !ok {
			a.err = fmt.Errorf("attribute %q not supported", at.Name)
			break
		}
	}
	return a
}

func (a *attrs) get(name string, t AttrType) *Attribute {
	at := a.n.Attr(name)
	if at == nil || a.err != nil {
		return nil
	}
	if at.Type != t {
		a.err = fmt.Errorf("attribute %q is %v, want %v", name, at.Type, t)
		return nil
	}
	return at
}

// has reports whether the attribute is present.
func (a *attrs) has(name string) bool { return a.n.Attr(name) != nil }

func (a *attrs) int(name string, def int64) int64 {
	if at := a.get(name, AttrInt); at != nil {
		return at.I
	}
	return def
}

// smallInt reads an int attribute that must fit an int comfortably (sizes,
// axes, flags): beyond ±MaxElements it is an error, so later arithmetic on
// it cannot overflow.
func (a *attrs) smallInt(name string, def int64) int {
	v := a.int(name, def)
	if v > engine.MaxElements || v < -engine.MaxElements {
		if a.err == nil {
			a.err = fmt.Errorf("attribute %q = %d out of range", name, v)
		}
		return 0
	}
	return int(v)
}

func (a *attrs) bool(name string, def bool) bool {
	d := int64(0)
	if def {
		d = 1
	}
	switch v := a.int(name, d); v {
	case 0:
		return false
	case 1:
		return true
	default:
		if a.err == nil {
			a.err = fmt.Errorf("attribute %q = %d, want 0 or 1", name, v)
		}
		return false
	}
}

func (a *attrs) float(name string, def float32) float32 {
	if at := a.get(name, AttrFloat); at != nil {
		return at.F
	}
	return def
}

func (a *attrs) str(name, def string) string {
	if at := a.get(name, AttrString); at != nil {
		return string(at.S)
	}
	return def
}

// ints reads an int list attribute of exactly n entries (any length when n
// < 0), each within ±MaxElements. It returns def when absent.
func (a *attrs) ints(name string, n int, def []int) []int {
	at := a.get(name, AttrInts)
	if at == nil {
		return def
	}
	if n >= 0 && len(at.Ints) != n {
		a.err = fmt.Errorf("attribute %q has %d values, want %d", name, len(at.Ints), n)
		return def
	}
	out, err := toInts(at.Ints)
	if err != nil {
		a.err = fmt.Errorf("attribute %q: %w", name, err)
		return def
	}
	return out
}

// toInts converts int64 values to int, rejecting any beyond ±MaxElements.
func toInts(vs []int64) ([]int, error) {
	if len(vs) > 2*MaxRank {
		return nil, fmt.Errorf("%d values is more than any supported operator takes", len(vs))
	}
	out := make([]int, len(vs))
	for i, v := range vs {
		if v > engine.MaxElements || v < -engine.MaxElements {
			return nil, fmt.Errorf("value %d out of range", v)
		}
		out[i] = int(v)
	}
	return out, nil
}

// int64s returns the values of an integer constant (INT64 or INT32).
func int64s(t *Tensor, what string) ([]int64, error) {
	if t.DataType != Int64 && t.DataType != Int32 {
		return nil, fmt.Errorf("%s %q: data type %v, want INT64", what, t.Name, t.DataType)
	}
	if len(t.Dims) > 1 {
		return nil, fmt.Errorf("%s %q: shape %v, want 1-D", what, t.Name, t.Dims)
	}
	return t.Int64, nil
}

// scalarFloat returns the single value of a FLOAT or DOUBLE constant.
func scalarFloat(t *Tensor, what string) (float32, error) {
	if t.Len() != 1 {
		return 0, fmt.Errorf("%s %q: %d values, want 1", what, t.Name, t.Len())
	}
	switch t.DataType {
	case Float:
		return t.Float32[0], nil
	case Double:
		if math.Abs(t.Float64[0]) > math.MaxFloat32 {
			return 0, fmt.Errorf("%s %q: %g does not fit float32", what, t.Name, t.Float64[0])
		}
		return float32(t.Float64[0]), nil
	}
	return 0, fmt.Errorf("%s %q: data type %v, want FLOAT", what, t.Name, t.DataType)
}

// convertSimple handles operators with no attributes (opset 1-5 versions
// may carry the obsolete consumed_inputs, which changes nothing) and a
// fixed number of inputs.
func convertSimple(op engine.OpKind, nIn int) func(*converter, *Node) error {
	return func(c *converter, n *Node) error {
		a := c.attrs(n, "consumed_inputs")
		if a.err != nil {
			return a.err
		}
		if err := inputs(n, nIn, nIn); err != nil {
			return err
		}
		if err := outputs(n, 1, "extra output"); err != nil {
			return err
		}
		return c.emit(n, op, n.Inputs, nil)
	}
}

// convertBinary handles Add and Mul. Before opset 7 they broadcast only
// when asked to (broadcast=1), with an optional axis for the old
// "broadcast from this axis" rule; numpy-style broadcasting, which the
// engine implements, covers every case except an explicit axis.
func convertBinary(op engine.OpKind) func(*converter, *Node) error {
	return func(c *converter, n *Node) error {
		a := c.attrs(n, "broadcast", "consumed_inputs")
		a.bool("broadcast", false)
		if a.err != nil {
			return a.err
		}
		if err := inputs(n, 2, 2); err != nil {
			return err
		}
		return c.emit(n, op, n.Inputs, nil)
	}
}
