package engine

import (
	"slices"
)

// Inter-op parallelism. A pass of GoogLeNet is about a hundred nodes, most
// of them small: split each over the two cores (every op parallelises
// inside, internal/par) and the pass pays a wait at the end of every loop
// and moves every op's data between the cores; on a two-vCPU machine whose
// cores were far apart (a cache line's round trip ~500 ns) two workers ran
// it barely faster than one (39.6 -> 37.5 ms, onnxruntime 30.4 -> 17.3).
// Yet an inception block is four branches that only its Concat joins. So
// the plan cuts the nodes into steps: a node that runs alone (its loops
// split over the workers as before), or a group of chains that do not read
// each other's values, which run at once, each chain on one thread from
// its first node to its last (par.Tasks), largest first; a thread with no
// chain left helps the parallel loops of the chains still running. One
// join per block instead of one per loop, and a branch's values stay in
// its core's caches.
//
// Only natively with more than one worker, and not in a shard (whose
// programs must run the same gathers in the same order): RunWith then
// runs the nodes in order as ever. Every node computes the same bits
// whoever runs it and with any number of workers, so the results do not
// change.

// step is a span of nodes [lo, hi) that RunWith runs as a unit: one after
// another when chains is nil, or as a group.
type step struct {
	lo, hi int
	// chains are the group's node indices, each chain in node order,
	// the most costly chain first.
	chains [][]int
	// free[i-lo] are the values freed right after node i by the thread
	// that ran it: made in the group, every reader in i's chain. The
	// others of p.free[i] (values made before the group, which another
	// chain may still read) wait for the group's end.
	free [][]string
}

// planSchedule cuts p.nodes into steps (p.steps); it leaves p.steps nil
// when the program runs its nodes one at a time anyway (one worker, a
// shard) or no group pays.
//
// A span grows node by node; a node that reads values of two or more of
// the span's chains (a Concat, a residual Add) closes it before itself,
// and a node that ends a span of one chain and whose value several nodes
// read (the input of a block) closes it after itself. A closed span of
// two or more chains is a group; its chains are the span's connected
// nodes.
func (p *Program) planSchedule() {
	p.steps = nil
	if p.workers <= 1 || p.shard.Count > 1 || len(p.splits) > 0 || p.planning {
		return
	}
	producer := map[string]int{}
	readers := map[string]int{}
	for i, n := range p.nodes {
		for _, o := range n.Outputs {
			if o != "" {
				producer[o] = i
			}
		}
		for _, in := range n.Inputs {
			if in != "" {
				readers[in]++
			}
		}
	}
	held := func(name string) bool { return p.held[name] || p.keepAll }
	var steps []step
	groups := 0
	parent := make([]int, len(p.nodes))
	var find func(i int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	lo, roots := 0, 0
	closeSpan := func(hi int) {
		if hi <= lo {
			return
		}
		if roots < 2 {
			for i := lo; i < hi; i++ {
				steps = append(steps, step{lo: i, hi: i + 1})
			}
		} else {
			steps = append(steps, p.group(lo, hi, find, producer))
			groups++
		}
		lo, roots = hi, 0
	}
	for j, n := range p.nodes {
		parent[j] = j
		var rs []int
		for _, in := range n.Inputs {
			if i, ok := producer[in]; ok && i >= lo && i < j {
				if r := find(i); !slices.Contains(rs, r) {
					rs = append(rs, r)
				}
			}
		}
		if len(rs) >= 2 {
			closeSpan(j)
			rs = rs[:0]
		}
		switch len(rs) {
		case 0:
			roots++
		case 1:
			parent[j] = rs[0]
		}
		fork := false
		for _, o := range n.Outputs {
			fork = fork || o != "" && (readers[o] >= 2 || readers[o] >= 1 && held(o))
		}
		if roots == 1 && fork {
			closeSpan(j + 1)
		}
	}
	closeSpan(len(p.nodes))
	if groups > 0 {
		p.steps = steps
	}
}

// group makes the step of span [lo, hi), whose chains find tells apart.
func (p *Program) group(lo, hi int, find func(int) int, producer map[string]int) step {
	st := step{lo: lo, hi: hi, free: make([][]string, hi-lo)}
	byRoot := map[int]int{}
	var cost []float64
	for i := lo; i < hi; i++ {
		r := find(i)
		c, ok := byRoot[r]
		if !ok {
			c = len(st.chains)
			byRoot[r] = c
			st.chains = append(st.chains, nil)
			cost = append(cost, 0)
		}
		st.chains[c] = append(st.chains[c], i)
		cost[c] += p.nodeCost(p.nodes[i])
		for _, name := range p.free[i] {
			if k, ok := producer[name]; ok && k >= lo {
				st.free[i-lo] = append(st.free[i-lo], name)
			}
		}
	}
	order := make([]int, len(st.chains))
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case cost[a] > cost[b]:
			return -1
		case cost[a] < cost[b]:
			return 1
		}
		return 0
	})
	chains := make([][]int, len(order))
	for k, c := range order {
		chains[k] = st.chains[c]
	}
	st.chains = chains
	return st
}

// nodeCost estimates a node's work: a conv's multiply-adds, a Gemm's, and
// for the other ops the values they write (a copy, a pool: small beside a
// conv).
func (p *Program) nodeCost(n *Node) float64 {
	out := 0.0
	if len(n.Outputs) > 0 {
		if s, ok := p.shapes[n.Outputs[0]]; ok {
			out = float64(numElements(s))
		}
	}
	switch n.Op {
	case OpConv:
		if len(n.Inputs) > 1 {
			if w, ok := p.shapes[n.Inputs[1]]; ok && len(w) == 4 {
				return out * float64(w[1]*w[2]*w[3])
			}
			if w := p.consts[n.Inputs[1]]; w != nil && len(w.Shape) == 4 {
				return out * float64(w.Shape[1]*w.Shape[2]*w.Shape[3])
			}
		}
	case OpGemm, OpMatMul:
		if len(n.Inputs) > 1 {
			if s, ok := p.shapes[n.Inputs[0]]; ok && len(s) > 0 {
				return out * float64(s[len(s)-1])
			}
		}
	}
	return out
}
