package render

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/dlclark/regexp2"
)

// MatchResult is the outcome of testing one request against the rules.
type MatchResult struct {
	Method  string `json:"method"`
	URL     string `json:"url"`
	Matched []Rule `json:"matched"`
	Verdict string `json:"verdict"`
}

// Match evaluates a request against the rules offline, the way Oathkeeper's
// regexp strategy does: the same engine (regexp2), anchored patterns, the
// method list, and scheme://host/path without the query.
func (rs *RuleSet) Match(method, rawURL string) (*MatchResult, error) {
	// A request target has no fragment: Go's server (so Oathkeeper)
	// parses it with ParseRequestURI, which keeps "#" in the path, where
	// url.Parse would cut "/status#/../api" down to "/status".
	u, err := url.ParseRequestURI(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("invalid URL %q: use an absolute http or https URL", rawURL)
	}
	method = strings.ToUpper(method)
	// Oathkeeper matches the percent-decoded path (rule.IsMatching uses
	// url.URL.Path), so "%2e%2e" is ".." here too.
	target := fmt.Sprintf("%s://%s%s", u.Scheme, u.Host, u.Path)
	res := &MatchResult{Method: method, URL: target}
	for _, r := range rs.Rules {
		if !slices.Contains(r.Match.Methods, method) {
			continue
		}
		ok, err := matchPattern(r.Match.URL, target)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
		if ok {
			res.Matched = append(res.Matched, r)
		}
	}
	switch len(res.Matched) {
	case 0:
		res.Verdict = "no rule matches: Oathkeeper answers 404"
	case 1:
		res.Verdict = "matched " + res.Matched[0].ID
	default:
		res.Verdict = "several rules match: Oathkeeper rejects the request with 500"
	}
	return res, nil
}

// matchPattern compiles an Oathkeeper pattern (regexps inside <…>, literal
// text outside) and matches it against the whole target.
func matchPattern(pattern, target string) (bool, error) {
	var re strings.Builder
	re.WriteString("^")
	for pattern != "" {
		i := strings.Index(pattern, "<")
		if i < 0 {
			re.WriteString(regexp.QuoteMeta(pattern))
			break
		}
		re.WriteString(regexp.QuoteMeta(pattern[:i]))
		depth, j := 0, i
		for ; j < len(pattern); j++ {
			if pattern[j] == '<' {
				depth++
			} else if pattern[j] == '>' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if j == len(pattern) {
			return false, fmt.Errorf("unbalanced <> in %q", pattern)
		}
		re.WriteString("(" + pattern[i+1:j] + ")")
		pattern = pattern[j+1:]
	}
	re.WriteString("$")
	rx, err := regexp2.Compile(re.String(), regexp2.RE2)
	if err != nil {
		return false, err
	}
	return rx.MatchString(target)
}
