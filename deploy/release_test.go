// Package deploy_test validates the release configuration: .goreleaser.yaml
// with goreleaser's own `check`, the krew manifest template and the
// Dockerfiles.
package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authctl/authctl/test/e2e/stack"
)

// TestGoreleaserConfig runs `goreleaser check` on .goreleaser.yaml with the
// goreleaser pinned in hack/versions.env, which hack/e2e-tools.sh builds
// from the Go module proxy (make test does that first). check decodes
// strictly (an unknown key fails), rejects deprecated keys and validates
// templates' syntax.
func TestGoreleaserConfig(t *testing.T) {
	stack.Require(t)
	bin := stack.Binary(t, stack.ToolGoreleaser)
	cmd := exec.Command(bin, "check", "-f", ".goreleaser.yaml")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "HOMEBREW_TAP_GITHUB_TOKEN=unused", "AUTHCTL_SBOM=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	t.Logf("%s", out)
}

// TestReleaseFilesAgree checks what goreleaser cannot: the ldflags name real
// variables, the krew template asks for the archives goreleaser produces,
// and the images run as non-root.
func TestReleaseFilesAgree(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	gr := read(".goreleaser.yaml")
	root := read("internal/cli/root.go")
	for _, v := range []string{"Version", "Commit", "Date"} {
		if !strings.Contains(gr, "internal/cli."+v+"={{") || !strings.Contains(root, "\t"+v+" ") {
			t.Errorf("ldflag for cli.%s does not match a variable in internal/cli/root.go", v)
		}
	}
	// Every binary under cmd/ is built, archived and installed by the
	// cask: authctl runs authctl-cluster and kubeconfig setup writes
	// authctl-get-token, so an archive without one is broken.
	mains, err := filepath.Glob("../cmd/*/main.go")
	if err != nil || len(mains) < 3 {
		t.Fatalf("cmd/*/main.go: %v %v", mains, err)
	}
	var names []string
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(m))
		names = append(names, name)
		if !strings.Contains(gr, "main: ./cmd/"+name+"\n    binary: "+name+"\n") {
			t.Errorf(".goreleaser.yaml does not build cmd/%s", name)
		}
	}
	for _, list := range []string{"ids: [", "binaries: ["} {
		i := strings.Index(gr, "    "+list+"authctl,")
		if i < 0 {
			t.Errorf(".goreleaser.yaml has no %q list", list)
			continue
		}
		line := gr[i : i+strings.Index(gr[i:], "\n")]
		for _, name := range names {
			if !strings.Contains(line, " "+name+",") && !strings.Contains(line, " "+name+"]") && !strings.Contains(line, "["+name+",") {
				t.Errorf(".goreleaser.yaml %q lacks %s", strings.TrimSpace(line), name)
			}
		}
	}
	if !strings.Contains(gr, `name_template: "{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}"`) {
		t.Error("archive names changed: update deploy/krew/authctl.yaml")
	}
	krew := read("deploy/krew/authctl.yaml")
	for _, want := range []string{"name: authctl\n", "authctl_OS_ARCH.tar.gz", "authctl_windows_ARCH.zip", "bin: authctl.exe", "bin: authctl\n"} {
		if !strings.Contains(krew, want) {
			t.Errorf("krew template lacks %q", want)
		}
	}
	for _, f := range []string{"Dockerfile", "Dockerfile.goreleaser"} {
		d := read(f)
		if !strings.Contains(d, "USER 65532:65532") || !strings.Contains(d, "distroless/static") {
			t.Errorf("%s: want a distroless static base and a non-root USER", f)
		}
	}
}
