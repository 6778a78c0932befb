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
	if len(l.enum) > 0 && !contains(l.enum, v.Value) {
		d.fail(v, path, didYouMean(v.Value, l.enum)+"allowed: "+strings.Join(l.enum, ", "), "unknown value %q", v.Value)
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
		d.fail(v, path, "must match "+l.patternText, "invalid value %q", v.Value)
	}
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

// didYouMean returns `did you mean "x"? ` for the closest candidate within a
// small edit distance (case-insensitive), or "".
func didYouMean(got string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(got), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, min(3, len(got)/3))
	if best == "" || bestDist > limit || bestDist == 0 && got == best {
		return ""
	}
	return fmt.Sprintf("did you mean %q? ", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
