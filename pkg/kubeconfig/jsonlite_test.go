package kubeconfig

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
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

// The cache-hit readers understand what kubectl and authctl write, and
// whenever they understand a document they agree with encoding/json.
func TestLiteReadersAgreeWithEncodingJSON(t *testing.T) {
	for _, env := range []string{
		`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`,
		`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"cluster":{"server":"https://k","certificate-authority-data":"Y2E=","config":null},"interactive":false}}`,
		"{\n  \"apiVersion\": \"client.authentication.k8s.io/v1\",\n  \"spec\": {}\n}\n",
	} {
		lite, err := parseExecInfoLite(env)
		full, ferr := ParseExecInfo(env)
		if err != nil || ferr != nil || !reflect.DeepEqual(lite, full) {
			t.Errorf("%s: lite %+v %v, encoding/json %+v %v", env, lite, err, full, ferr)
		}
	}
	for _, s := range awkward {
		if !strings.Contains(s, "\xff") {
			c := Cache{Dir: t.TempDir()}
			want := &TokenSet{Token: s, IDToken: s, RefreshToken: s, Issuer: s, ClientID: s, Expiry: time.Now().Add(time.Hour)}
			if err := c.Save("k", want); err != nil {
				t.Fatal(err)
			}
			full, err := c.Load("k")
			if err != nil {
				t.Fatal(err)
			}
			lite, err := c.loadLite("k")
			if err != nil || !reflect.DeepEqual(lite, full) || !lite.Expiry.Equal(want.Expiry) {
				t.Errorf("entry with %q: lite %+v %v, encoding/json %+v", s, lite, err, full)
			}
		}
	}
	checkLiteAgrees(t, []byte(`{"apiVersion":"client.authentication.k8s.io/v1","APIVERSION":"x"}`))
}

// checkLiteAgrees fails when a lite reader understands data differently
// from encoding/json.
func checkLiteAgrees(t *testing.T, data []byte) {
	t.Helper()
	if lite, err := parseExecInfoLite(string(data)); err == nil {
		full, ferr := ParseExecInfo(string(data))
		if ferr != nil || !reflect.DeepEqual(lite, full) {
			t.Fatalf("exec info %q: lite %+v, encoding/json %+v %v", data, lite, full, ferr)
		}
	}
	if lite, err := decodeTokenSetLite(data); err == nil {
		var full TokenSet
		if ferr := json.Unmarshal(data, &full); ferr != nil || !reflect.DeepEqual(*lite, full) {
			t.Fatalf("entry %q: lite %+v, encoding/json %+v %v", data, lite, full, ferr)
		}
	}
}

func FuzzLiteReaders(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`,
		`{"token":"a\u00e9\ud83d\ude42","expiry":"2026-12-06T08:00:00.000000123+01:00","refresh_token":"r"}`,
		`{"token":"x","expiry":"2026-12-06T08:00:00Z","token":"y"}`,
		`{"apiVersion":"client.authentication.k8s.io/v1","Spec":{"interactive":true}}`,
		`{"spec":{"interactive":true,"x":[1,-2.5e3,{"a":null},true]}} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkLiteAgrees(t, data) })
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
