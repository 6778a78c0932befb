package ory

import (
	"bytes"
	"encoding/json"
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

// Kinds are the kinds bootstrap converges, in the order the summary lists
// them, each with the key of its counts in the summary (JSON, YAML and
// text). A new kind of bootstrap input adds a row here; a change of a kind
// with no row is a programming error (Summary.record panics) rather than
// a count under the wrong heading.
var Kinds = []struct{ Kind, Key string }{
	{KindIdentity, "identities"},
	{KindClient, "clients"},
}

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
// Its JSON has dry_run, then the counts of each of Kinds under its key,
// then changes and errors.
type Summary struct {
	DryRun bool
	// Counts are keyed by kind (KindIdentity, KindClient); Count reads
	// them.
	Counts  map[string]*Counts
	Changes []Change
	Errors  []ItemError

	mu sync.Mutex
}

// Count returns the counts of one kind.
func (s *Summary) Count(kind string) Counts {
	if c := s.Counts[kind]; c != nil {
		return *c
	}
	return Counts{}
}

// MarshalJSON writes the summary with each kind's counts under its key.
// It escapes no HTML (an encoder that wants it escapes the whole again).
func (s *Summary) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	field := func(key string, v any) error {
		if b.Len() == 0 {
			b.WriteString("{")
		} else {
			b.Truncate(b.Len() - 1) // the encoder's newline
			b.WriteString(",")
		}
		b.WriteString(`"` + key + `":`)
		return enc.Encode(v)
	}
	if err := field("dry_run", s.DryRun); err != nil {
		return nil, err
	}
	for _, k := range Kinds {
		if err := field(k.Key, s.Count(k.Kind)); err != nil {
			return nil, err
		}
	}
	if err := field("changes", s.Changes); err != nil {
		return nil, err
	}
	if err := field("errors", s.Errors); err != nil {
		return nil, err
	}
	b.Truncate(b.Len() - 1)
	b.WriteString("}")
	return b.Bytes(), nil
}

// Empty reports that nothing was counted, changed or failed: the run
// stopped before it learned anything.
func (s *Summary) Empty() bool {
	for _, c := range s.Counts {
		if *c != (Counts{}) {
			return false
		}
	}
	return len(s.Changes) == 0 && len(s.Errors) == 0
}

// Failed reports whether any object failed.
func (s *Summary) Failed() bool { return len(s.Errors) > 0 }

// counts is the tally of kind, which must be one of Kinds; the caller
// holds mu.
func (s *Summary) counts(kind string) *Counts {
	if kindRank(kind) < 0 {
		panic(fmt.Sprintf("ory: bootstrap kind %q is not in Kinds", kind))
	}
	if s.Counts == nil {
		s.Counts = map[string]*Counts{}
	}
	c := s.Counts[kind]
	if c == nil {
		c = &Counts{}
		s.Counts[kind] = c
	}
	return c
}

// kindRank is the position of kind in Kinds, -1 when it is not there.
func kindRank(kind string) int {
	for i, k := range Kinds {
		if k.Kind == kind {
			return i
		}
	}
	return -1
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
			return kindRank(a.Kind) < kindRank(b.Kind)
		}
		if a.Action != b.Action {
			return rank[a.Action] < rank[b.Action]
		}
		return a.Key < b.Key
	})
	sort.SliceStable(s.Errors, func(i, j int) bool {
		if s.Errors[i].Kind != s.Errors[j].Kind {
			return kindRank(s.Errors[i].Kind) < kindRank(s.Errors[j].Kind)
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
	s.writeTotals(&b, "Plan: ", true)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the totals of an apply.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	s.writeTotals(&b, "", false)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTotals writes one line per kind, the first after prefix, the
// others indented as far, the counts aligned.
func (s *Summary) writeTotals(b *strings.Builder, prefix string, plan bool) {
	width := 0
	for _, k := range Kinds {
		width = max(width, len(k.Key)+2)
	}
	for i, k := range Kinds {
		lead := prefix
		if i > 0 {
			lead = strings.Repeat(" ", len(prefix))
		}
		fmt.Fprintf(b, "%s%-*s%s\n", lead, width, k.Key+":", s.Count(k.Kind).describe(plan))
	}
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
