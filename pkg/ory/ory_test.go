package ory

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/ory/retry"
)

var testSchema = map[string]any{"properties": map[string]any{"traits": map[string]any{"properties": map[string]any{
	"email": map[string]any{"type": "string", "ory.sh/kratos": map[string]any{"credentials": map[string]any{"password": map[string]any{"identifier": true}}}},
	"profile": map[string]any{"properties": map[string]any{
		"username": map[string]any{"ory.sh/kratos": map[string]any{"credentials": map[string]any{"webauthn": map[string]any{"identifier": true}}}},
	}},
	"name": map[string]any{"type": "string"},
}}}}

func TestIdentifierTraits(t *testing.T) {
	got := identifierTraits(testSchema)
	if strings.Join(got, ",") != "email,profile.username" {
		t.Fatalf("got %v", got)
	}
	if v, ok := traitValue(map[string]any{"email": " Alice@Example.COM "}, "email"); !ok || v != "alice@example.com" {
		t.Fatalf("traitValue = %q %v", v, ok)
	}
	if _, ok := traitValue(map[string]any{"profile": map[string]any{}}, "profile.username"); ok {
		t.Fatal("a missing trait has a key")
	}
}

func TestSameValue(t *testing.T) {
	cases := []struct {
		a, b any
		want bool
	}{
		{nil, []any{}, true},
		{"", nil, true},
		{"1h", "1h0m0s", true},
		{"1h", "2h", false},
		{[]any{"a", "b"}, []any{"a", "b"}, true},
		{[]any{"a", "b"}, []any{"b", "a"}, false},
		{map[string]any{"n": 1}, map[string]any{"n": 1.0}, true},
		{true, false, false},
		{"openid offline", "openid offline", true},
	}
	for _, tc := range cases {
		if got := sameValue(tc.a, tc.b); got != tc.want {
			t.Errorf("sameValue(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestNextPageToken(t *testing.T) {
	resp := &http.Response{Header: http.Header{"Link": {`</admin/identities?page_size=2&page_token=>; rel="first",</admin/identities?page_size=2&page_token=abc%3D>; rel="next"`}}}
	if got := nextPageToken(resp); got != "abc=" {
		t.Fatalf("got %q", got)
	}
	if got := nextPageToken(&http.Response{Header: http.Header{}}); got != "" {
		t.Fatalf("got %q", got)
	}
}

func TestSecretFileMergesAndIsPrivate(t *testing.T) {
	for _, format := range []string{SecretFormatKubernetes, SecretFormatJSON} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets")
			f := SecretFile{Path: path, Format: format, Namespace: "auth"}
			if err := f.Write([]GeneratedSecret{{ClientID: "a", SecretName: "a", Secret: "s1"}, {ClientID: "My_App", SecretName: "My_App", Secret: "s2"}}); err != nil {
				t.Fatal(err)
			}
			if err := f.Write([]GeneratedSecret{{ClientID: "a", SecretName: "a", Secret: "s3"}}); err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Stat(path)
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", fi.Mode().Perm())
			}
			data, _ := os.ReadFile(path)
			s := string(data)
			if strings.Contains(s, "s1") || !strings.Contains(s, "s2") || !strings.Contains(s, "s3") {
				t.Errorf("merge lost or kept the wrong secrets:\n%s", s)
			}
			if format == SecretFormatKubernetes {
				for _, want := range []string{"CLIENT_ID: a", "CLIENT_SECRET: s3", "name: my-app", "namespace: auth", "kind: Secret"} {
					if !strings.Contains(s, want) {
						t.Errorf("manifest lacks %q:\n%s", want, s)
					}
				}
			}
		})
	}
}

// fakeKratos is an in-process stand-in for faults a real Kratos cannot be
// made to produce on demand: 429/5xx responses and a smaller batch limit.
type fakeKratos struct {
	mu        sync.Mutex
	limit     int      // batch limit; larger batches get Kratos's 400
	failFirst []int    // statuses returned by the first PATCH calls
	batches   []int    // sizes of the PATCH calls that were accepted
	created   []string // emails
	calls     int
}

func (f *fakeKratos) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/schemas":
		_ = json.NewEncoder(w).Encode([]any{map[string]any{"id": "default", "schema": testSchema}})
	case r.Method == http.MethodGet && r.URL.Path == "/admin/identities":
		_, _ = io.WriteString(w, "[]")
	case r.Method == http.MethodPatch && r.URL.Path == "/admin/identities":
		f.calls++
		if len(f.failFirst) > 0 {
			status := f.failFirst[0]
			f.failFirst = f.failFirst[1:]
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "0")
			}
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, `{"error":{"code":%d,"message":"fake failure"}}`, status)
			return
		}
		var body struct {
			Identities []struct {
				Create struct {
					Traits map[string]any `json:"traits"`
				} `json:"create"`
			} `json:"identities"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		if f.limit > 0 && len(body.Identities) > f.limit {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"error":{"code":400,"message":"The request was malformed or contained invalid parameters","reason":"The maximum number of identities that can be created or deleted at once is %d."}}`, f.limit)
			return
		}
		f.batches = append(f.batches, len(body.Identities))
		var res []any
		for i, it := range body.Identities {
			f.created = append(f.created, it.Create.Traits["email"].(string))
			res = append(res, map[string]any{"action": "create", "identity": fmt.Sprintf("00000000-0000-0000-0000-%012d", len(f.created)+i)})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"identities": res})
	default:
		http.NotFound(w, r)
	}
}

func writeIdentities(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"traits":{"email":"u%d@example.com"}}`+"\n", i)
	}
	p := filepath.Join(t.TempDir(), "ids.ndjson")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fastRetry() *retry.Policy {
	return &retry.Policy{Attempts: 5, Initial: time.Millisecond, Max: 5 * time.Millisecond, Deadline: 10 * time.Second}
}
