package kubeconfig

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cacheKeyV1 is version 1 of the cache key as encoding/json writes it:
// CanonicalKey must produce exactly these bytes, or every cached token
// would be orphaned by an upgrade.
type cacheKeyV1 struct {
	Version      int               `json:"v"`
	IssuerURL    string            `json:"iss"`
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret_sha256,omitempty"`
	Grant        string            `json:"grant"`
	Scopes       []string          `json:"scopes"`
	Audiences    []string          `json:"aud,omitempty"`
	AuthParams   map[string]string `json:"auth_params,omitempty"`
	CAFile       string            `json:"ca_file,omitempty"`
	CAFiles      []string          `json:"ca_files,omitempty"`
	CAData       string            `json:"ca_data_sha256,omitempty"`
	Insecure     bool              `json:"insecure,omitempty"`
}

func referenceKey(t testing.TB, o *Options) []byte {
	k := cacheKeyV1{
		Version: 1, IssuerURL: strings.TrimSuffix(o.IssuerURL, "/"), ClientID: o.ClientID, Grant: o.Grant,
		Scopes: SortedSet(o.Scopes()), Audiences: SortedSet(o.Audiences), Insecure: o.Insecure,
	}
	if k.Grant == "" {
		k.Grant = GrantAuthCode
	}
	if o.ClientSecret != "" {
		k.ClientSecret = sha256Hex([]byte(o.ClientSecret))
	}
	if len(o.AuthParams) > 0 {
		k.AuthParams = o.AuthParams
	}
	var files []string
	for _, f := range o.CAFiles {
		if abs, err := filepath.Abs(f); err == nil {
			f = abs
		}
		files = append(files, f)
	}
	if files = SortedSet(files); len(files) == 1 {
		k.CAFile = files[0]
	} else if len(files) > 1 {
		k.CAFiles = files
	}
	if len(o.CAData) > 0 {
		k.CAData = sha256Hex(o.CAData)
	}
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// awkward strings: what encoding/json escapes, and what it replaces.
var awkward = []string{"", "plain", `quote " and \ backslash`, "<html>&amp;", "tab\tnew\nline\r\b\f\x00\x1f", "ünïcödé ✓ 🙂",
	"line\u2028sep\u2029", "bad utf-8 \xff\xfe", "\x7f del", "https://oauth.example.com/"}

func TestCanonicalKeyIsEncodingJSON(t *testing.T) {
	cases := []*Options{
		{IssuerURL: "https://oauth.example.com/", ClientID: "kubectl"},
		{IssuerURL: "https://oauth.example.com", ClientID: "kubectl", ExtraScopes: []string{"groups", "email", "offline_access", "email"},
			AuthParams: map[string]string{"prompt": "login", "acr_values": "aal2"}, CAData: []byte("pem"), CAFiles: []string{"ca.pem"}, Insecure: true},
		{IssuerURL: "https://i/", ClientID: "ci", ClientSecret: "s3cr3t", Grant: GrantClientCredentials, Audiences: []string{"kubectl", "b", "a"},
			CAFiles: []string{"/b.pem", "/a.pem", "/b.pem"}},
	}
	for _, s := range awkward {
		cases = append(cases, &Options{IssuerURL: s, ClientID: s, ExtraScopes: []string{s}, AuthParams: map[string]string{s: s}, CAFiles: []string{"/" + s}, Audiences: []string{s}})
	}
	for _, o := range cases {
		if got, want := o.CanonicalKey(), referenceKey(t, o); !bytes.Equal(got, want) {
			t.Errorf("options %+v:\n got %s\nwant %s", o, got, want)
		}
	}
}

func TestWriteExecCredentialIsEncodingJSON(t *testing.T) {
	for _, tok := range awkward {
		for _, api := range []string{ExecAPIv1, ExecAPIv1beta1} {
			ts := &TokenSet{Token: tok, Expiry: time.Date(2026, 12, 6, 8, 0, 0, 123, time.FixedZone("x", 3600))}
			var got bytes.Buffer
			if err := WriteExecCredential(&got, api, ts); err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(execCredential{APIVersion: api, Kind: "ExecCredential", Status: execCredentialStatus{ExpirationTimestamp: ts.Expiry.UTC().Format(time.RFC3339), Token: tok}})
			if got.String() != string(want)+"\n" {
				t.Errorf("token %q:\n got %s\nwant %s", tok, got.String(), want)
			}
		}
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
