package render

import (
	"net/http"
	"strings"
	"testing"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// TestCookiesWithoutSession runs the Cookie mutator's template as
// Oathkeeper does (text/template, sprig, missingkey=zero, the session's
// MatchContext): only the Kratos session goes. TestAdversarialGateways
// shows the same on the real Oathkeeper behind every gateway target.
func TestCookiesWithoutSession(t *testing.T) {
	tmpl := template.Must(template.New("cookie").Option("missingkey=zero").Funcs(sprig.TxtFuncMap()).Parse(cookiesWithoutSession))
	type matchContext struct{ Header http.Header }
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{nil, ""},
		{[]string{"ory_kratos_session=abc"}, ""},
		{[]string{"ory_kratos_session=abc; theme=dark"}, "theme=dark"},
		{[]string{"theme=dark; ory_kratos_session=abc; lang=en"}, "theme=dark; lang=en"},
		{[]string{"theme=dark;ory_kratos_session=abc"}, "theme=dark"},
		{[]string{"theme=dark", "ory_kratos_session=abc; lang=en"}, "theme=dark; lang=en"},
		{[]string{"ory_kratos_session=a", "ory_kratos_session=b"}, ""},
		{[]string{"ory_kratos_session_app=1; xory_kratos_session=2"}, "ory_kratos_session_app=1; xory_kratos_session=2"},
		{[]string{" ; ;theme=dark;; "}, "theme=dark"},
		// Spellings Kratos reads as its session (Go's readCookies trims
		// the name, and the value's quotes).
		{[]string{"theme=dark; ory_kratos_session =abc"}, "theme=dark"},
		{[]string{"ory_kratos_session\t=abc;lang=en"}, "lang=en"},
		{[]string{`ory_kratos_session="abc"`}, ""},
		{[]string{"ory_kratos_session; a=1"}, "a=1"},
		{[]string{"Ory_Kratos_Session=abc"}, "Ory_Kratos_Session=abc"},
	} {
		h := http.Header{}
		for _, l := range tc.lines {
			h.Add("Cookie", l)
		}
		var b strings.Builder
		data := struct{ MatchContext matchContext }{matchContext{h}}
		if err := tmpl.Execute(&b, data); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%q: got %q, want %q", tc.lines, b.String(), tc.want)
		}
		// What the upstream gets holds no cookie Go's parser (Kratos')
		// would take for the session, whatever the input.
		r := &http.Request{Header: http.Header{"Cookie": {b.String()}}}
		if c, err := r.Cookie(KratosSessionCookie); err == nil {
			t.Errorf("%q: the upstream would still get the session %q", tc.lines, c.Value)
		}
	}
}
