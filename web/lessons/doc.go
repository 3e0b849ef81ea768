// Package lessons computes the numbers behind ConvScope's teaching panels
// (issue 8) from the model that is loaded: its layer table
// (protocol.Loaded: shapes, parameters, MACs, kernel geometry and the
// layer-graph edges in LayerInfo.Inputs) and the last run on the user's
// image (protocol.Result: per-node times, per-layer output statistics).
// Nothing here is typed in from a paper: every figure follows from the
// real graph, so the page shows the numbers of the network in front of the
// class.
//
// The package is plain Go with no browser dependency (it imports only
// web/protocol and the standard library), so it is tested natively with
// hand-built layer tables that mirror the real networks.
//
// Functions that take a layer table return an error when the table is
// inconsistent (an edge to a missing layer, an output size that does not
// follow from the input size and the kernel, a concatenation whose
// channels do not add up): a teaching tool must not show a wrong number.
// A few functions keep the simpler signatures the page was designed
// against (Inceptions, ConvVsFC, Costs, WidthSteps); each names the
// error-returning function it wraps.
package lessons
