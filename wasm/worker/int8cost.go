//go:build js

package main

import (
	"context"
	"time"

	"convscope/models"
	"convscope/web/protocol"
)

// twinCache is the last float32 twin used, by its SHA-256: asking again
// (another image, the other toggle) neither downloads nor checks it again.
// It is dropped when it is not the current model's twin any more.
var twinCache struct {
	sha  string
	twin *models.Model
}

// int8Cost answers Int8Cost: the twin from memory, the Cache API or the
// network (Progress while downloading; verified before use and only then
// cached), then the session's comparison on the last image.
func (w *worker) int8Cost(ctx context.Context, m *protocol.Int8Cost) {
	start := time.Now()
	ref := m.Twin
	twin, fromCache := twinCache.twin, true
	if twinCache.sha != ref.SHA256 || twin == nil || w.sess.CheckTwin(twin) != nil {
		twinCache.sha, twinCache.twin = "", nil // let the old twin go before the new one arrives
		var err error
		if twin, fromCache, err = w.fetchTwin(ctx, m.ID, ref); err != nil {
			w.fail(m.ID, err)
			return
		}
		twinCache.sha, twinCache.twin = ref.SHA256, twin
	}
	w.yield.reset()
	rep, err := w.sess.Int8Cost(ctx, twin, w.yield.maybe)
	if err != nil {
		w.fail(m.ID, err)
		return
	}
	rep.ID = m.ID
	rep.FromCache = fromCache
	rep.Ms = float64(time.Since(start).Microseconds()) / 1000
	w.post(rep)
}

// fetchTwin reads the twin from the Cache API (dropping a damaged entry)
// or downloads it, and checks it (Session.LoadTwin) before caching it.
func (w *worker) fetchTwin(ctx context.Context, id int, ref protocol.ModelRef) (*models.Model, bool, error) {
	cache := openCache()
	if !cache.IsUndefined() {
		if data, ok := readCache(cache, ref.URL); ok {
			twin, err := w.sess.LoadTwin(data, ref.SHA256)
			if err == nil {
				return twin, true, nil
			}
			warn("cached " + ref.URL + " is not usable (" + err.Error() + "); downloading it again")
			await(cache.Call("delete", ref.URL))
		}
	}
	data, err := w.download(ctx, id, ref)
	if err != nil {
		return nil, false, err
	}
	twin, err := w.sess.LoadTwin(data, ref.SHA256)
	if err != nil {
		return nil, false, err
	}
	if !cache.IsUndefined() {
		writeCache(cache, ref.URL, data)
	}
	return twin, false, nil
}
