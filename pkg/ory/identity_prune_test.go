package ory

import (
	"context"
	"fmt"
	"testing"
)

// Prune deletes only what authctl created and the input no longer lists:
// an unmarked identity (someone else's) and a listed one stay, in key order.
func TestPrunePlansOnlyManagedUnseen(t *testing.T) {
	s := &identitySync{dryRun: true, sum: &Summary{}, index: map[string]*existingIdentity{
		"gone-b@example.com":  {id: "2", managed: true},
		"gone-a@example.com":  {id: "1", managed: true},
		"listed@example.com":  {id: "3", managed: true, seen: true},
		"someone@example.com": {id: "4"},
	}}
	s.prune(context.Background())
	if got := fmt.Sprint(s.sum.Changes); got != "[{identity delete gone-a@example.com 1 [] } {identity delete gone-b@example.com 2 [] }]" {
		t.Errorf("changes %s", got)
	}
	if s.sum.Count(KindIdentity).Delete != 2 {
		t.Errorf("counts %+v", s.sum.Count(KindIdentity))
	}
}
