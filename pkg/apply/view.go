package apply

import (
	"fmt"
	"io"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// PlainReporter prints one line per workload whose state changed: the
// output for CI logs and other non-terminals.
func PlainReporter(w io.Writer) func([]Workload) {
	seen := map[string]string{}
	return func(ws []Workload) {
		for _, x := range ws {
			key := x.Kind + "/" + x.Name
			if s := x.String(); seen[key] != s {
				seen[key] = s
				fmt.Fprintln(w, s)
			}
		}
	}
}

type statusMsg []Workload

type doneMsg struct{ err error }

// rolloutModel is the live view of a rollout on a terminal.
type rolloutModel struct {
	ws   []Workload
	done bool
	err  error
}

func (m rolloutModel) Init() tea.Cmd { return nil }

func (m rolloutModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case statusMsg:
		m.ws = msg
	case doneMsg:
		m.done, m.err = true, msg.err
		return m, tea.Quit
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m rolloutModel) View() string {
	var b strings.Builder
	ready := 0
	for _, w := range m.ws {
		mark := "…"
		if w.Done {
			mark = "✔"
			ready++
		}
		fmt.Fprintf(&b, " %s %s/%s %d/%d\n", mark, strings.ToLower(w.Kind), w.Name, w.Ready, w.Desired)
	}
	switch {
	case m.done && m.err == nil:
		fmt.Fprintf(&b, "all %d workloads ready\n", len(m.ws))
	case !m.done:
		fmt.Fprintf(&b, "waiting: %d/%d ready\n", ready, len(m.ws))
	}
	return b.String()
}

// TUIReporter draws the rollout live on out (stderr); call stop with the
// result of the wait to end the view.
func TUIReporter(out io.Writer) (report func([]Workload), stop func(error)) {
	p := tea.NewProgram(rolloutModel{}, tea.WithOutput(out), tea.WithInput(nil))
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		_, _ = p.Run()
	}()
	return func(ws []Workload) { p.Send(statusMsg(ws)) }, func(err error) {
		p.Send(doneMsg{err: err})
		<-finished
	}
}
