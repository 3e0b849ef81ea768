package session

import (
	"fmt"

	"convscope/engine"
	"convscope/models"
	"convscope/web/protocol"
)

// Peers are the other programs of a session split over several cores
// (engine.Shard): the browser's helper workers (wasm/worker), goroutines in
// the tests. The session's own program is shard 0 and the peers hold the
// others; every run of the network goes through Session.run, which has the
// peers run the same input alongside, so that every program reaches every
// Gather in the same order.
type Peers interface {
	// Shard is the engine.Shard of the session's own program.
	Shard() engine.Shard
	// Load has every peer compile its shard of the model file data with
	// the options the session compiled its own with (Keep; the shards of
	// one program must agree on them) and returns once all are ready.
	Load(data []byte, keep []string) error
	// Start has every peer run its program on x, without waiting.
	Start(x *engine.Tensor) error
	// Finish waits until every peer is done with the run Start began.
	// abort says the session's own run stopped before its end (failed,
	// cancelled, or no longer needed): the peers must then be released
	// from the gathers the session will not reach.
	Finish(abort bool) error
	// Close stops the peers for good.
	Close()
}

// SetPeers makes the next Load split the model over p and the session's
// own program (nil: one program). A session whose peers fail goes on
// alone, and says why in Note.
func (s *Session) SetPeers(p Peers) {
	if s.peers != nil && s.peers != p {
		s.peers.Close()
	}
	s.peers = p
	if p != nil {
		s.note = ""
	}
}

// Programs is how many programs run the network: 1 plus the peers.
func (s *Session) Programs() int {
	if s.peers == nil {
		return 1
	}
	return s.peers.Shard().Count
}

// Note says why the session runs on one program after it had peers ("" if
// it did not fall back).
func (s *Session) Note() string { return s.note }

// compile compiles the session's program for m: its shard when it has
// peers (which then compile theirs from data), else the whole network. A
// failure of the peers is no failure of the load: the session goes on
// alone, with the current model (should this load fail after all) made
// whole again too.
func (s *Session) compile(m *models.Model, data []byte, keep []string) (*engine.Program, error) {
	if s.peers != nil {
		prog, err := compilePart(m.Graph(), engine.Options{Keep: keep, Shard: s.peers.Shard()})
		if err == nil {
			if err = s.peers.Load(data, keep); err == nil {
				return prog, nil
			}
		}
		if err := s.dropPeers(err); err != nil {
			return nil, err
		}
	}
	return m.Program(engine.Options{Keep: keep})
}

// run runs the session's program on x. Every run of the network (Classify,
// WarmUp, the occlusion's runs, Slide's replay) goes through here, so that
// the peers of a split session run each one in lockstep. A run that stops
// early (cancelled, or Slide has what it needs) releases the peers; a
// failure of the peers makes the session drop them and run the request
// again on its own (a whole program compiled from the model it still
// holds), so that nothing is lost.
func (s *Session) run(x *engine.Tensor, ro engine.RunOptions) (*engine.Result, error) {
	in := map[string]*engine.Tensor{s.input: x}
	if s.peers == nil {
		return s.prog.RunWith(in, ro)
	}
	err := s.peers.Start(x)
	if err == nil {
		res, runErr := s.prog.RunWith(in, ro)
		err = s.peers.Finish(runErr != nil)
		stopped := ro.Context != nil && ro.Context.Err() != nil
		switch {
		case runErr == nil && err == nil:
			return res, nil
		case runErr != nil && stopped:
			if err != nil {
				// Cancelled, and a peer failed meanwhile: the next run
				// goes alone.
				if err := s.dropPeers(err); err != nil {
					return nil, err
				}
			}
			return nil, runErr
		case err == nil:
			err = runErr // a gather that failed or timed out
		}
	}
	if err := s.dropPeers(err); err != nil {
		return nil, err
	}
	return s.prog.RunWith(in, ro)
}

// dropPeers stops the peers after their failure (why) and makes the
// current model's program a whole one again.
func (s *Session) dropPeers(why error) error {
	s.peers.Close()
	s.peers = nil
	s.note = fmt.Sprintf("the helper workers failed (%v): the model runs on one worker", why)
	if s.model == nil {
		return nil // no model yet
	}
	prog, err := s.model.Program(engine.Options{Keep: s.keep})
	if err != nil {
		return fail(protocol.CodeInternal, "%v", err)
	}
	s.prog = prog
	return nil
}
