package doctor

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The checks' verdicts, decided from explicit facts (no server): each case
// is a fact a live stack can show, and what doctor must say about it.

func TestJudgeIssuer(t *testing.T) {
	for _, tc := range []struct {
		reported, expected string
		want               Status
	}{
		{"", "https://oauth.example.com/", Skip},
		{"https://oauth.example.com/", "https://oauth.example.com/", Pass},
		// A missing trailing slash is another issuer to kube-apiserver.
		{"https://oauth.example.com", "https://oauth.example.com/", Fail},
		{"http://oauth.example.com/", "https://oauth.example.com/", Fail},
	} {
		c := judgeIssuer(tc.reported, tc.expected)
		if c.Status != tc.want {
			t.Errorf("judgeIssuer(%q, %q) = %s (%s), want %s", tc.reported, tc.expected, c.Status, c.Message, tc.want)
		}
		if c.Status == Fail && !strings.Contains(c.Fix, tc.expected) {
			t.Errorf("the fix does not name the expected issuer: %q", c.Fix)
		}
	}
}

func TestJudgeClockSkew(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		date time.Time
		want Status
	}{
		{"no Date header", time.Time{}, Skip},
		{"same second", now, Pass},
		{"exactly the limit behind", now.Add(-10 * time.Second), Pass},
		{"one second over, behind", now.Add(-11 * time.Second), Fail},
		{"one second over, ahead", now.Add(11 * time.Second), Fail},
		{"sub-second rounding stays in", now.Add(-10*time.Second - 400*time.Millisecond), Pass},
	} {
		if c := judgeClockSkew(now, tc.date, 10*time.Second); c.Status != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, c.Status, c.Message, tc.want)
		}
	}
}

func TestJudgeJWKS(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   Status
	}{
		{"two keys", 200, `{"keys":[{"kid":"a"},{"kid":"b"}]}`, Pass},
		{"empty set", 200, `{"keys":[]}`, Fail},
		{"not JSON", 200, `<html>`, Fail},
		{"error status with a set", 500, `{"keys":[{"kid":"a"}]}`, Fail},
	} {
		c := judgeJWKS("http://h/.well-known/jwks.json", tc.status, []byte(tc.body))
		if c.Status != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, c.Status, c.Message, tc.want)
		}
	}
}

func TestJudgeRedirectURIs(t *testing.T) {
	want := []string{"http://127.0.0.1:18000/callback", "http://127.0.0.1:18001/callback"}
	if c := judgeRedirectURIs("kubectl", want, nil, append([]string{"http://localhost:8000/callback"}, want...), "fix"); c.Status != Pass {
		t.Errorf("a superset: %s %s", c.Status, c.Message)
	}
	c := judgeRedirectURIs("kubectl", want, nil, want[:1], "fix")
	if c.Status != Fail || !strings.Contains(c.Message, want[1]) || strings.Contains(c.Message, "lacks redirect URIs "+want[0]) || c.Fix != "fix" {
		t.Errorf("one missing: %+v", c)
	}
	// The headless login's code page is only warned about.
	code := []string{"https://auth.example.com/kubectl/code"}
	if c := judgeRedirectURIs("kubectl", want, code, want, "fix"); c.Status != Warn || !strings.Contains(c.Message, code[0]) || !strings.Contains(c.Message, "authcode-keyboard") {
		t.Errorf("code page missing: %+v", c)
	}
	if c := judgeRedirectURIs("kubectl", want, code, want[:1], "fix"); c.Status != Fail {
		t.Errorf("a loopback URI missing with the code page missing too: %+v", c)
	}
	if c := judgeRedirectURIs("kubectl", want, code, append(slices.Clone(want), code...), "fix"); c.Status != Pass {
		t.Errorf("all registered: %+v", c)
	}
	// Hydra matches exactly: another host or path is not the same URI.
	if c := judgeRedirectURIs("kubectl", want, nil, []string{"http://localhost:18000/callback", "http://127.0.0.1:18001/callback/"}, "fix"); c.Status != Fail {
		t.Errorf("near misses accepted: %+v", c)
	}
}

func TestDeniedWithoutSession(t *testing.T) {
	for status, want := range map[int]bool{401: true, 302: true, 200: false, 403: false, 404: false, 500: false, 303: false} {
		if got := deniedWithoutSession(status); got != want {
			t.Errorf("deniedWithoutSession(%d) = %v", status, got)
		}
	}
}

func TestHostOutsideCookieDomain(t *testing.T) {
	for _, tc := range []struct {
		hosts []string
		want  string
	}{
		{[]string{"example.com", "id.example.com", "a.b.example.com"}, ""},
		// A suffix without the dot is another domain.
		{[]string{"id.example.com", "evil-example.com"}, "evil-example.com"},
		{[]string{"example.com.evil.test"}, "example.com.evil.test"},
	} {
		if got := hostOutsideCookieDomain("example.com", tc.hosts); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.hosts, got, tc.want)
		}
	}
}

func TestJudgeKratosCookies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cookies []*http.Cookie
		want    Status
	}{
		{"the profile's domain", []*http.Cookie{{Name: "csrf", Domain: "example.com"}}, Pass},
		{"with a leading dot", []*http.Cookie{{Name: "csrf", Domain: ".example.com"}}, Pass},
		{"host-only cookies", []*http.Cookie{{Name: "csrf"}}, Warn},
		{"no cookies", nil, Warn},
		{"another domain", []*http.Cookie{{Name: "csrf"}, {Name: "s", Domain: "id.example.com"}}, Fail},
	} {
		if c := judgeKratosCookies("example.com", 3, tc.cookies); c.Status != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, c.Status, c.Message, tc.want)
		}
	}
}

func TestCertExpiry(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		left time.Duration
		want Status
		note string
	}{
		{90 * day, Pass, "h expires in 90 days"},
		{21 * day, Pass, "h expires in 21 days"},
		{21*day - time.Second, Warn, "h expires in 20 days"},
		{7 * day, Warn, "h expires in 7 days"},
		{7*day - time.Second, Fail, "h expires in 6 days"},
		{36 * time.Hour, Fail, "h expires in 36h"},
		{-2 * time.Hour, Fail, "h expires in -2h"},
	} {
		status, fix, note := certExpiry("h", now.Add(tc.left), now, 7*day, 21*day)
		if status != tc.want || note != tc.note || (status != Pass) != (fix != "") {
			t.Errorf("%s left: %s %q %q, want %s %q", tc.left, status, fix, note, tc.want, tc.note)
		}
	}
	if !worse(Fail, Warn) || !worse(Warn, Pass) || worse(Warn, Fail) || worse(Pass, Pass) {
		t.Error("worse orders Fail > Warn > Pass")
	}
}
