package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// newCatalog returns the catalog the server lists and serves.
func newCatalog(dir string) (catalog, error) {
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(cache, "convscope", "models")
	}
	return &dirCatalog{dir: dir, sums: map[string]fileSum{}}, nil
}

// dirCatalog lists the .csm files of one folder. Hashes are cached by path,
// size and modification time so that listing does not re-read big files.
type dirCatalog struct {
	dir  string
	mu   sync.Mutex
	sums map[string]fileSum
}

type fileSum struct {
	size int64
	mod  time.Time
	sum  string
}

func (c *dirCatalog) List() ([]modelInfo, error) {
	entries, err := os.ReadDir(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []modelInfo{}, nil
	}
	if err != nil {
		return nil, err
	}
	list := []modelInfo{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".csm")
		if !ok || !e.Type().IsRegular() || !modelNameRE.MatchString(name) {
			continue
		}
		info, err := c.info(name)
		if err != nil {
			return nil, err
		}
		list = append(list, info)
	}
	slices.SortFunc(list, func(a, b modelInfo) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

func (c *dirCatalog) info(name string) (modelInfo, error) {
	path := filepath.Join(c.dir, name+".csm")
	st, err := os.Stat(path)
	if err != nil {
		return modelInfo{}, err
	}
	c.mu.Lock()
	cached, ok := c.sums[path]
	c.mu.Unlock()
	if !ok || cached.size != st.Size() || !cached.mod.Equal(st.ModTime()) {
		f, err := os.Open(path)
		if err != nil {
			return modelInfo{}, err
		}
		h := sha256.New()
		_, err = f.WriteTo(h)
		f.Close()
		if err != nil {
			return modelInfo{}, fmt.Errorf("%s: %w", path, err)
		}
		cached = fileSum{size: st.Size(), mod: st.ModTime(), sum: hex.EncodeToString(h.Sum(nil))}
		c.mu.Lock()
		c.sums[path] = cached
		c.mu.Unlock()
	}
	return modelInfo{Name: name, Bytes: st.Size(), Available: true, SHA256: cached.sum, Path: path}, nil
}

func (c *dirCatalog) Open(name string) (modelFile, modelInfo, error) {
	if !modelNameRE.MatchString(name) {
		return nil, modelInfo{}, errNoModel
	}
	info, err := c.info(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, modelInfo{}, errNoModel
	}
	if err != nil {
		return nil, modelInfo{}, err
	}
	f, err := os.Open(info.Path)
	if err != nil {
		return nil, modelInfo{}, err
	}
	return f, info, nil
}
