package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"time"

	"convscope/models"
	"convscope/models/builtin"
)

// modelInfo is the catalog entry of package models.
type modelInfo = models.Info

// newCatalog returns the catalog of package models for dir (built-in
// models, torchvision's list, and the files of dir), cached for serving.
func newCatalog(dir string) (catalog, error) {
	if dir == "" {
		d, err := models.DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return &modelsCatalog{dir: dir}, nil
}

// modelsCatalog caches models.Catalog, which costs milliseconds (it sizes
// every torchvision model from its definition): far too much to run on
// every file request of a classroom. The cache is dropped when the models
// folder changes (fetch and import write a temporary file and rename it
// into the folder, which changes the folder's modification time), and a
// file whose size or time differs from what was listed makes Open reload,
// so a file is never served under another file's hash.
type modelsCatalog struct {
	dir string

	mu      sync.Mutex
	list    []models.Info
	dirStat dirState
	files   map[string]fileState // by model name, files in dir only

	twins    map[string]twinInfo // float32 twins by model name (server_twins.go)
	twinStat dirState            // of dir's float32 folder
}

type dirState struct {
	exists bool
	mod    time.Time
}

type fileState struct {
	size int64
	mod  time.Time
}

func (c *modelsCatalog) currentDirState() dirState {
	st, err := os.Stat(c.dir)
	if err != nil {
		return dirState{}
	}
	return dirState{exists: true, mod: st.ModTime()}
}

// load returns the cached list, reloading it if the folder changed or force.
func (c *modelsCatalog) load(force bool) ([]models.Info, map[string]fileState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ds, ts := c.currentDirState(), c.twinDirState()
	if c.list != nil && !force && ds == c.dirStat && ts == c.twinStat {
		return c.list, c.files, nil
	}
	list, err := models.Catalog(c.dir)
	if err != nil {
		return nil, nil, err
	}
	files := map[string]fileState{}
	for _, m := range list {
		if m.Available && !m.BuiltIn && m.Path != "" {
			if st, err := os.Stat(m.Path); err == nil {
				files[m.Name] = fileState{size: st.Size(), mod: st.ModTime()}
			}
		}
	}
	twins, err := findTwins(c.dir, list)
	if err != nil {
		return nil, nil, err
	}
	c.list, c.files, c.dirStat = list, files, ds
	c.twins, c.twinStat = twins, ts
	return list, files, nil
}

func (c *modelsCatalog) List() ([]modelInfo, error) {
	list, _, err := c.load(false)
	return slices.Clone(list), err
}

func (c *modelsCatalog) Open(name string) (modelFile, modelInfo, error) {
	if models.CheckName(name) != nil {
		return nil, modelInfo{}, errNoModel
	}
	for attempt := range 2 {
		list, files, err := c.load(attempt > 0)
		if err != nil {
			return nil, modelInfo{}, err
		}
		i := slices.IndexFunc(list, func(m models.Info) bool { return m.Name == name })
		if i < 0 || !list[i].Available {
			return nil, modelInfo{}, errNoModel
		}
		info := list[i]
		f, changed, err := c.openFile(info, files[name])
		if errors.Is(err, fs.ErrNotExist) {
			if attempt == 0 {
				continue // removed since it was listed
			}
			return nil, modelInfo{}, errNoModel
		}
		if err != nil {
			return nil, modelInfo{}, err
		}
		if changed {
			f.Close()
			continue
		}
		return f, info, nil
	}
	return nil, modelInfo{}, fmt.Errorf("model %s keeps changing while being opened", name)
}

// openFile opens an available model and reports whether the file is not
// the one that was listed (other size or time).
func (c *modelsCatalog) openFile(info models.Info, listed fileState) (modelFile, bool, error) {
	if info.BuiltIn {
		f, err := builtin.FS().Open(info.Name + models.Ext)
		if err != nil {
			return nil, false, err
		}
		rsc, ok := f.(io.ReadSeekCloser)
		if !ok {
			f.Close()
			return nil, false, fmt.Errorf("built-in model %s cannot seek", info.Name)
		}
		return rsc, false, nil
	}
	f, err := os.Open(info.Path)
	if err != nil {
		return nil, false, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, false, err
	}
	changed := st.Size() != listed.size || !st.ModTime().Equal(listed.mod) || st.Size() != info.Bytes
	return f, changed, nil
}
