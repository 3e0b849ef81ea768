//go:build js && wasm

package main

import (
	"convscope/web"
	"convscope/web/protocol"
)

var _ web.Int8Coster = (*host)(nil)

// Int8Cost asks the worker to compare the current model with its float32
// twin on the last image (Cancel stops it, like a Classify).
func (h *host) Int8Cost(twin protocol.ModelRef) (*protocol.Int8Report, error) {
	ans, err := h.engine.do(protocol.TypeInt8Cost, func(id int) protocol.Message {
		return protocol.Int8Cost{ID: id, Twin: twin}
	}, nil)
	if err != nil {
		return nil, err
	}
	r, ok := ans.(*protocol.Int8Report)
	if !ok {
		return nil, unexpected(ans)
	}
	return r, nil
}
