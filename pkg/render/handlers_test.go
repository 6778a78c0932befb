package render_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// TestHandlersUsed: every handler a rule names, in each of its four
// sections, is listed once under its section, and nothing else.
func TestHandlersUsed(t *testing.T) {
	rules := []render.Rule{
		{
			Authenticators: []render.Handler{{Handler: "cookie_session"}, {Handler: "bearer_token"}},
			Authorizer:     render.Handler{Handler: "remote_json"},
			Mutators:       []render.Handler{{Handler: "header"}, {Handler: "id_token"}},
			Errors:         []render.Handler{{Handler: "redirect"}, {Handler: "json"}},
		},
		{
			Authenticators: []render.Handler{{Handler: "unauthorized"}},
			Authorizer:     render.Handler{Handler: "deny"},
			Mutators:       []render.Handler{{Handler: "noop"}},
		},
	}
	want := []string{"authn:bearer_token", "authn:cookie_session", "authn:unauthorized", "authz:deny", "authz:remote_json",
		"err:json", "err:redirect", "mut:header", "mut:id_token", "mut:noop"}
	if got := slices.Sorted(maps.Keys(render.HandlersUsed(rules))); !slices.Equal(got, want) {
		t.Errorf("HandlersUsed = %v, want %v", got, want)
	}
	if got := render.HandlersUsed(nil); len(got) != 0 {
		t.Errorf("HandlersUsed(nil) = %v, want none", got)
	}
}

// TestRulesUseOnlyEnabledHandlers: for every example, the Oathkeeper
// config enables exactly the handlers the rules use (HandlersUsed), plus
// the json error handler, the fallback.
func TestRulesUseOnlyEnabledHandlers(t *testing.T) {
	for _, file := range examples(t) {
		p, err := profile.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		rs := render.BuildRules(p)
		enabled := map[string]bool{}
		for section, m := range map[string]map[string]any{"authn": rs.Handlers.Authenticators, "authz": rs.Handlers.Authorizers, "mut": rs.Handlers.Mutators} {
			for name, v := range m {
				if on, _ := v.(map[string]any)["enabled"].(bool); on {
					enabled[section+":"+name] = true
				}
			}
		}
		errHandlers, _ := rs.Handlers.Errors["handlers"].(map[string]any)
		for name := range errHandlers {
			enabled["err:"+name] = true
		}
		used := render.HandlersUsed(rs.Rules)
		used["err:json"] = true // the fallback
		if got, want := slices.Sorted(maps.Keys(enabled)), slices.Sorted(maps.Keys(used)); !slices.Equal(got, want) {
			t.Errorf("%s: enabled handlers %v, used %v", file, got, want)
		}
	}
}
