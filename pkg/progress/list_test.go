package progress

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestListViewAndPlainList(t *testing.T) {
	var m tea.Model = listModel{}
	m, _ = m.Update(itemsMsg{{Label: "deployment/dev-kratos", Ready: 0, Desired: 1}})
	if v := m.View(); !strings.Contains(v, "… deployment/dev-kratos 0/1") || !strings.Contains(v, "waiting: 0/1 ready") {
		t.Fatalf("view: %q", v)
	}
	m, _ = m.Update(itemsMsg{{Label: "deployment/dev-kratos", Ready: 1, Desired: 1, Done: true}})
	m, cmd := m.Update(listDoneMsg{})
	if cmd == nil || !strings.Contains(m.View(), "✔ deployment/dev-kratos 1/1") || !strings.Contains(m.View(), "all 1 ready") {
		t.Fatalf("view after done: %q", m.View())
	}
	if _, cmd := (listModel{}).Update(listDoneMsg{err: errors.New("timeout")}); cmd == nil {
		t.Fatal("a failed end does not quit the view")
	}

	var buf strings.Builder
	l := NewPlainList(&buf)
	items := []Item{{Label: "deployment/a", Desired: 1}, {Label: "job/b", Desired: 1}}
	l.Update(items)
	l.Update(items) // unchanged: nothing printed
	items[0].Ready, items[0].Done = 1, true
	l.Update(items)
	l.Close(nil)
	want := "deployment/a 0/1 waiting\njob/b 0/1 waiting\ndeployment/a 1/1 ready\n"
	if buf.String() != want {
		t.Fatalf("plain output:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// The TUI draws on the writer it is given and Close returns once the
// program has ended, also when nothing was ever shown.
func TestTUIListCloses(t *testing.T) {
	var buf syncBuf
	l := NewTUIList(&buf)
	l.Update([]Item{{Label: "deployment/a", Desired: 1, Ready: 1, Done: true}})
	l.Close(nil)
	l.Close(nil) // a second Close is harmless
	if !strings.Contains(buf.String(), "deployment/a") {
		t.Fatalf("nothing drawn: %q", buf.String())
	}
}
