//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"

	"convscope/web"
)

// loadTraining fetches api/training relative to the page (like loadModels,
// so a static export works at any base path): the built-in models' training
// runs, a few kilobytes, under the model list's size bound.
func loadTraining() ([]web.TrainingRun, error) {
	data, err := fetchBytes("api/training", maxListBytes)
	if err != nil {
		return nil, err
	}
	var body struct {
		Runs []web.TrainingRun `json:"runs"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, fmt.Errorf("api/training: %w", err)
	}
	if body.Runs == nil {
		return nil, fmt.Errorf("api/training: no \"runs\" in the answer")
	}
	return body.Runs, nil
}
