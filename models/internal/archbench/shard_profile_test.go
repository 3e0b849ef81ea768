package archbench

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"convscope/engine"
	"convscope/internal/cputime"
)

// ShardProfileEnv names the architectures TestShardProfile profiles (a
// comma list); unset, the test skips. ARCHBENCH_RUNS sets the passes.
const ShardProfileEnv = "ARCHBENCH_SHARD_PROFILE"

// TestShardProfile prints, for each architecture of ShardProfileEnv, the
// CPU time of every node on one program and on each of two shards of the
// split engine (engine.Shard, as the browser's two Web Workers run it),
// with how much work the split adds (both shards' sum over the whole) and
// how far the slower shard is from half the whole. All three programs run
// on one thread (in Node, like one Web Worker; natively under
// GOMAXPROCS(1)), the two shards interleaved through a LocalGather: a
// shard computes until it waits for the other's parts, so each node's
// time is its own compute, read from the process's CPU clock
// (internal/cputime), and descheduling by other programs on a busy
// machine does not count in it, as it does in the browser's wall times
// (bench -browser with CONVSCOPE_BENCH_PROFILE). The gathers (copies and
// waits) are left out: a shard's wait here is the other's compute. Convs
// split by rows take their static bands (no Shard.Share: on one thread
// the first shard would take every chunk). Last, the pass as two cores
// would pace it: between each two gathers the slower shard's compute
// (the faster waits for it there), summed, and that over half of the one
// program's pass, per pass (a ratio, so that a busy machine's slower
// passes cancel out). Medians over the passes:
//
//	ARCHBENCH_SHARD_PROFILE=resnet50 ARCHBENCH_RUNS=7 GOEXPERIMENT=simd GOOS=js GOARCH=wasm \
//	    go test ./models/internal/archbench -run TestShardProfile -v
func TestShardProfile(t *testing.T) {
	list := os.Getenv(ShardProfileEnv)
	if list == "" {
		t.Skipf("set %s=resnet50,... to profile the split engine layer by layer", ShardProfileEnv)
	}
	runs := profileRuns(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, name := range strings.Split(list, ",") {
		profileShards(t, strings.TrimSpace(name), runs)
	}
}

func profileShards(t *testing.T, name string, runs int) {
	m := load(t, name)
	whole, in := warmProgram(t, m, 1)
	const count = 2
	lg := engine.NewLocalGather(count)
	var shards [count]*engine.Program
	var inGather [count]time.Duration // each shard's CPU clock in its gathers
	// Each shard's compute between gathers (segments, in the order of its
	// gathers), in the current pass: on two cores a pass takes at least
	// the sum over segments of the slower shard's, which the per-node
	// sums leave out (a shard that is ahead in one segment waits at its
	// gather for the other).
	var nGather [count]int
	var seg [count]map[int]time.Duration
	var paced []time.Duration
	var wholePass time.Duration // the one program's nodes, in the current pass
	var ratios []float64        // per pass: paced over half of the one program's pass
	for i := range shards {
		s := lg.Shard(i)
		s.Share = nil
		gather := s.Gather
		s.Gather = func(parts []engine.Gathered) error {
			c := cpu()
			err := gather(parts)
			inGather[i] += cpu() - c
			nGather[i]++
			return err
		}
		p, err := m.Program(engine.Options{Workers: 1, Shard: s})
		if err != nil {
			t.Fatal(err)
		}
		shards[i] = p
	}
	// per[0][node] are the node's times on the whole program, per[1+i][node]
	// on shard i, one a pass (the first pass, a warm-up, is dropped); by
	// name, since a shard may run the nodes in another order (the
	// engine's orderGathers). names and ops are the whole program's order.
	var per [1 + count]map[string][]time.Duration
	for k := range per {
		per[k] = map[string][]time.Duration{}
	}
	var names, ops []string
	record := func(k int, gathered *time.Duration) func(done, _ int, tm engine.NodeTiming) {
		last, lastG := cpu(), time.Duration(0)
		if gathered != nil {
			lastG = *gathered
		}
		return func(done, _ int, tm engine.NodeTiming) {
			now := cpu()
			d := now - last
			if gathered != nil {
				d -= *gathered - lastG
				lastG = *gathered
			}
			last = now
			per[k][tm.Node] = append(per[k][tm.Node], d)
			if k > 0 {
				seg[k-1][nGather[k-1]] += d
			} else {
				wholePass += d
			}
			if k == 0 && len(names) < done {
				names, ops = append(names, tm.Node), append(ops, tm.Op.String())
			}
		}
	}
	for r := 0; r <= runs; r++ {
		wholePass = 0
		if _, err := whole.RunWith(in, engine.RunOptions{Progress: record(0, nil)}); err != nil {
			t.Fatal(err)
		}
		for i := range count {
			nGather[i], seg[i] = 0, map[int]time.Duration{}
		}
		var wg sync.WaitGroup
		errs := make([]error, count)
		for i, p := range shards {
			wg.Go(func() {
				_, errs[i] = p.RunWith(in, engine.RunOptions{Progress: record(1+i, &inGather[i])})
				if errs[i] != nil {
					lg.Abort(errs[i])
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if r > 0 {
			var est time.Duration
			for j := 0; j <= nGather[0]; j++ {
				est += max(seg[0][j], seg[1][j])
			}
			paced = append(paced, est)
			ratios = append(ratios, float64(est)*count/float64(wholePass))
		}
		if r == 0 {
			for k := range per {
				clear(per[k])
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: CPU ms a pass (median of %d), one thread: node, op, one program | shard 0, shard 1; their sum / one program; the slower / half of it\n", name, runs)
	type sums struct{ one, sum, slow float64 }
	kinds := map[string]*sums{}
	var tot sums
	for j, node := range names {
		one := ms(median(per[0][node]))
		line := fmt.Sprintf("  %-36s %-12s %7.2f |", node, ops[j], one)
		var sum, slow float64
		for i := range count {
			s := ms(median(per[1+i][node]))
			line += fmt.Sprintf(" %7.2f", s)
			sum, slow = sum+s, max(slow, s)
		}
		if one > 0 {
			line += fmt.Sprintf("  x%.2f  x%.2f", sum/one, slow*count/one)
		}
		fmt.Fprintln(&b, line)
		k := kinds[ops[j]]
		if k == nil {
			k = &sums{}
			kinds[ops[j]] = k
		}
		for _, s := range []*sums{k, &tot} {
			s.one, s.sum, s.slow = s.one+one, s.sum+sum, s.slow+slow
		}
	}
	kindNames := make([]string, 0, len(kinds))
	for k := range kinds {
		kindNames = append(kindNames, k)
	}
	sort.Slice(kindNames, func(i, j int) bool { return kinds[kindNames[i]].one > kinds[kindNames[j]].one })
	fmt.Fprintf(&b, "%s by op kind: one program, its 1/%d share | both shards' sum, the slower shard's sum over nodes (what a pass takes without gathers), loss over the share\n", name, count)
	for _, k := range append(kindNames, "total") {
		s := &tot
		if k != "total" {
			s = kinds[k]
		}
		fmt.Fprintf(&b, "  %-16s %8.2f %8.2f | %8.2f %8.2f  loss %6.2f\n", k, s.one, s.one/count, s.sum, s.slow, s.slow-s.one/count)
	}
	fmt.Fprintf(&b, "%s paced by gathers (the slower shard's compute between each two of its %d gathers, summed): %.2f ms a pass (median), half of one program %.2f; paced over half of the same pass's one program: median x%.3f\n", name, nGather[0], ms(median(paced)), tot.one/count, medianFloat(ratios))
	t.Log("\n" + b.String())
}

// profileRuns is ARCHBENCH_RUNS (default 5).
func profileRuns(t *testing.T) int {
	runs := 5
	if s := os.Getenv(ProfileRunsEnv); s != "" {
		if _, err := fmt.Sscan(s, &runs); err != nil || runs < 1 {
			t.Fatalf("%s=%q: want a positive integer", ProfileRunsEnv, s)
		}
	}
	return runs
}

// cpu is the process's CPU clock.
func cpu() time.Duration { return time.Duration(cputime.Seconds() * 1e9) }

// medianFloat is the median of v.
func medianFloat(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
