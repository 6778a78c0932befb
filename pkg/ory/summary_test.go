package ory

import (
	"encoding/json"
	"strings"
	"testing"
)

// The counts are keyed by kind: each change is counted under its own kind,
// the JSON has each kind's counts under its key in Kinds' order (the shape
// it had when the counts were two fields), and a kind with no row in Kinds
// is refused instead of being counted as identities.
func TestSummaryKeyedCounts(t *testing.T) {
	s := &Summary{DryRun: true}
	s.record(Change{Kind: KindClient, Action: ActionCreate, Key: "kubectl"})
	s.record(Change{Kind: KindIdentity, Action: ActionUnchanged, Key: "a@example.com"})
	s.fail(ItemError{Kind: KindIdentity, Key: "<b>", Message: "bad & worse"})
	s.sort()
	if s.Count(KindClient).Create != 1 || s.Count(KindIdentity).Create != 0 || s.Count(KindIdentity).Unchanged != 1 || s.Count(KindIdentity).Failed != 1 {
		t.Fatalf("counts %+v %+v", s.Count(KindIdentity), s.Count(KindClient))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	want := `{"dry_run":true,"identities":{"create":0,"update":0,"unchanged":1,"delete":0,"failed":1},"clients":{"create":1,"update":0,"unchanged":0,"delete":0,"failed":0},"changes":[{"kind":"client","action":"create","key":"kubectl"}],"errors":[{"kind":"identity","key":"<b>","message":"bad & worse"}]}` + "\n"
	if b.String() != want {
		t.Errorf("JSON\n got %s\nwant %s", b.String(), want)
	}
	var plan strings.Builder
	if err := s.WritePlan(&plan); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(plan.String(), "Plan: identities: 0 to create, 0 to update, 1 unchanged, 0 to delete, 1 invalid\n      clients:    1 to create, 0 to update, 0 unchanged, 0 to delete\n") {
		t.Errorf("plan:\n%s", plan.String())
	}
	var text strings.Builder
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if text.String() != "identities: 0 created, 0 updated, 1 unchanged, 0 deleted, 1 failed\nclients:    1 created, 0 updated, 0 unchanged, 0 deleted, 0 failed\n" {
		t.Errorf("text:\n%s", text.String())
	}

	defer func() {
		if recover() == nil {
			t.Error("a kind missing from Kinds was counted")
		}
	}()
	s.record(Change{Kind: "session", Action: ActionCreate, Key: "x"})
}
