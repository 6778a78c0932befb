package render

import (
	"encoding/json"
	"fmt"
)

// chunkByHost partitions services into chunks of at most budget pattern
// bytes, keeping services that share a host (directly or through another
// service) in one chunk.
func chunkByHost(allows []allowEntry, budget int) [][]allowEntry {
	parent := make([]int, len(allows))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, a := range allows {
		for _, h := range a.hosts {
			if j, ok := owner[h]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[h] = i
			}
		}
	}
	var order []int
	members := map[int][]allowEntry{}
	for i, a := range allows {
		r := find(i)
		if _, ok := members[r]; !ok {
			order = append(order, r)
		}
		members[r] = append(members[r], a)
	}
	var chunks [][]allowEntry
	var cur []allowEntry
	size := 0
	for _, r := range order {
		group := members[r]
		n := 0
		for _, a := range group {
			n += len(a.pattern) + 1
		}
		if len(cur) > 0 && size+n > budget {
			chunks = append(chunks, cur)
			cur, size = nil, 0
		}
		cur = append(cur, group...)
		size += n
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// RulesFile is one access-rules file: a ConfigMap's key, mounted into
// Oathkeeper's rules directory under its own path and listed in
// access_rules.repositories.
type RulesFile struct {
	// ConfigMap holds the file (with oathkeeper-maester, the ConfigMap
	// maester writes the file's rules into).
	ConfigMap string
	// Path is the file's name in the rules directory.
	Path string
	// Rules are the file's rules.
	Rules []Rule
}

// rulesFileBytes bounds the JSON of one rules file, so its ConfigMap stays
// under Kubernetes' 1 MiB object limit once encoded as YAML.
var rulesFileBytes = 800 << 10

// splitRules splits the rules over as few files as fit rulesFileBytes each.
// The first keeps the historical ConfigMap name and path, so a stack with
// few services renders as before. A single rule larger than a file is
// returned alone; the object size check reports it.
func splitRules(name string, rules []Rule) []RulesFile {
	var out []RulesFile
	var cur []Rule
	size := 0
	flush := func() {
		i := len(out) + 1
		f := RulesFile{ConfigMap: name + "-oathkeeper-rules", Path: rulesFileName, Rules: cur}
		if i > 1 {
			f.ConfigMap = fmt.Sprintf("%s-oathkeeper-rules-%d", name, i)
			f.Path = fmt.Sprintf("access-rules-%d.json", i)
		}
		out = append(out, f)
		cur, size = nil, 0
	}
	for _, r := range rules {
		b, _ := json.MarshalIndent(r, "  ", "  ")
		if len(cur) > 0 && size+len(b) > rulesFileBytes {
			flush()
		}
		cur = append(cur, r)
		size += len(b) + 2
	}
	if len(cur) > 0 || len(out) == 0 {
		flush()
	}
	return out
}
