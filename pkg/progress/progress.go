// Package progress is authctl's one progress reporter, on stderr, in two
// shapes: counted phases (Reporter: bootstrap's listing, identities,
// clients) and a list of things becoming ready (List: a rollout's
// Deployments and Jobs). Each has a bubbletea view for terminals and plain
// lines for logs; neither view reads the keyboard or takes over signals,
// so Ctrl-C stays with the caller's context.
package progress

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Reporter receives progress. Implementations are safe for concurrent use.
type Reporter interface {
	// Start begins a phase of total items (0 when unknown).
	Start(phase string, total int)
	// Add records n finished items of the current phase.
	Add(n int)
	// Finish ends the current phase.
	Finish()
	// Close releases the reporter (stops a TUI); call it once at the end.
	Close()
}

// Nop discards progress.
type Nop struct{}

func (Nop) Start(string, int) {}
func (Nop) Add(int)           {}
func (Nop) Finish()           {}
func (Nop) Close()            {}

// Stats describe a phase in flight.
type Stats struct {
	Phase   string
	Done    int
	Total   int
	Elapsed time.Duration
}

// Rate returns items per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Done) / s.Elapsed.Seconds()
}

// ETA estimates the remaining time from the rate so far; zero when unknown.
func (s Stats) ETA() time.Duration {
	r := s.Rate()
	if r == 0 || s.Total <= s.Done {
		return 0
	}
	return time.Duration(float64(s.Total-s.Done) / r * float64(time.Second)).Round(time.Second)
}

// String formats the stats as one plain line.
func (s Stats) String() string {
	line := fmt.Sprintf("%s: %d", s.Phase, s.Done)
	if s.Total > 0 {
		line += fmt.Sprintf("/%d (%d%%)", s.Total, s.Done*100/s.Total)
	}
	line += fmt.Sprintf(", %.0f/s", s.Rate())
	if eta := s.ETA(); eta > 0 {
		line += fmt.Sprintf(", eta %s", eta)
	}
	return line
}

// counter is the state shared by both reporters.
type counter struct {
	mu    sync.Mutex
	phase string
	total int
	start time.Time
	done  atomic.Int64
	now   func() time.Time
}

func (c *counter) begin(phase string, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.phase, c.total, c.start = phase, total, c.now()
	c.done.Store(0)
}

func (c *counter) stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Phase: c.phase, Done: int(c.done.Load()), Total: c.total, Elapsed: c.now().Sub(c.start)}
}

// Plain writes a progress line every interval while a phase runs and a
// final line when it finishes. It suits CI logs.
type Plain struct {
	w        io.Writer
	interval time.Duration
	c        counter
	stop     chan struct{}
	wg       sync.WaitGroup
}

// NewPlain returns a Plain reporter writing to w.
func NewPlain(w io.Writer, interval time.Duration) *Plain {
	return &Plain{w: w, interval: interval, c: counter{now: time.Now}}
}

// Start implements Reporter.
func (p *Plain) Start(phase string, total int) {
	p.Finish()
	p.c.begin(phase, total)
	p.stop = make(chan struct{})
	p.wg.Add(1)
	go func(stop chan struct{}) {
		defer p.wg.Done()
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintln(p.w, p.c.stats())
			}
		}
	}(p.stop)
}

// Add implements Reporter.
func (p *Plain) Add(n int) { p.c.done.Add(int64(n)) }

// Finish implements Reporter.
func (p *Plain) Finish() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.stop = nil
	s := p.c.stats()
	fmt.Fprintf(p.w, "%s: %d done in %s\n", s.Phase, s.Done, s.Elapsed.Round(time.Millisecond))
}

// Close implements Reporter.
func (p *Plain) Close() { p.Finish() }
