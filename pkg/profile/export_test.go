package profile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// OverlapErrorsForTest returns the overlap lint's findings for a profile,
// one per line, computed with the host and segment index.
func OverlapErrorsForTest(t *testing.T, data []byte) string {
	return overlapFindings(t, data, overlapCandidates)
}

// PairwiseOverlapErrorsForTest is the same lint over every pair.
func PairwiseOverlapErrorsForTest(t *testing.T, data []byte) string {
	return overlapFindings(t, data, func(s []Service) [][2]int {
		var out [][2]int
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				out = append(out, [2]int{i, j})
			}
		}
		return out
	})
}

func overlapFindings(t *testing.T, data []byte, candidates func([]Service) [][2]int) string {
	t.Helper()
	p := &Profile{}
	if _, err := DecodeStrict("p.yaml", data, p); err != nil {
		t.Fatal(err)
	}
	p.applyDefaults()
	var out []string
	for _, pr := range candidates(p.Spec.Services) {
		a, b := p.Spec.Services[pr[0]], p.Spec.Services[pr[1]]
		if overlaps(a, b) {
			out = append(out, fmt.Sprintf("%d-%d %v %v", pr[0], pr[1], covers(a, b), covers(b, a)))
		}
	}
	return strings.Join(out, "\n")
}

// PatternExplained reports whether a jsonschema pattern has words.
func PatternExplained(p string) bool { return patternHints[p] != "" }

// FieldEnum is the enum the loader enforces on a field (its tag's list or
// the table its enumFrom names).
func FieldEnum(f reflect.StructField) []string { return limitsOf(f).allowed() }
