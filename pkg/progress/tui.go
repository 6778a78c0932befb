package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

// TUI draws a bubbletea progress bar with throughput and ETA. It draws on
// the writer it is given (stderr), never reads the keyboard (so Ctrl-C
// stays a signal for the caller's context), and uses no colour when color
// is false (NO_COLOR).
type TUI struct {
	c       counter
	prog    *tea.Program
	done    chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup
	running bool
}

// NewTUI starts the TUI on w, which should be a terminal.
func NewTUI(w io.Writer, color bool) *TUI {
	opts := []progress.Option{progress.WithWidth(40)}
	if color {
		opts = append(opts, progress.WithDefaultGradient())
	} else {
		opts = append(opts, progress.WithColorProfile(termenv.Ascii), progress.WithFillCharacters('#', '.'))
	}
	t := &TUI{c: counter{now: time.Now}, done: make(chan struct{})}
	t.prog = tea.NewProgram(tuiModel{bar: progress.New(opts...)},
		tea.WithOutput(w), tea.WithInput(nil), tea.WithoutSignalHandler())
	go func() {
		defer close(t.done)
		_, _ = t.prog.Run()
	}()
	return t
}

// Start implements Reporter.
func (t *TUI) Start(phase string, total int) {
	t.Finish()
	t.c.begin(phase, total)
	t.stop = make(chan struct{})
	t.running = true
	t.wg.Add(1)
	go func(stop chan struct{}) {
		defer t.wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			t.prog.Send(statsMsg(t.c.stats()))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}(t.stop)
}

// Add implements Reporter.
func (t *TUI) Add(n int) { t.c.done.Add(int64(n)) }

// Finish implements Reporter.
func (t *TUI) Finish() {
	if !t.running {
		return
	}
	close(t.stop)
	t.wg.Wait()
	t.running = false
	s := t.c.stats()
	t.prog.Send(finishMsg(s))
}

// Close implements Reporter.
func (t *TUI) Close() {
	t.Finish()
	t.prog.Quit()
	<-t.done
}

type (
	statsMsg  Stats
	finishMsg Stats
)

// tuiModel is the bubbletea model: one line per finished phase, then the
// bar of the current one. Finished lines are part of the view (not printed
// with tea.Println) so the final frame, drawn on quit, always holds them.
type tuiModel struct {
	bar    progress.Model
	stats  Stats
	active bool
	done   []string
}

func (m tuiModel) Init() tea.Cmd { return nil }

func (m tuiModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case statsMsg:
		m.stats, m.active = Stats(msg), true
	case finishMsg:
		s := Stats(msg)
		m.active = false
		m.done = append(m.done, fmt.Sprintf("%s: %d done in %s", s.Phase, s.Done, s.Elapsed.Round(time.Millisecond)))
	}
	return m, nil
}

func (m tuiModel) View() string {
	lines := append([]string(nil), m.done...)
	if m.active {
		lines = append(lines, renderLine(m.bar, m.stats))
	}
	return strings.Join(lines, "\n")
}

// renderLine is the bar line of the TUI; tested without a terminal.
func renderLine(bar progress.Model, s Stats) string {
	pct := 0.0
	if s.Total > 0 {
		pct = float64(s.Done) / float64(s.Total)
	}
	line := fmt.Sprintf("%-11s %s %d", s.Phase, bar.ViewAs(pct), s.Done)
	if s.Total > 0 {
		line += fmt.Sprintf("/%d", s.Total)
	}
	line += fmt.Sprintf("  %.0f/s", s.Rate())
	if eta := s.ETA(); eta > 0 {
		line += fmt.Sprintf("  eta %s", eta)
	}
	return line
}
