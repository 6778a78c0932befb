package setup

import (
	"os/exec"
	"sort"
)

var lookPath = exec.LookPath

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
