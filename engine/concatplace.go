package engine

// In-place Concat. Each of GoogLeNet's nine inception blocks ends in a
// Concat of its four branches along the channels, which copied every
// branch's output once more (0.4-0.6 ms a pass on one worker, and with
// the branches run at once, data the other core wrote). At batch 1 the
// branches' parts of the Concat's output are contiguous, so the plan lets
// the node making each part write it straight into the Concat's buffer,
// and the Concat then has nothing to copy (runConcat skips a part that is
// already in place).

// concatPart says where a value goes in the output of the Concat that is
// its only reader: input index of the node concat (in p.nodes).
type concatPart struct {
	concat *Node
	index  int
}

// planConcats records the values that may be written into their Concat's
// output (p.parts): made by a node of the program, read by one Concat
// only and once, neither an output nor kept. Whether they are, depends on
// the run's shapes (see placeOf). In a shard too: a split node then
// computes its part straight into its place in the Concat's output and
// gathers the others' parts there (its Gathered.Y is that place); the
// Concat, which reads them all, gathers them first (settle), then has
// nothing to copy.
func (p *Program) planConcats() {
	p.parts = nil
	if p.keepAll || p.planning {
		return
	}
	made := map[string]bool{}
	readers := map[string]int{}
	for _, n := range p.nodes {
		for _, o := range n.Outputs {
			made[o] = true
		}
		for _, in := range n.Inputs {
			readers[in]++
		}
	}
	for _, n := range p.nodes {
		if n.Op != OpConcat || len(n.Outputs) != 1 {
			continue
		}
		for i, in := range n.Inputs {
			if in == "" || !made[in] || readers[in] != 1 || p.held[in] || p.keep[in] {
				continue
			}
			if p.parts == nil {
				p.parts = map[string]concatPart{}
			}
			p.parts[in] = concatPart{concat: n, index: i}
		}
	}
}

// placeOf returns, for a value of p.parts, the Concat's output and the
// offset and length of the value in it for the run's shapes, or ok false
// when the parts are not contiguous there (the dimensions before the
// axis are not all 1: batch > 1).
func (p *Program) placeOf(name string, shapes map[string][]int) (out string, off, n int, ok bool) {
	pt, isPart := p.parts[name]
	if !isPart {
		return "", 0, 0, false
	}
	c := pt.concat
	cp, err := paramsOf[ConcatParams](c)
	if err != nil {
		return "", 0, 0, false
	}
	s := shapes[c.Outputs[0]]
	axis, err := normAxis(cp.Axis, len(s), false)
	if err != nil {
		return "", 0, 0, false
	}
	for _, d := range s[:axis] {
		if d != 1 {
			return "", 0, 0, false
		}
	}
	for _, in := range c.Inputs[:pt.index] {
		off += numElements(shapes[in])
	}
	return c.Outputs[0], off, numElements(shapes[name]), true
}
