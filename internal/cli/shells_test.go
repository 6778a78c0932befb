package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mainEnv makes the test binary run authctl's Main instead of the tests,
// so that a shell's completion script can call it as `authctl`.
const mainEnv = "AUTHCTL_CLI_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// The README promises completion for bash, zsh, fish and powershell. Each
// script must be for authctl and ask authctl itself (`__complete`) for the
// dynamic values; zsh, fish and PowerShell are not installed on the build
// machines, so their scripts are checked for those hooks.
func TestCompletionScripts(t *testing.T) {
	for shell, wants := range map[string][]string{
		"bash":       {"# bash completion V2 for authctl", "__complete", "complete -o default -F __start_authctl authctl"},
		"zsh":        {"#compdef authctl", "compdef _authctl authctl", "__complete"},
		"fish":       {"# fish completion for authctl", "complete -c authctl ", "__complete"},
		"powershell": {"# powershell completion for authctl", "Register-ArgumentCompleter -CommandName 'authctl'", "__complete"},
	} {
		t.Run(shell, func(t *testing.T) {
			out, errOut, code := run(t, "completion", shell)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range wants {
				if !strings.Contains(out, w) {
					t.Errorf("the %s script lacks %q", shell, w)
				}
			}
			// Where the shell is installed, the script must at least parse.
			check := map[string][]string{"bash": {"bash", "-n"}, "zsh": {"zsh", "-n"}, "fish": {"fish", "--no-execute"}}[shell]
			if check == nil {
				return
			}
			if _, err := exec.LookPath(check[0]); err != nil {
				t.Logf("%s is not installed; syntax not checked", check[0])
				return
			}
			path := filepath.Join(t.TempDir(), "completion")
			os.WriteFile(path, []byte(out), 0o644)
			if b, err := exec.Command(check[0], append(check[1:], path)...).CombinedOutput(); err != nil {
				t.Fatalf("%s does not parse its completion script: %v\n%s", shell, err, b)
			}
		})
	}
}

// TestBashCompletesClientIDs runs the generated bash script in bash, with
// this test binary as authctl: completing `authctl login --client-id `
// must offer the client IDs of ./profile.yaml's bootstrap clients.
func TestBashCompletesClientIDs(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script, _, code := run(t, "completion", "bash")
	if code != 0 {
		t.Fatal("no bash script")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "authctl"), []byte("#!/bin/sh\n"+mainEnv+"=1 exec '"+self+"' \"$@\"\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "completion.bash"), []byte(script), 0o644)
	os.WriteFile(filepath.Join(dir, "clients.yaml"), []byte("- client_id: ci-deployer\n  grant_types: [client_credentials]\n- client_id: grafana\n  grant_types: [authorization_code]\n  redirect_uris: [https://grafana.example.com/login]\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "profile.yaml"), []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  bootstrap: {clients: clients.yaml}\n"), 0o644)
	// Without the bash-completion package, the script falls back to
	// _get_comp_words_by_ref; this minimal one is what that package does
	// for a plain command line.
	driver := `
_get_comp_words_by_ref() {
  cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
  words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
}
source ./completion.bash
COMP_WORDS=(authctl login --client-id "")
COMP_CWORD=3
COMP_LINE="authctl login --client-id "
COMP_POINT=${#COMP_LINE}
__start_authctl
printf '%s\n' "${COMPREPLY[@]}"
`
	cmd := exec.Command(bash, "-c", driver)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	got := strings.Fields(string(out))
	for _, want := range []string{"kubectl", "ci-deployer", "grafana"} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("bash completion of --client-id lacks %q; got %q", want, got)
		}
	}
}
