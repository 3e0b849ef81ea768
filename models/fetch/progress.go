package fetch

import (
	"fmt"
	"io"
	"time"
)

// progress reports a download. On a terminal it redraws one line at most
// every redrawEvery; elsewhere it writes one line when the download starts
// and one when it ends.
type progress struct {
	w        io.Writer
	terminal bool
	name     string
	total    int64 // -1 if unknown
	n        int64
	start    time.Time
	last     time.Time
}

// redrawEvery limits terminal redraws to about ten a second.
const redrawEvery = 100 * time.Millisecond

func newProgress(w io.Writer, terminal bool, name string, total int64) *progress {
	p := &progress{w: w, terminal: terminal, name: name, total: total, start: now()}
	if w != nil && !terminal {
		if total >= 0 {
			fmt.Fprintf(w, "downloading %s (%s)\n", name, mb(total))
		} else {
			fmt.Fprintf(w, "downloading %s\n", name)
		}
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.w != nil && p.terminal {
		if t := now(); t.Sub(p.last) >= redrawEvery {
			p.last = t
			fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(t))
		}
	}
	return len(b), nil
}

// done ends the report; err is the download's error, if any.
func (p *progress) done(err error) {
	if p.w == nil {
		return
	}
	t := now()
	if p.terminal {
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.line(t))
		return
	}
	if err != nil {
		fmt.Fprintf(p.w, "download of %s failed after %s\n", p.name, mb(p.n))
		return
	}
	fmt.Fprintf(p.w, "downloaded %s: %s in %.1f s (%s/s)\n", p.name, mb(p.n), t.Sub(p.start).Seconds(), mb(p.rate(t)))
}

// line is the bar: name, bytes so far / total, percentage, rate.
func (p *progress) line(t time.Time) string {
	if p.total <= 0 {
		return fmt.Sprintf("%s  %s  %s/s", p.name, mb(p.n), mb(p.rate(t)))
	}
	const width = 24
	frac := float64(p.n) / float64(p.total)
	filled := min(int(frac*width), width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < filled {
			bar[i] = '='
		}
	}
	return fmt.Sprintf("%s [%s] %s / %s %3.0f%%  %s/s", p.name, bar, mb(p.n), mb(p.total), 100*frac, mb(p.rate(t)))
}

func (p *progress) rate(t time.Time) int64 {
	s := t.Sub(p.start).Seconds()
	if s <= 0 {
		return 0
	}
	return int64(float64(p.n) / s)
}

// mb formats a byte count for people.
func mb(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
