package engine

// Fewer barriers: each gather of a sharded program (shardgather.go) waits
// for the other programs' parts, so a program that the system deschedules
// stalls the others at every one, and even in a quiet run each costs a
// wake-up. The graph's order runs an inception block of GoogLeNet as
// branch1, branch2.0, branch2.1, branch3.0, branch3.1, branch4: branch2.1
// reads branch2.0's parts (a gather, with branch1's), and branch3.1 then
// reads branch3.0's (a second one), before the Concat reads the rest (a
// third). orderGathers runs, wherever the graph allows, the nodes that read
// only whole values before those that read a part still waiting: branch1,
// branch2.0, branch3.0 and branch4, one gather, then branch2.1 and
// branch3.1, and the Concat's gather. GoogLeNet's run goes from 30 gathers
// to 25 (inceptions 3b, 4d, 4e, 5a and 5b). Any topological order computes
// the same values, so the bits stay; every program orders alike (the
// order depends only on the graph and the splits).

// orderGathers reorders p.nodes (a sharded program, after its splits and
// fused pools are made): a greedy list schedule that takes, in the
// graph's order, the first node whose inputs are made and none of them a
// split node's output still waiting for its gather; when every node left
// reads one, the gather comes (the waiting parts are whole after it) and
// the first node whose inputs are made goes. A conv that its pool computes
// (fuseConvPools) is followed by that pool at once, as in the graph.
func (p *Program) orderGathers() {
	n := len(p.nodes)
	maker := make(map[string]int, n)
	at := make(map[*Node]int, n)
	for i, nd := range p.nodes {
		at[nd] = i
		for _, o := range nd.Outputs {
			if o != "" {
				maker[o] = i
			}
		}
	}
	glued := map[int]bool{} // pools that run right after their conv
	for _, pool := range p.convPools {
		glued[at[pool]] = true
	}
	done := make([]bool, n)
	pending := map[string]bool{}
	ready := func(i int) bool {
		for _, in := range p.nodes[i].Inputs {
			if j, ok := maker[in]; ok && in != "" && !done[j] {
				return false
			}
		}
		return true
	}
	waits := func(i int) bool {
		for _, in := range p.nodes[i].Inputs {
			if pending[in] {
				return true
			}
		}
		return false
	}
	order := make([]*Node, 0, n)
	take := func(i int) {
		nd := p.nodes[i]
		done[i] = true
		order = append(order, nd)
		if p.splits[nd] != nil && !p.ownOnly[nd] {
			for _, o := range nd.Outputs {
				pending[o] = true
			}
		}
	}
	first := func(free bool) int {
		for i := range n {
			if !done[i] && !glued[i] && ready(i) && (!free || !waits(i)) {
				return i
			}
		}
		return -1
	}
	for len(order) < n {
		i := first(true)
		if i < 0 {
			clear(pending) // a gather
			if i = first(false); i < 0 {
				return // not a DAG in this order: keep the graph's
			}
		}
		take(i)
		if pool := p.convPools[p.nodes[i]]; pool != nil {
			take(at[pool])
		}
	}
	p.nodes = order
}
