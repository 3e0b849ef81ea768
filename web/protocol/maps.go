package protocol

// Value returns the value unit (y, x) of map c stands for, undoing the
// 8-bit quantisation on the map's own range: Min[c] + q/255*(Max[c]-Min[c]),
// in float32 as the worker computed the range. Every reader of Maps (the
// lessons' figures, the viewer) dequantises through it, so they agree to
// the bit. Out-of-range indices panic, as slice indices do.
func (m Maps) Value(c, y, x int) float32 {
	q := m.Data[(c*m.Shape[1]+y)*m.Shape[2]+x]
	return m.Min[c] + float32(q)/255*(m.Max[c]-m.Min[c])
}
