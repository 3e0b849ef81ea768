package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"convscope/engine"
	"convscope/models/modelfile"
	"convscope/web/protocol"
)

// localPeers are Peers in goroutines of this process, the in-process twin
// of the browser's helper workers: shards 1 to n-1 of the program,
// gathering through an engine.LocalGather. An aborted LocalGather stays
// aborted, so each run gets a new one (as the browser's shards Clear their
// control buffer between runs).
type localPeers struct {
	n      int
	lg     *engine.LocalGather
	progs  []*engine.Program
	input  string
	done   chan error
	runs   int
	failAt int // the run (1-based) in which the peers die instead of running; 0: never
	// dieAt is the run (1-based) in which the peers die midway: each
	// gathers dieAfter times, then dies at its next gather without
	// arriving, and its death releases the barrier (as the browser's
	// helper, whose worker.js sets the failed flag). LocalGather has no
	// timeout: without that release the session would wait for ever.
	dieAt, dieAfter int
	gathers         []int // by peer, this run
	failLoad        bool  // Load fails
	closed          bool
}

func newLocalPeers(n int) *localPeers { return &localPeers{n: n, lg: engine.NewLocalGather(n)} }

func (p *localPeers) gather(i int) func([]engine.Gathered) error {
	return func(parts []engine.Gathered) error {
		if i > 0 && p.runs == p.dieAt {
			if p.gathers[i]++; p.gathers[i] > p.dieAfter {
				err := fmt.Errorf("peer %d died at its gather %s", i, parts[0].Node)
				p.lg.Abort(err)
				return err
			}
		}
		return p.lg.Shard(i).Gather(parts)
	}
}

func (p *localPeers) Shard() engine.Shard {
	return engine.Shard{Index: 0, Count: p.n, Gather: p.gather(0)}
}

func (p *localPeers) Load(data []byte, keep []string) error {
	if p.failLoad {
		return errors.New("a peer could not compile its shard")
	}
	_, g, err := modelfile.DecodeGraph(data)
	if err != nil {
		return err
	}
	p.progs = nil
	for i := 1; i < p.n; i++ {
		prog, err := engine.Compile(g, engine.Options{Keep: keep, Shard: engine.Shard{Index: i, Count: p.n, Gather: p.gather(i)}})
		if err != nil {
			return err
		}
		p.progs = append(p.progs, prog)
	}
	p.input = g.Inputs[0].Name
	return nil
}

func (p *localPeers) Start(x *engine.Tensor) error {
	if p.closed {
		return errors.New("closed")
	}
	p.lg = engine.NewLocalGather(p.n)
	p.runs++
	p.gathers = make([]int, p.n)
	p.done = make(chan error, len(p.progs))
	for _, prog := range p.progs {
		go func() {
			if p.runs == p.failAt {
				err := errors.New("a peer died")
				p.lg.Abort(err)
				p.done <- err
				return
			}
			_, err := prog.RunWith(map[string]*engine.Tensor{p.input: x}, engine.RunOptions{Consume: func(string, *engine.Tensor) bool { return true }})
			if err != nil {
				p.lg.Abort(err)
			}
			p.done <- err
		}()
	}
	return nil
}

func (p *localPeers) Finish(abort bool) error {
	if abort {
		p.lg.Abort(errors.New("run abandoned"))
	}
	var first error
	for range p.progs {
		if err := <-p.done; err != nil && first == nil {
			first = err
		}
	}
	if abort {
		return nil // the peers failed because they were released
	}
	return first
}

func (p *localPeers) Close() { p.closed = true }

// sameResult fails unless a and b have the same classes with the same
// probabilities, bit for bit.
func sameResult(t *testing.T, what string, a, b *protocol.Result) {
	t.Helper()
	if len(a.Top) != len(b.Top) {
		t.Fatalf("%s: %d vs %d classes", what, len(a.Top), len(b.Top))
	}
	for i := range a.Top {
		if a.Top[i].Index != b.Top[i].Index || math.Float64bits(a.Top[i].Prob) != math.Float64bits(b.Top[i].Prob) {
			t.Errorf("%s: class %d: %+v vs %+v", what, i, a.Top[i], b.Top[i])
		}
	}
}

// sameMaps fails unless sessions a and b keep the same maps for every
// layer with maps of loaded, bit for bit.
func sameMaps(t *testing.T, a, b *Session, loaded *protocol.Loaded) {
	t.Helper()
	maps := 0
	for _, l := range loaded.Layers {
		if !l.Maps {
			continue
		}
		ma, err1 := a.Activations(l.Name)
		mb, err2 := b.Activations(l.Name)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v, %v", l.Name, err1, err2)
		}
		if !bytes.Equal(ma.Data, mb.Data) || fmt.Sprint(ma.Min, ma.Max) != fmt.Sprint(mb.Min, mb.Max) {
			t.Errorf("%s: the maps differ", l.Name)
		}
		maps++
	}
	if maps == 0 {
		t.Fatal("no layer has maps")
	}
}

// TestSplitSession runs a session split over 2 and 3 programs next to one
// that is not: the same classes and probabilities bit for bit, the same
// maps of every layer, the same slides, occlusion heatmap and filters.
func TestSplitSession(t *testing.T) {
	b, _ := builtinModel(t, "vgg_cifar") // its head has no exact CAM: Explain runs the occlusion
	one, _, want := classified(t, b)
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var s Session
			peers := newLocalPeers(n)
			s.SetPeers(peers)
			loaded, err := s.Load(b, hexSHA(b))
			if err != nil {
				t.Fatal(err)
			}
			if s.Programs() != n || s.Note() != "" {
				t.Fatalf("%d programs (note %q), want %d", s.Programs(), s.Note(), n)
			}
			if err := s.WarmUp(context.Background(), nil, nil); err != nil {
				t.Fatal(err)
			}
			got, err := s.Classify(context.Background(), testImage(t), false, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, "classify", want, got)
			sameMaps(t, one, &s, loaded)
			var convs []string
			for _, l := range loaded.Layers {
				if s.convIn[l.Name] != "" {
					convs = append(convs, l.Name)
				}
			}
			if len(convs) < 2 {
				t.Fatalf("convs %v", convs)
			}
			for _, l := range []string{convs[0], convs[len(convs)-1]} {
				a, err1 := one.SlideCtx(context.Background(), l, 0, 0, nil)
				g, err2 := s.SlideCtx(context.Background(), l, 0, 0, nil)
				if err1 != nil || err2 != nil {
					t.Fatalf("slide %s: %v, %v", l, err1, err2)
				}
				if fmt.Sprint(a) != fmt.Sprint(g) {
					t.Errorf("slide %s differs", l)
				}
			}
			class := want.Top[0].Index
			ha, err1 := one.Explain(context.Background(), class, nil, nil)
			hg, err2 := s.Explain(context.Background(), class, nil, nil)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if hg.Method != "occlusion" || fmt.Sprint(ha.Values) != fmt.Sprint(hg.Values) {
				t.Errorf("explain: %s %v vs %s %v", ha.Method, ha.Values, hg.Method, hg.Values)
			}
			fa, err1 := one.Filters("")
			fg, err2 := s.Filters("")
			if err1 != nil || err2 != nil || !bytes.Equal(fa.RGBA, fg.RGBA) || fa.Count != fg.Count {
				t.Errorf("filters: %v, %v, or they differ", err1, err2)
			}
			if s.Programs() != n {
				t.Errorf("%d programs at the end (note %q)", s.Programs(), s.Note())
			}
		})
	}
}

// TestSplitSessionCancel cancels a split run midway (the peers wait in a
// gather the session never reaches) and stops a warm-up: the next runs
// still work, split, and give the unsplit session's answer.
func TestSplitSessionCancel(t *testing.T) {
	b, _ := builtinModel(t, "resnet20_cifar")
	_, _, want := classified(t, b)
	var s Session
	s.SetPeers(newLocalPeers(2))
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	if err := s.WarmUp(ctx, func(protocol.LayerDone) {
		if steps++; steps == 5 {
			cancel()
		}
	}, nil); code(err) != protocol.CodeCancelled {
		t.Errorf("cancelled warm-up: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	calls := 0
	_, err := s.Classify(ctx, testImage(t), false, 10, func(d protocol.LayerDone) {
		if calls++; calls == 8 {
			cancel()
		}
	})
	if code(err) != protocol.CodeCancelled {
		t.Errorf("cancelled classify: %v", err)
	}
	got, err := s.Classify(context.Background(), testImage(t), false, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "classify after a cancel", want, got)
	if s.Programs() != 2 {
		t.Errorf("%d programs after a cancel (note %q), want 2", s.Programs(), s.Note())
	}
}

// TestSplitSessionPeerFails has the peers die in the middle of a Classify:
// the session drops them, says why, and answers the request on its own
// with the right result.
func TestSplitSessionPeerFails(t *testing.T) {
	b, _ := builtinModel(t, "resnet20_cifar")
	_, _, want := classified(t, b)
	var s Session
	peers := newLocalPeers(2)
	peers.failAt = 2
	s.SetPeers(peers)
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	first, err := s.Classify(context.Background(), testImage(t), false, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "split classify", want, first)
	got, err := s.Classify(context.Background(), nil, true, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "classify whose peers died", want, got)
	if s.Programs() != 1 || s.Note() == "" || !peers.closed {
		t.Errorf("%d programs, note %q, peers closed %v: want 1, a note, closed", s.Programs(), s.Note(), peers.closed)
	}
	if _, err := s.Filters(""); err != nil {
		t.Error(err)
	}
}

// TestSplitSessionPeerDiesMidway has the peers die in the middle of a
// Classify, after some gathers (the session's own program has consumed
// part of its layers' outputs): the session drops them, says why, and
// answers on its own with the unsplit session's classes and every layer's
// maps, bit for bit.
func TestSplitSessionPeerDiesMidway(t *testing.T) {
	b, _ := builtinModel(t, "vgg_cifar")
	one, loaded, want := classified(t, b)
	for _, after := range []int{0, 2} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			var s Session
			peers := newLocalPeers(2)
			peers.dieAt, peers.dieAfter = 1, after
			s.SetPeers(peers)
			if _, err := s.Load(b, hexSHA(b)); err != nil || s.Programs() != 2 {
				t.Fatalf("split load: %v, %d programs", err, s.Programs())
			}
			got, err := s.Classify(context.Background(), testImage(t), false, 10, nil)
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, "classify whose peers died midway", want, got)
			if s.Programs() != 1 || !strings.Contains(s.Note(), "died at its gather") || !peers.closed {
				t.Errorf("%d programs, note %q, peers closed %v: want 1, a note naming the death, closed", s.Programs(), s.Note(), peers.closed)
			}
			sameMaps(t, one, &s, loaded)
		})
	}
}

// TestSplitSessionLoadFails: peers that fail to compile the next model
// leave the session on one program with that model, answering right.
func TestSplitSessionLoadFails(t *testing.T) {
	b, _ := builtinModel(t, "resnet20_cifar")
	_, _, want := classified(t, b)
	var s Session
	peers := newLocalPeers(2)
	s.SetPeers(peers)
	if _, err := s.Load(b, hexSHA(b)); err != nil || s.Programs() != 2 {
		t.Fatalf("split load: %v, %d programs", err, s.Programs())
	}
	peers.failLoad = true
	if _, err := s.Load(b, hexSHA(b)); err != nil {
		t.Fatal(err)
	}
	if s.Programs() != 1 || s.Note() == "" || !peers.closed {
		t.Errorf("%d programs, note %q, peers closed %v: want 1, a note, closed", s.Programs(), s.Note(), peers.closed)
	}
	got, err := s.Classify(context.Background(), testImage(t), false, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "classify after the peers failed to load", want, got)
}
