package main

import (
	"net/http"

	"convscope/train/records"
)

// trainingList is the body of GET /api/training (and of api/training in an
// export): the built-in models' training runs, embedded at build time (see
// package records), as web.TrainingRun declares them.
type trainingList struct {
	Runs []records.Run `json:"runs"`
}

// trainingRuns returns the runs the server serves: s.training if set (the
// tests' failing source), else the embedded records.
func (s *server) trainingRuns() ([]records.Run, error) {
	if s.training != nil {
		return s.training()
	}
	return records.Runs()
}

func (s *server) serveTraining(w http.ResponseWriter, r *http.Request) {
	runs, err := s.trainingRuns()
	if err != nil {
		s.log.Error("training records", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the training records could not be read")
		return
	}
	// The records change only with the binary, but the list of models
	// beside it is revalidated; doing the same keeps the two consistent
	// after an upgrade.
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, trainingList{Runs: runs})
}
