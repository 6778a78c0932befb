package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/authctl/authctl/pkg/profile"
)

// MFAIngressProfile is examples/ingress.yaml with TOTP and backup codes,
// spec.kubernetes.requireMFA as asked, and two more services that ask for
// a second factor: vault (anyone signed in) and ops (the ops group too),
// loaded from a file of its own (p.Source).
func MFAIngressProfile(t *testing.T, requireMFA bool) *profile.Profile {
	t.Helper()
	file := InRepo("examples/ingress.yaml")
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	spec := "  domain: blog.example.com\n  kratos:\n    methods: [password, totp, lookup_secret]\n"
	if requireMFA {
		spec += "  kubernetes:\n    requireMFA: true\n"
	}
	s := strings.Replace(string(text), "  domain: blog.example.com\n", spec, 1)
	for _, svc := range []struct{ name, extra string }{{"vault", ""}, {"ops", "      requiredGroups: [ops]\n"}} {
		s += "    - name: " + svc.name + "\n      hosts: [" + svc.name + ".blog.example.com]\n" +
			"      upstream:\n        service: " + svc.name + "\n        port: 8080\n" +
			"      allow: [session, bearer]\n      mfa: required\n" + svc.extra + "      forward:\n        mode: headers\n"
	}
	// Written beside nothing else (the example refers to no other file),
	// so that commands taking -f can read it (p.Source).
	p, err := profile.Load(WriteFile(t, t.TempDir(), "ingress-mfa.yaml", []byte(s)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// kratosAPI calls Kratos' public API (base ends in /) with a session token
// and decodes the answer, which must have the status want.
func kratosAPI(t *testing.T, method, u, token string, body any, want int, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	if body == nil {
		b = nil
	}
	req, _ := http.NewRequest(method, u, strings.NewReader(string(b)))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Session-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", method, u, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// at is a flow's action (Kratos' public base URL, which may be a public
// host that only the browser tests' edge serves) on kratosPublic, the
// loopback server: tests send traffic to loopback only.
func at(kratosPublic, action string) string {
	u, err := url.Parse(action)
	if err != nil {
		return action
	}
	return strings.TrimSuffix(kratosPublic, "/") + u.RequestURI()
}

// KratosAPILogin runs Kratos' API login flow with a password and returns
// the session token.
func KratosAPILogin(t *testing.T, kratosPublic, email, password string) string {
	t.Helper()
	var f struct{ UI struct{ Action string } }
	kratosAPI(t, "GET", kratosPublic+"self-service/login/api", "", nil, http.StatusOK, &f)
	var out struct {
		SessionToken string `json:"session_token"`
	}
	kratosAPI(t, "POST", at(kratosPublic, f.UI.Action), "", map[string]any{"method": "password", "identifier": email, "password": password}, http.StatusOK, &out)
	return out.SessionToken
}

type apiFlow struct {
	UI struct {
		Action string
		Nodes  []struct {
			Attributes struct {
				ID   string `json:"id"`
				Text struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"attributes"`
		} `json:"nodes"`
	} `json:"ui"`
}

// EnrolTOTP adds an authenticator app to the token's identity through
// Kratos' settings flow (the API flow, which the settings page drives the
// same way) and returns its secret. Kratos raises that session to aal2.
func EnrolTOTP(t *testing.T, kratosPublic, token string) string {
	t.Helper()
	var f apiFlow
	kratosAPI(t, "GET", kratosPublic+"self-service/settings/api", token, nil, http.StatusOK, &f)
	secret := ""
	for _, n := range f.UI.Nodes {
		if n.Attributes.ID == "totp_secret_key" {
			secret = n.Attributes.Text.Text
		}
	}
	if secret == "" {
		t.Fatal("the settings flow offers no TOTP secret")
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	kratosAPI(t, "POST", at(kratosPublic, f.UI.Action), token, map[string]any{"method": "totp", "totp_code": code}, http.StatusOK, nil)
	return secret
}

// StepUpToken passes the second factor with the token's session (Kratos'
// aal2 login flow) and returns the session token, now at aal2.
func StepUpToken(t *testing.T, kratosPublic, token, secret string) string {
	t.Helper()
	var f apiFlow
	kratosAPI(t, "GET", kratosPublic+"self-service/login/api?aal=aal2", token, nil, http.StatusOK, &f)
	code, _ := totp.GenerateCode(secret, time.Now())
	var out struct {
		SessionToken string `json:"session_token"`
		Session      struct {
			AAL string `json:"authenticator_assurance_level"`
		} `json:"session"`
	}
	kratosAPI(t, "POST", at(kratosPublic, f.UI.Action), token, map[string]any{"method": "totp", "totp_code": code}, http.StatusOK, &out)
	if out.Session.AAL != "aal2" {
		t.Fatalf("after the second factor the session is at %q", out.Session.AAL)
	}
	if out.SessionToken != "" {
		return out.SessionToken
	}
	return token
}
