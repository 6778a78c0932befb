package kubeconfig

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// parseWithFlagPackage is the reference: BindFlags on a flag.FlagSet, as
// the full get-token parses. ok is false when Parse fails or leaves an
// argument.
func parseWithFlagPackage(args []string) (*Options, bool) {
	fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &Options{}
	BindFlags(fs, o)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return nil, false
	}
	return o, true
}

func boundFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("get-token", flag.ContinueOnError)
	BindFlags(fs, &Options{})
	return fs
}

// refusedFlag reports kubelogin's flags that fail with a reason: the fast
// parser declines them so that the full get-token reports it.
func refusedFlag(name string) bool {
	for _, k := range KubeloginFlags {
		if k.Name == name {
			return k.Authctl == "" && name != "oidc-use-pkce"
		}
	}
	return false
}

// checkFastFlags: whatever the fast parser takes, the flag package takes
// to the same options; whatever the flag package takes (no refused flag
// among them), the fast parser takes too.
func checkFastFlags(t *testing.T, args []string) {
	t.Helper()
	want, wantOK := parseWithFlagPackage(args)
	got, ok := parseFastFlags(args)
	if ok && !wantOK {
		t.Fatalf("%q: the fast parser took what the flag package refuses: %+v", args, got)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nfast parser  %+v\nflag package %+v", args, got, want)
	}
	if wantOK && !ok {
		t.Fatalf("%q: the fast parser declined what the flag package takes: %+v", args, want)
	}
}

// TestFastFlagsNames: the fast parser knows exactly BindFlags's flags
// (the names of fastFlag's switch, read from its source), kubelogin's
// refused ones aside, and each with the same boolean-ness.
func TestFastFlagsNames(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "fastflags.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cased []string
	ast.Inspect(f, func(n ast.Node) bool {
		if fd, ok := n.(*ast.FuncDecl); ok && fd.Name.Name != "fastFlag" {
			return false
		}
		if cc, ok := n.(*ast.CaseClause); ok {
			for _, e := range cc.List {
				s, _ := strconv.Unquote(e.(*ast.BasicLit).Value)
				cased = append(cased, s)
			}
		}
		return true
	})
	var bound []string
	boundFlags().VisitAll(func(fl *flag.Flag) {
		if refusedFlag(fl.Name) {
			if fastFlag(&Options{}, fl.Name) != nil {
				t.Errorf("the fast parser takes kubelogin's refused --%s", fl.Name)
			}
			return
		}
		bound = append(bound, fl.Name)
		v := fastFlag(&Options{}, fl.Name)
		if v == nil {
			t.Errorf("the fast parser does not know --%s", fl.Name)
			return
		}
		isBool := func(x any) bool { b, ok := x.(interface{ IsBoolFlag() bool }); return ok && b.IsBoolFlag() }
		if isBool(v) != isBool(fl.Value) {
			t.Errorf("--%s: boolean %v in the fast parser, %v in BindFlags", fl.Name, isBool(v), isBool(fl.Value))
		}
	})
	slices.Sort(cased)
	slices.Sort(bound)
	if !slices.Equal(cased, bound) {
		t.Fatalf("fastFlag's names %q\nBindFlags's names %q", cased, bound)
	}
	for _, name := range []string{"h", "help", "issuer", "V", "x"} {
		if fastFlag(&Options{}, name) != nil {
			t.Errorf("the fast parser takes the unknown --%s", name)
		}
	}
}

// fastFlagValues are values of every kind of flag, valid and not.
var fastFlagValues = []string{"", "x", "true", "false", "0", "1", "-1", "0x10", "07", "3", "65536", "1.5", "5s", "-5s", "1h30m",
	"a,b", " a , ,b", "a=b", "a=b,c=d", "=b", "k=", "127.0.0.1:1", "8000,8001", "-----BEGIN CERTIFICATE-----\nx",
	"LS0tLS1CRUdJTg==", "!!", "debug", "info", "keyring", "https://i.example.com/", "-", "--", "-x"}

// TestFastFlagsParity parses every flag of BindFlags in every spelling
// (-name=V, --name=V, -name V, bare -name, at the end without a value)
// with each value, alone and after other flags, by both parsers.
func TestFastFlagsParity(t *testing.T) {
	var names []string
	boundFlags().VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	before := [][]string{nil, {"--issuer-url=https://a.example.com", "--scope=email", "--listen-port=9000"}}
	for _, name := range names {
		for _, pre := range before {
			with := func(more ...string) []string { return append(slices.Clone(pre), more...) }
			checkFastFlags(t, with("-"+name))
			checkFastFlags(t, with("--"+name))
			checkFastFlags(t, with("--"+name, "--"))
			checkFastFlags(t, with("--"+name, "--", "arg"))
			for _, v := range fastFlagValues {
				checkFastFlags(t, with("-"+name+"="+v))
				checkFastFlags(t, with("--"+name+"="+v))
				checkFastFlags(t, with("--"+name, v))
				checkFastFlags(t, with("-"+name, v, "--client-id=c"))
				checkFastFlags(t, with("--"+name+"="+v, "--"+name+"="+v))
			}
		}
	}
	for _, args := range [][]string{
		nil, {""}, {"-"}, {"--"}, {"--", "--"}, {"---issuer-url=x"}, {"-=x"}, {"--=x"}, {"-h"}, {"--help"}, {"-help=1"},
		{"arg"}, {"--client-id=c", "arg"}, {"--client-id"}, {"--client-id=c", "--"}, {"--client-id", "--"},
		{"-v"}, {"-v=3"}, {"-v=x"}, {"-v", "3"}, {"--v=0"}, {"--log-level=debug", "-v=false"},
		{"--oidc-use-pkce=anything"}, {"--oidc-use-access-token"}, {"--username", "u"}, {"--tls-renegotiation-once=false"},
	} {
		checkFastFlags(t, args)
	}
}

// FuzzFastFlags: for any arguments, the fast parser takes them only when
// the flag package takes them to the same options, and takes whatever the
// flag package takes without a refused flag.
func FuzzFastFlags(f *testing.F) {
	f.Add("--issuer-url=https://i.example.com\x00--client-id\x00kubectl\x00--scope=a,b")
	f.Add("-v\x00--listen-port=8000,8001\x00--")
	f.Add("--browser-launch-limit=0x10\x00--lock-timeout=1m\x00--authentication-timeout-sec=30")
	f.Add("--certificate-authority-data=LS0t\x00--auth-param=a=b\x00--oidc-auth-request-extra-params=c=d,e=f")
	f.Add("--insecure-skip-tls-verify=false\x00--force-refresh\x00x")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		if joined == "" {
			args = nil
		}
		checkFastFlags(t, args)
	})
}
