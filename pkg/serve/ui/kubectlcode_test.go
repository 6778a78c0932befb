package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/serve/ui"
)

// TestKubectlCodePageShowsStateAndCode: the page of a headless kubectl
// login shows one value, the state and the code joined, sends no Referer
// (the code is in its URL), is never cached, and escapes what it echoes.
func TestKubectlCodePageShowsStateAndCode(t *testing.T) {
	h := newUI(t, ui.Config{KratosPublicURL: "http://kratos.invalid"})
	rec := get(t, h, ui.KubectlCodePath+"?code=ory_ac_abc.DEF-1_2&state=St4te_-x&scope=openid", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if want := `value="St4te_-x` + ui.KubectlCodeSeparator + `ory_ac_abc.DEF-1_2"`; !strings.Contains(body, want) {
		t.Fatalf("page lacks %s:\n%s", want, body)
	}
	for k, v := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Frame-Options": "DENY"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

// TestKubectlCodePageRefusesWhatIsNotACode: markup, an empty or an
// overlong value is not echoed as a code; Hydra's error is shown escaped.
func TestKubectlCodePageRefusesWhatIsNotACode(t *testing.T) {
	h := newUI(t, ui.Config{KratosPublicURL: "http://kratos.invalid"})
	for _, q := range []string{
		"?code=%3Cscript%3E&state=abc",
		"?code=abc&state=%22onfocus%3D",
		"?code=abc",
		"?state=abc",
		"?code=" + strings.Repeat("a", 513) + "&state=abc",
	} {
		rec := get(t, h, ui.KubectlCodePath+q, "")
		if rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), `id="kubectl-code"`) {
			t.Errorf("%s: status %d, code field shown: %t", q, rec.Code, strings.Contains(rec.Body.String(), `id="kubectl-code"`))
		}
		if strings.Contains(rec.Body.String(), "<script>") || strings.Contains(rec.Body.String(), `"onfocus=`) {
			t.Errorf("%s: echoed unescaped", q)
		}
	}
	rec := get(t, h, ui.KubectlCodePath+"?error=access_denied&error_description=%3Cb%3Edenied%3C%2Fb%3E", "")
	body := rec.Body.String()
	if !strings.Contains(body, "access_denied") || !strings.Contains(body, "&lt;b&gt;denied") || strings.Contains(body, `id="kubectl-code"`) {
		t.Fatalf("error page:\n%s", body)
	}
}
