package profile_test

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/profile"
)

func svc(name, host, paths, methods, allow string) string {
	s := "    - name: " + name + "\n      hosts: [" + host + "]\n      upstream: {url: \"http://up:80\"}\n      allow: [" + allow + "]\n"
	if paths != "" {
		s += "      paths: [" + paths + "]\n"
	}
	if methods != "" {
		s += "      methods: [" + methods + "]\n"
	}
	return s
}

// raw is a service with a literal upstream, allow list and extra lines.
func raw(name, upstream, allow, extra string) string {
	return "    - name: " + name + "\n      hosts: [" + name + ".example.com]\n      upstream: " + upstream + "\n      allow: [" + allow + "]\n" + extra
}

// lintCase is a list of spec.services entries and a substring of the error.
type lintCase struct {
	name     string
	services string
	want     string // "" means valid
}

var lintCases = []lintCase{
	{"disjoint hosts", svc("a", "a.example.com", "", "", "session") + svc("b", "b.example.com", "", "", "session"), ""},
	{"disjoint paths", svc("a", "a.example.com", "/x", "", "session") + svc("b", "a.example.com", "/y", "", "session"), ""},
	{"disjoint methods", svc("a", "a.example.com", "", "GET", "session") + svc("b", "a.example.com", "", "POST", "session"), ""},
	{"prefix is not a segment", svc("a", "a.example.com", "/api", "", "session") + svc("b", "a.example.com", "/apiv2", "", "session"), ""},
	{"same host and path", svc("a", "a.example.com", "", "", "session") + svc("b", "a.example.com", "", "", "jwt"), `service "b" matches exactly the requests of "a"`},
	{"nested path", svc("a", "a.example.com", "/", "", "session") + svc("b", "a.example.com", "/api", "", "jwt"), `service "b" is unreachable: every request it matches is also matched by "a"`},
	{"broader rule second", svc("a", "a.example.com", "/api/v1", "", "session") + svc("b", "a.example.com", "/api", "", "jwt"), `service "a" is unreachable`},
	{"methods split with different access", svc("pages", "a.example.com", "/api", "GET,POST", "anonymous") + "      forward: {mode: passthrough}\n" + svc("admin", "a.example.com", "/api/pages", "DELETE", "session") + "      requiredGroups: [admins]\n",
		`spec.services[1].methods: services "pages" and "admin" split the methods of the same paths, and the one that takes POST lets in people the other does not: a form field _method=DELETE`},
	{"POST for fewer groups than the reads", svc("read", "a.example.com", "/api", "GET", "session") + "      requiredGroups: [admins, ops]\n" + svc("write", "a.example.com", "/api", "POST", "session") + "      requiredGroups: [admins]\n", ""},
	{"POST for more groups than the deletes", svc("write", "a.example.com", "/api", "POST", "session") + "      requiredGroups: [admins, ops]\n" + svc("del", "a.example.com", "/api", "DELETE", "session") + "      requiredGroups: [admins]\n", `services "write" and "del" split the methods`},
	{"methods split with the same access", svc("a", "a.example.com", "/api", "GET,POST", "session") + svc("b", "a.example.com", "/api", "DELETE", "session"), ""},
	{"methods split without POST", svc("a", "a.example.com", "/api", "GET", "anonymous") + "      forward: {mode: passthrough}\n" + svc("b", "a.example.com", "/api", "DELETE", "session"), ""},
	{"partial overlap", svc("a", "a.example.com", "/api", "GET,POST", "session") + svc("b", "a.example.com", "/api", "POST,PUT", "jwt"), `service "b" overlaps "a"`},
	{"host outside cookie domain", svc("a", "a.other.org", "", "", "session"), `outside the cookie domain "example.com"`},
	{"outside domain is fine for jwt", svc("a", "a.other.org", "", "", "jwt") + "      audience: [https://a.other.org]\n", ""},
	{"jwt without audience", svc("a", "a.example.com", "", "", "jwt"), "spec.services[0].allow: a token service without audience accepts every token Hydra signs"},
	{"introspection without audience", svc("a", "a.example.com", "", "", "oauth2_introspection"), "spec.services[0].allow: a token service without audience"},
	{"audience is the kubectl client", svc("a", "a.example.com", "", "", "jwt") + "      audience: [api, kubectl]\n", `spec.services[0].audience[1]: audience "kubectl" is the client id of the kubectl client`},
	{"two bearer authenticators", svc("a", "a.example.com", "", "", "bearer, jwt"), "more than one bearer-token authenticator"},
	{"bad path", svc("a", "a.example.com", "api", "", "session"), `invalid path prefix "api"`},
	{"stack host", svc("a", "auth.example.com", "", "", "session"), "belongs to the auth stack"},
	{"unknown authenticator", svc("a", "a.example.com", "", "", "basic"), `unknown value "basic"`},
	{"bad service name", svc("Grafana_1", "a.example.com", "", "", "session"), `spec.services[0].name: invalid service name "Grafana_1"`},
	{"service name twice", svc("a", "a.example.com", "", "", "session") + svc("a", "b.example.com", "", "", "session"), `spec.services[1].name: name "a" is already used by spec.services[0]`},
	{"no hosts", svc("a", "", "", "", "session"), "spec.services[0].hosts: no hosts"},
	{"bad host", svc("a", "a.example.com, not_a_host", "", "", "session"), `spec.services[0].hosts[1]: invalid host "not_a_host"`},
	{"url and service", raw("a", `{url: "http://up:80", service: up, port: 80}`, "session", ""), "spec.services[0].upstream: both url and service are set"},
	{"bad upstream url", raw("a", `{url: "up:80"}`, "session", ""), `spec.services[0].upstream.url: bad URL "up:80"`},
	{"bad upstream Service", raw("a", `{service: Up_1, port: 80}`, "session", ""), `spec.services[0].upstream.service: invalid Service name "Up_1"`},
	{"upstream Service without port", raw("a", `{service: up}`, "session", ""), "spec.services[0].upstream.port: missing port"},
	{"no upstream", raw("a", `{}`, "session", ""), "spec.services[0].upstream: no upstream"},
	{"no authenticators", raw("a", `{url: "http://up:80"}`, "", ""), "spec.services[0].allow: no authenticators"},
	{"groups with anonymous only", raw("a", `{url: "http://up:80"}`, "anonymous", "      requiredGroups: [admins]\n      forward: {mode: passthrough}\n"), "spec.services[0].requiredGroups: required groups with anonymous access only"},
	{"forward identity of anonymous", raw("a", `{url: "http://up:80"}`, "anonymous", "      forward: {mode: reissue, ttl: 5m}\n"), "spec.services[0].forward.mode: reissue needs an authenticated subject"},
	{"scopes without token authenticator", raw("a", `{url: "http://up:80"}`, "session", "      requiredScopes: [read]\n"), "spec.services[0].requiredScopes: requiredScopes/audience without a token authenticator"},
	{"audience without token authenticator", raw("a", `{url: "http://up:80"}`, "bearer", "      audience: [api]\n"), "requiredScopes/audience without a token authenticator"},
	{"scopes with jwt", raw("a", `{url: "http://up:80"}`, "jwt", "      requiredScopes: [read]\n      audience: [api]\n"), ""},
	{"bad reissue ttl", raw("a", `{url: "http://up:80"}`, "session", "      forward: {mode: reissue, ttl: soon}\n"), `spec.services[0].forward.ttl: invalid duration "soon"`},
	{"ingress without class", svc("a", "a.example.com", "", "", "session") + "  gateway:\n    target: ingress\n", "spec.gateway.ingressClassName: the ingress target needs an ingress class"},
	{"services without oathkeeper", svc("a", "a.example.com", "", "", "session") + "  components:\n    oathkeeper: {enabled: false}\n", "spec.components.oathkeeper.enabled: services need Oathkeeper"},
	{"no gateway, no oathkeeper", svc("a", "a.example.com", "", "", "session") + "  gateway:\n    target: none\n  components:\n    oathkeeper: {enabled: false}\n", ""},
	// Several hosts per service: every host takes part, not only the first.
	{"multi-host: disjoint", svc("a", "a.example.com, b.example.com", "", "", "session") + svc("b", "c.example.com, d.example.com", "", "", "session"), ""},
	{"multi-host: shared second host", svc("a", "a.example.com, b.example.com", "/api", "", "session") + svc("b", "c.example.com, b.example.com", "/api", "", "jwt"), `service "b" overlaps "a"`},
	{"multi-host: subset of hosts", svc("a", "a.example.com, b.example.com", "", "", "session") + svc("b", "b.example.com", "", "", "jwt"), `service "b" is unreachable: every request it matches is also matched by "a"`},
	{"multi-host: superset second", svc("a", "b.example.com", "", "", "session") + svc("b", "a.example.com, b.example.com", "", "", "jwt"), `service "a" is unreachable: every request it matches is also matched by "b"`},
	{"multi-host: same hosts reordered", svc("a", "a.example.com, b.example.com", "", "", "session") + svc("b", "b.example.com, a.example.com", "", "", "jwt"), `service "b" matches exactly the requests of "a"`},
	{"multi-host: shared host, disjoint paths", svc("a", "a.example.com, b.example.com", "/x", "", "session") + svc("b", "b.example.com, c.example.com", "/y", "", "jwt") + "      audience: [https://b.example.com]\n", ""},
	{"multi-host: second host outside cookie domain", svc("a", "a.example.com, a.other.org", "", "", "session"), `spec.services[0].hosts[1]: host "a.other.org" is outside the cookie domain`},
	{"multi-host: second host is the stack's", svc("a", "a.example.com, oauth.example.com", "", "", "session"), `spec.services[0].hosts[1]: host "oauth.example.com" belongs to the auth stack`},
	// The stack's internal APIs are never upstreams (more in gateway_lint_test.go).
	{"upstream URL port out of range", raw("a", `{url: "http://up:99999"}`, "session", ""), `spec.services[0].upstream.url: bad URL "http://up:99999": port 99999 is outside 1-65535`},
	{"upstream is an IP on the hydra admin port", raw("a", `{url: "http://10.96.12.34:4445"}`, "anonymous", "      forward: {mode: passthrough}\n"), "spec.services[0].upstream.url: upstream is an IP address on the Hydra admin port"},
	{"upstream is an IPv6 literal on the decision port", raw("a", `{url: "http://[fd00::1]:4456"}`, "anonymous", "      forward: {mode: passthrough}\n"), "upstream is an IP address on Oathkeeper's API port"},
	{"upstream IP on another port", raw("a", `{url: "http://10.96.12.34:8080"}`, "anonymous", "      forward: {mode: passthrough}\n"), ""},
	{"upstream is the admin API under another cluster domain", raw("a", `{url: "http://dev-kratos-admin.dev.svc.corp.internal:4434"}`, "anonymous", "      forward: {mode: passthrough}\n"), "upstream is the Kratos admin API"},
	{"upstream is the kratos admin API", "    - name: a\n      hosts: [a.example.com]\n      upstream: {service: dev-kratos-admin, port: 4434}\n      allow: [anonymous]\n", "spec.services[0].upstream.service: upstream is the Kratos admin API"},
	{"istio without a selector", svc("a", "a.example.com", "", "", "session") + "  gateway:\n    target: istio\n    selector: {}\n", "spec.gateway.selector: an Istio policy without a selector applies to every workload"},
	{"istio selector picks the stack", svc("a", "a.example.com", "", "", "session") + "  gateway:\n    target: istio\n    selector: {app.kubernetes.io/part-of: authctl}\n", "spec.gateway.selector: the selector picks the stack's own pods"},
}

// TestServiceLint covers the access-rule lint: overlaps, unreachable rules,
// hosts outside the cookie domain, and authenticator conflicts.
func TestServiceLint(t *testing.T) {
	for _, tc := range lintCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := profile.Parse("p.yaml", t.TempDir(), []byte(header+"  services:\n"+tc.services))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), "p.yaml:"):
				t.Fatalf("error has no position: %v", err)
			}
		})
	}
}
