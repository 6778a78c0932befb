package ory

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Action is what bootstrap does, or would do, with one object.
type Action string

// Actions.
const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionUnchanged Action = "unchanged"
	ActionDelete    Action = "delete"
	ActionRotate    Action = "rotate-secret"
)

// Kinds of objects.
const (
	KindIdentity = "identity"
	KindClient   = "client"
)

// Change is one planned or applied change (unchanged objects are counted,
// not listed).
type Change struct {
	Kind   string   `json:"kind"`
	Action Action   `json:"action"`
	Key    string   `json:"key"`
	ID     string   `json:"id,omitempty"`
	Fields []string `json:"fields,omitempty"`
	Source string   `json:"source,omitempty"`
}

// ItemError is a failure of one object, with the input position when known.
type ItemError struct {
	Kind    string `json:"kind"`
	Key     string `json:"key,omitempty"`
	Source  string `json:"source,omitempty"`
	Message string `json:"message"`
}

func (e ItemError) String() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source + ": ")
	}
	b.WriteString(e.Kind)
	if e.Key != "" {
		fmt.Fprintf(&b, " %q", e.Key)
	}
	return b.String() + ": " + e.Message
}

// Counts tally the outcome for one kind of object.
type Counts struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	Delete    int `json:"delete"`
	Rotate    int `json:"rotate,omitempty"`
	Failed    int `json:"failed"`
}

func (c *Counts) add(a Action) {
	switch a {
	case ActionCreate:
		c.Create++
	case ActionUpdate:
		c.Update++
	case ActionUnchanged:
		c.Unchanged++
	case ActionDelete:
		c.Delete++
	case ActionRotate:
		c.Rotate++
	}
}

// Summary is the result of a plan (DryRun) or an apply. In a plan the
// counts are what would happen; in an apply what did.
type Summary struct {
	DryRun     bool        `json:"dry_run"`
	Identities Counts      `json:"identities"`
	Clients    Counts      `json:"clients"`
	Changes    []Change    `json:"changes"`
	Errors     []ItemError `json:"errors"`

	mu sync.Mutex
}

// Empty reports that nothing was counted, changed or failed: the run
// stopped before it learned anything.
func (s *Summary) Empty() bool {
	return s.Identities == Counts{} && s.Clients == Counts{} && len(s.Changes) == 0 && len(s.Errors) == 0
}

// Failed reports whether any object failed.
func (s *Summary) Failed() bool { return len(s.Errors) > 0 }

func (s *Summary) counts(kind string) *Counts {
	if kind == KindClient {
		return &s.Clients
	}
	return &s.Identities
}

// record adds a change (or, for ActionUnchanged, only its count).
func (s *Summary) record(c Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts(c.Kind).add(c.Action)
	if c.Action != ActionUnchanged {
		s.Changes = append(s.Changes, c)
	}
}

// fail adds a per-object error.
func (s *Summary) fail(e ItemError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts(e.Kind).Failed++
	s.Errors = append(s.Errors, e)
}

// sort orders changes and errors deterministically (workers finish in any
// order): by kind, then action, then key.
func (s *Summary) sort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	rank := map[Action]int{ActionCreate: 0, ActionUpdate: 1, ActionRotate: 2, ActionDelete: 3}
	sort.SliceStable(s.Changes, func(i, j int) bool {
		a, b := s.Changes[i], s.Changes[j]
		if a.Kind != b.Kind {
			return a.Kind == KindIdentity
		}
		if a.Action != b.Action {
			return rank[a.Action] < rank[b.Action]
		}
		return a.Key < b.Key
	})
	sort.SliceStable(s.Errors, func(i, j int) bool {
		if s.Errors[i].Kind != s.Errors[j].Kind {
			return s.Errors[i].Kind == KindIdentity
		}
		return s.Errors[i].Source < s.Errors[j].Source
	})
	if s.Changes == nil {
		s.Changes = []Change{}
	}
	if s.Errors == nil {
		s.Errors = []ItemError{}
	}
}

var symbols = map[Action]string{ActionCreate: "+", ActionUpdate: "~", ActionDelete: "-", ActionRotate: "*"}

// WritePlan writes the human-readable diff of a plan: one line per change,
// then the totals.
func (s *Summary) WritePlan(w io.Writer) error {
	var b strings.Builder
	for _, c := range s.Changes {
		fmt.Fprintf(&b, "%s %s %s", symbols[c.Action], c.Kind, c.Key)
		if len(c.Fields) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(c.Fields, ", "))
		}
		if c.Action == ActionRotate {
			b.WriteString(" (rotate secret)")
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "Plan: identities: %s\n", s.Identities.describe(true))
	fmt.Fprintf(&b, "      clients:    %s\n", s.Clients.describe(true))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the totals of an apply.
func (s *Summary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "identities: %s\nclients:    %s\n", s.Identities.describe(false), s.Clients.describe(false))
	return err
}

func (c Counts) describe(plan bool) string {
	if plan {
		s := fmt.Sprintf("%d to create, %d to update, %d unchanged, %d to delete", c.Create, c.Update, c.Unchanged, c.Delete)
		if c.Rotate > 0 {
			s += fmt.Sprintf(", %d secret(s) to rotate", c.Rotate)
		}
		if c.Failed > 0 {
			s += fmt.Sprintf(", %d invalid", c.Failed)
		}
		return s
	}
	s := fmt.Sprintf("%d created, %d updated, %d unchanged, %d deleted", c.Create, c.Update, c.Unchanged, c.Delete)
	if c.Rotate > 0 {
		s += fmt.Sprintf(", %d secret(s) rotated", c.Rotate)
	}
	return s + fmt.Sprintf(", %d failed", c.Failed)
}
