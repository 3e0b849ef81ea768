package main

import (
	"fmt"
	"io"
	"sort"
)

// benchProfileEnv, set to anything, makes `bench -browser` print, for each
// model, every node's mean time over the timed runs on one worker beside
// its time on each worker of the split engine, the latter cut into compute,
// gather copies and waiting at the barrier: where the split loses against
// half the one-worker time.
const benchProfileEnv = "CONVSCOPE_BENCH_PROFILE"

// nodeProfile is one node's mean time a run in one worker (gowasm's).
type nodeProfile struct {
	Node    string  `json:"node"`
	Op      string  `json:"op"`
	Compute float64 `json:"ms"`
	Copy    float64 `json:"copy_ms"`
	Wait    float64 `json:"wait_ms"`
}

// printShardProfile writes the per-node table and the totals by op kind of
// one worker's profile one against the split workers' shards.
func printShardProfile(w io.Writer, model string, one []nodeProfile, shards [][]nodeProfile) {
	for _, s := range shards {
		if len(s) != len(one) {
			fmt.Fprintf(w, "bench: %s: profile: %d nodes on one worker, %d on a shard\n", model, len(one), len(s))
			return
		}
	}
	// A shard may run the nodes in another order than the graph's (the
	// engine's orderGathers): its rows are matched by node name.
	byName := make([]map[string]nodeProfile, len(shards))
	for k, s := range shards {
		byName[k] = make(map[string]nodeProfile, len(s))
		for _, p := range s {
			byName[k][p.Node] = p
		}
	}
	fmt.Fprintf(w, "bench: %s profile, ms a run: node, op, one worker, then per shard compute+copy+wait\n", model)
	type kind struct{ one, half, comp, cp, wait float64 }
	kinds := map[string]*kind{}
	var tot kind
	for _, n := range one {
		k := kinds[n.Op]
		if k == nil {
			k = &kind{}
			kinds[n.Op] = k
		}
		line := fmt.Sprintf("  %-36s %-12s %7.2f |", n.Node, n.Op, n.Compute)
		var comp, cp, wait float64
		for si := range shards {
			p := byName[si][n.Node]
			line += fmt.Sprintf(" %7.2f+%5.2f+%5.2f", p.Compute, p.Copy, p.Wait)
			comp, cp, wait = max(comp, p.Compute), max(cp, p.Copy), max(wait, p.Wait)
		}
		fmt.Fprintln(w, line)
		for _, x := range []*kind{k, &tot} {
			x.one += n.Compute
			x.half += n.Compute / float64(len(shards))
			x.comp += comp
			x.cp += cp
			x.wait += wait
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return kinds[names[i]].one > kinds[names[j]].one })
	fmt.Fprintf(w, "bench: %s by op kind, ms a run: one worker, its 1/%d share, split (slowest shard's compute per node, copies, waits)\n", model, len(shards))
	for _, name := range append(names, "total") {
		k := &tot
		if name != "total" {
			k = kinds[name]
		}
		fmt.Fprintf(w, "  %-12s %8.2f %8.2f | %8.2f %6.2f %6.2f  loss %6.2f\n", name, k.one, k.half, k.comp, k.cp, k.wait, k.comp+k.cp+k.wait-k.half)
	}
}
