package kubeconfig

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParseExecInfo: KUBERNETES_EXEC_INFO comes from kubectl, but any
// value must either be refused or give a supported API version that an
// ExecCredential can be written in.
func FuzzParseExecInfo(f *testing.F) {
	for _, s := range []string{
		"",
		`{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":true}}`,
		`{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"interactive":false,"cluster":{"server":"https://k"}}}`,
		`{"apiVersion":"client.authentication.k8s.io/v1alpha1"}`,
		`{"spec":{}}`,
		`{"apiVersion":1}`,
		`null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, env string) {
		ei, err := ParseExecInfo(env)
		if err != nil {
			if ei != nil {
				t.Fatal("an error with a result")
			}
			return
		}
		if ei == nil {
			if env != "" {
				t.Fatalf("%q: no result and no error", env)
			}
			return
		}
		if ei.APIVersion != ExecAPIv1 && ei.APIVersion != ExecAPIv1beta1 {
			t.Fatalf("%q: accepted apiVersion %q", env, ei.APIVersion)
		}
		var out bytes.Buffer
		if err := WriteExecCredential(&out, ei.APIVersion, &TokenSet{Token: "t", Expiry: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		var ec execCredential
		if err := json.Unmarshal(out.Bytes(), &ec); err != nil || ec.APIVersion != ei.APIVersion || ec.Kind != "ExecCredential" {
			t.Fatalf("ExecCredential %s: %v", out.String(), err)
		}
	})
}

// FuzzFastPath: the cache-hit path parses kubectl's arguments, the exec
// info and a cache file that anyone with access to the directory could
// have written. It answers only with the entry of the options' own key,
// only while that entry is valid, and writes nothing when it does not
// answer (the full get-token then writes the only ExecCredential).
func FuzzFastPath(f *testing.F) {
	entry := func(token string, exp time.Duration) []byte {
		b, _ := json.Marshal(TokenSet{Token: token, RefreshToken: "r", Expiry: fuzzNow.Add(exp)})
		return b
	}
	f.Add("", `{"apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}`, entry("tok", time.Hour))
	f.Add("--scope=email\x00--scope=groups", "", entry("tok", time.Hour))
	f.Add("--token-cache-storage=keyring", "", entry("tok", time.Hour))
	f.Add("", "", entry("tok", 5*time.Second))
	f.Add("", "", []byte(`{"token":"","expiry":"9999-01-01T00:00:00Z"}`))
	f.Add("--grant-type=client-credentials", "", entry("tok", time.Hour))
	f.Add("extra-arg", "", entry("tok", time.Hour))
	f.Add("", `{"apiVersion":"v9"}`, entry("tok", time.Hour))
	f.Add("", "", []byte("{"))
	// One directory per fuzzing process: executions in a process run one
	// at a time, and a temp dir per execution costs more than the run.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, extraArgs, execInfo string, cached []byte) {
		base := []string{"--issuer-url=https://issuer.example.com/", "--client-id=kubectl"}
		var args []string
		args = append(args, base...)
		if extraArgs != "" {
			args = append(args, strings.Split(extraArgs, "\x00")...)
		}
		// Last, so a fuzzed --token-cache-dir cannot point elsewhere.
		args = append(args, "--token-cache-dir="+dir)

		// The entry is stored under the key of the base options only.
		o := &Options{IssuerURL: "https://issuer.example.com/", ClientID: "kubectl", CacheDir: dir}
		o.Defaults()
		key := o.CacheKey()
		if err := os.WriteFile(filepath.Join(dir, key+".json"), cached, 0o600); err != nil {
			t.Fatal(err)
		}
		getenv := func(k string) string {
			if k == ExecInfoEnv {
				return execInfo
			}
			return ""
		}
		var out bytes.Buffer
		answered := FastPath(args, getenv, &out, fuzzNow)
		if !answered {
			if out.Len() > 0 {
				t.Fatalf("no answer, but wrote %q", out.String())
			}
			return
		}
		want, err := Cache{Dir: dir}.Load(key)
		if err != nil || !want.Valid(fuzzNow) {
			t.Fatalf("answered from an entry that is not valid: %+v %v", want, err)
		}
		if t.Failed() {
			return
		}
		var ec execCredential
		dec := json.NewDecoder(&out)
		if err := dec.Decode(&ec); err != nil || dec.More() {
			t.Fatalf("not one ExecCredential: %q (%v)", out.String(), err)
		}
		if ec.Status.Token != want.Token || (ec.APIVersion != ExecAPIv1 && ec.APIVersion != ExecAPIv1beta1) {
			t.Fatalf("ExecCredential %+v for entry %+v", ec, want)
		}
		// The options that answered must be the ones whose key holds the entry.
		parsed := parseForTest(t, args)
		if parsed.CacheKey() != key || parsed.Storage != StorageDisk {
			t.Fatalf("answered for options %+v, whose key is not the entry's", parsed)
		}
	})
}

var fuzzNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func parseForTest(t *testing.T, args []string) *Options {
	t.Helper()
	fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &Options{}
	BindFlags(fs, o)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("the fast path answered for arguments that do not parse: %v", err)
	}
	o.Defaults()
	return o
}
