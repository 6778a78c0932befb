package kubeconfig

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

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
