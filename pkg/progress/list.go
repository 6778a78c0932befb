package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
)

// Item is one entry of a List: something that becomes ready, such as a
// Deployment of a rollout.
type Item struct {
	Label          string // e.g. deployment/dev-kratos
	Ready, Desired int32
	Done           bool
}

// String is the item's plain line, e.g. "deployment/dev-kratos 1/1 ready".
func (i Item) String() string {
	state := "waiting"
	if i.Done {
		state = "ready"
	}
	return fmt.Sprintf("%s %d/%d %s", i.Label, i.Ready, i.Desired, state)
}

// List shows items becoming ready. Update may be called from any
// goroutine; Close ends the view with the outcome and returns once it is
// drawn.
type List interface {
	Update(items []Item)
	Close(err error)
}

// NewPlainList prints one line per item whose state changed: the output
// for CI logs and other non-terminals.
func NewPlainList(w io.Writer) List { return &plainList{w: w, seen: map[string]string{}} }

type plainList struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]string
}

func (p *plainList) Update(items []Item) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, x := range items {
		if s := x.String(); p.seen[x.Label] != s {
			p.seen[x.Label] = s
			fmt.Fprintln(p.w, s)
		}
	}
}

func (p *plainList) Close(error) {}

// NewTUIList draws the items live on w, which should be a terminal.
func NewTUIList(w io.Writer) List {
	l := &tuiList{done: make(chan struct{})}
	l.prog = tea.NewProgram(listModel{}, tea.WithOutput(w), tea.WithInput(nil), tea.WithoutSignalHandler())
	go func() {
		defer close(l.done)
		_, _ = l.prog.Run()
	}()
	return l
}

type tuiList struct {
	prog *tea.Program
	done chan struct{}
	once sync.Once
}

func (l *tuiList) Update(items []Item) { l.prog.Send(itemsMsg(items)) }

func (l *tuiList) Close(err error) {
	l.once.Do(func() {
		l.prog.Send(listDoneMsg{err: err})
		<-l.done
	})
}

type itemsMsg []Item

type listDoneMsg struct{ err error }

// listModel is the live view: one line per item, then a summary.
type listModel struct {
	items []Item
	done  bool
	err   error
}

func (m listModel) Init() tea.Cmd { return nil }

func (m listModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case itemsMsg:
		m.items = msg
	case listDoneMsg:
		m.done, m.err = true, msg.err
		return m, tea.Quit
	}
	return m, nil
}

func (m listModel) View() string {
	var b strings.Builder
	ready := 0
	for _, it := range m.items {
		mark := "…"
		if it.Done {
			mark = "✔"
			ready++
		}
		fmt.Fprintf(&b, " %s %s %d/%d\n", mark, it.Label, it.Ready, it.Desired)
	}
	switch {
	case m.done && m.err == nil:
		fmt.Fprintf(&b, "all %d ready\n", len(m.items))
	case !m.done:
		fmt.Fprintf(&b, "waiting: %d/%d ready\n", ready, len(m.items))
	}
	return b.String()
}
