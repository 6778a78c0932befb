package profile

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// fieldLimits are the constraints a field's jsonschema tag states. The JSON
// Schema is generated from the same tags, so what the schema promises and
// what the loader enforces cannot drift apart.
type fieldLimits struct {
	enum                []string
	enumFrom            string
	minimum, maximum    *int64
	maxLength           int
	pattern             *regexp.Regexp
	patternText         string
	minItems, maxItems  int
	hasMinItems, hasMax bool
}

var limitsCache sync.Map // reflect.StructField.Tag → *fieldLimits

func limitsOf(f reflect.StructField) *fieldLimits {
	tag := f.Tag.Get("jsonschema")
	if v, ok := limitsCache.Load(tag); ok {
		return v.(*fieldLimits)
	}
	l := &fieldLimits{}
	for _, part := range strings.Split(tag, ",") {
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch key {
		case "enum":
			l.enum = append(l.enum, val)
		case "enumFrom":
			if enumTables[val] == nil {
				panic(fmt.Sprintf("profile: unknown enumFrom in jsonschema tag %q", tag))
			}
			l.enumFrom = val
		case "minimum", "maximum":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				panic(fmt.Sprintf("profile: bad %s in jsonschema tag %q", key, tag))
			}
			if key == "minimum" {
				l.minimum = &n
			} else {
				l.maximum = &n
			}
		case "maxLength":
			l.maxLength, _ = strconv.Atoi(val)
		case "pattern":
			l.pattern, l.patternText = regexp.MustCompile(val), val
		case "minItems":
			l.minItems, _ = strconv.Atoi(val)
			l.hasMinItems = true
		case "maxItems":
			l.maxItems, _ = strconv.Atoi(val)
			l.hasMax = true
		}
	}
	limitsCache.Store(tag, l)
	return l
}

// allowed is the field's enum: the tag's list, or the table enumFrom
// names, read now so a row added to the table is allowed at once.
func (l *fieldLimits) allowed() []string {
	if l.enumFrom != "" {
		return enumTables[l.enumFrom]()
	}
	return l.enum
}

// checkLimits applies the jsonschema tag of a field to scalar values and to
// list items, as the generated schema does.
func (d *decoder) checkLimits(n *yaml.Node, f reflect.StructField, path string) {
	l := limitsOf(f)
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.SequenceNode {
		if l.hasMinItems && len(n.Content) < l.minItems {
			d.fail(n, path, fmt.Sprintf("list at least %d", l.minItems), "%d items, fewer than %d", len(n.Content), l.minItems)
		}
		if l.hasMax && len(n.Content) > l.maxItems {
			d.fail(n, path, fmt.Sprintf("list at most %d", l.maxItems), "%d items, more than %d", len(n.Content), l.maxItems)
		}
		for i, item := range n.Content {
			d.checkScalar(item, l, fmt.Sprintf("%s[%d]", path, i))
		}
		return
	}
	d.checkScalar(n, l, path)
}

func (d *decoder) checkScalar(v *yaml.Node, l *fieldLimits, path string) {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return
	}
	if enum := l.allowed(); len(enum) > 0 && !contains(enum, v.Value) {
		d.fail(v, path, didYouMean(v.Value, enum)+"allowed: "+strings.Join(enum, ", "), "unknown value %q", v.Value)
		return
	}
	if l.minimum != nil || l.maximum != nil {
		n, err := strconv.ParseInt(v.Value, 0, 64)
		if err != nil {
			d.fail(v, path, "expected a whole number", "got %s", kindName(v))
			return
		}
		if (l.minimum != nil && n < *l.minimum) || (l.maximum != nil && n > *l.maximum) {
			d.fail(v, path, rangeHint(l), "%d is out of range", n)
			return
		}
	}
	if l.maxLength > 0 && len([]rune(v.Value)) > l.maxLength {
		d.fail(v, path, fmt.Sprintf("use at most %d characters", l.maxLength), "%q is too long", v.Value)
		return
	}
	if l.pattern != nil && !l.pattern.MatchString(v.Value) {
		hint := patternHints[l.patternText]
		if hint == "" {
			hint = "must match " + l.patternText
		}
		d.fail(v, path, hint, "invalid value %q", v.Value)
	}
}

// patternHints say in words what a field's pattern allows.
var patternHints = map[string]string{
	`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`:                     "use lower-case letters, digits and '-', starting and ending with a letter or digit, for example dev or team-a",
	`^[A-Za-z0-9][A-Za-z0-9-]*$`:                          "use letters, digits and '-', starting with a letter or digit",
	`^1\.[0-9]+$`:                                         `give the minor version as 1.N, for example "1.33"`,
	`^sha256:[a-f0-9]{64}$`:                               "give sha256: and 64 lower-case hex digits",
	`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`: "give a dotted field path, for example metadata_public.groups",
}

func rangeHint(l *fieldLimits) string {
	switch {
	case l.minimum != nil && l.maximum != nil:
		return fmt.Sprintf("allowed: %d to %d", *l.minimum, *l.maximum)
	case l.minimum != nil:
		return fmt.Sprintf("allowed: %d or more", *l.minimum)
	default:
		return fmt.Sprintf("allowed: %d or less", *l.maximum)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// didYouMean returns `did you mean "x"? ` for the closest candidate, or "".
func didYouMean(got string, candidates []string) string {
	if best := closest(got, candidates); best != "" {
		return fmt.Sprintf("did you mean %q? ", best)
	}
	return ""
}

// DidYouMean is didYouMean for other packages (the init flags): the
// suggestion `did you mean "x"? `, or "".
func DidYouMean(got string, candidates []string) string { return didYouMean(got, candidates) }

// closest is the candidate got was most likely meant to be, or "": the
// nearest within a small edit distance (case-insensitive, a swap of two
// neighbouring letters counting once: mdoe, googel), or else the only
// candidate got abbreviates (its letters in order, from the same first
// letter: envoy-gw for envoy-gateway).
func closest(got string, candidates []string) string {
	if len(got) > 64 {
		return "" // nobody misspells a name that long; and the cost grows with it
	}
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(got), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, min(3, len(got)/3))
	if best != "" && bestDist <= limit && !(bestDist == 0 && got == best) {
		return best
	}
	if len(got) < 3 {
		return ""
	}
	abbrev := ""
	for _, c := range candidates {
		if isAbbreviation(strings.ToLower(got), strings.ToLower(c)) {
			if abbrev != "" {
				return "" // ambiguous
			}
			abbrev = c
		}
	}
	return abbrev
}

// isAbbreviation reports whether a's letters appear in b in order, starting
// with b's first letter, and a is shorter.
func isAbbreviation(a, b string) bool {
	if len(a) >= len(b) || a[0] != b[0] {
		return false
	}
	i := 0
	for j := 0; j < len(b) && i < len(a); j++ {
		if a[i] == b[j] {
			i++
		}
	}
	return i == len(a)
}

// editDistance is the optimal-string-alignment distance between a and b:
// Levenshtein, plus a swap of two neighbouring letters as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
