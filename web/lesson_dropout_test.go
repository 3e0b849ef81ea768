package web

import (
	"testing"

	"convscope/web/protocol"
)

// TestDropChannel: by default the mask is shown on the channel whose values
// span the widest range (channel 0 of a deep ReLU layer may be all zeros);
// a channel the user chose is kept, within the layer.
func TestDropChannel(t *testing.T) {
	m := &protocol.Maps{Layer: "relu", Shape: [3]int{3, 1, 1}, Min: []float32{0, 0, -1}, Max: []float32{0, 5, 1}, Data: make([]byte, 3)}
	c := &Lessons{DropChannel: -1}
	if got := c.dropChannel(m); got != 1 {
		t.Errorf("default channel %d, want 1 (range 5)", got)
	}
	c.DropChannel = 2
	if got := c.dropChannel(m); got != 2 {
		t.Errorf("chosen channel 2 shown as %d", got)
	}
	c.DropChannel = 9
	if got := c.dropChannel(m); got != 2 {
		t.Errorf("channel 9 of 3 shown as %d, want the last, 2", got)
	}
}
