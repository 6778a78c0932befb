package cli

import (
	"bytes"
	"encoding/json"
	"github.com/spf13/cobra"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// run executes authctl with args and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := NewRootCommand(IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	cmd.SetArgs(args)
	ran, err := cmd.ExecuteC()
	code := finish(cmd, ran, args, IOStreams{Out: &out, ErrOut: &errOut}, err)
	return out.String(), errOut.String(), code
}

// TestRenderFlags is the argv → options table: parsing is tested apart from
// behaviour.
func TestRenderFlags(t *testing.T) {
	cases := []flagCase[RenderOptions]{
		{args: []string{"-f", "p.yaml"}, want: RenderOptions{ProfileFile: "p.yaml", Format: "stream", Output: "yaml"}},
		{args: []string{"--filename=p.yaml", "--output-dir", "out"}, want: RenderOptions{ProfileFile: "p.yaml", OutputDir: "out", Format: "stream", Output: "yaml"}},
		// -o is the format, as in kubectl; a folder name gets the fix.
		{args: []string{"-f", "p.yaml", "-o", "json"}, want: RenderOptions{ProfileFile: "p.yaml", Format: "stream", Output: "json"}},
		{args: []string{"-f", "p.yaml", "-o", "yaml"}, want: RenderOptions{ProfileFile: "p.yaml", Format: "stream", Output: "yaml"}},
		{args: []string{"-f", "p.yaml", "-o", "out/"}, wantErr: `unknown -o/--output "out/" (allowed: yaml, json); to write one file per object into a folder, use --output-dir out/`},
		{args: []string{"-f", "p.yaml", "-o", "json", "--output-dir", "out"}, wantErr: "-o json prints one JSON List on stdout: drop --output-dir"},
		{args: []string{"-f", "p.yaml", "--format", "helm", "--output-dir", "chart"}, want: RenderOptions{ProfileFile: "p.yaml", OutputDir: "chart", Format: "helm", Output: "yaml"}},
		{args: []string{"-f", "p.yaml", "--secrets-file", "s.yaml"}, want: RenderOptions{ProfileFile: "p.yaml", SecretsFile: "s.yaml", Format: "stream", Output: "yaml"}},
		{args: []string{"-f", "p.yaml", "--format", "kustomize"}, wantErr: "--format kustomize writes a directory: add --output-dir DIR"},
		{args: []string{"-f", "p.yaml", "--max-profile-size", "67108864"}, want: RenderOptions{ProfileFile: "p.yaml", Format: "stream", MaxProfileSize: 64 << 20, Output: "yaml"}},
		{args: []string{"-f", "p.yaml", "--format", "jsonnet"}, wantErr: `unknown --format "jsonnet"`},
		{args: []string{}, wantErr: "required flag -f/--filename is missing"},
		{args: []string{"-f"}, wantErr: "flag needs an argument"},
		{args: []string{"-f", "p.yaml", "--colour"}, wantErr: "unknown flag: --colour"},
	}
	runFlagCases(t, onStreams(newRenderCommand), cases)
}

// TestRenderJSONList: render -o json prints the same objects as the YAML
// stream, as one v1 List (what kubectl -o json prints for several objects).
func TestRenderJSONList(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	if _, errOut, code := run(t, "secrets", "generate", "-f", profileFile); code != 0 {
		t.Fatalf("secrets generate: %s", errOut)
	}
	stream, _, _ := run(t, "render", "-f", profileFile)
	out, errOut, code := run(t, "render", "-f", profileFile, "-o", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("render -o json: code %d, stderr %q", code, errOut)
	}
	var list struct {
		APIVersion, Kind string
		Items            []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if list.APIVersion != "v1" || list.Kind != "List" {
		t.Errorf("got %s %s, want v1 List", list.APIVersion, list.Kind)
	}
	if n := strings.Count(stream, "\n---\n") + 1; len(list.Items) != n {
		t.Errorf("%d items, the YAML stream has %d objects", len(list.Items), n)
	}
	if len(list.Items) == 0 || list.Items[0]["kind"] != "Namespace" {
		t.Errorf("first item is not the Namespace")
	}
}

func TestRenderWritesOnlyDataToStdout(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	if _, errOut, code := run(t, "secrets", "generate", "-f", profileFile); code != 0 {
		t.Fatalf("secrets generate: %s", errOut)
	}
	out, errOut, code := run(t, "render", "-f", profileFile)
	if code != 0 {
		t.Fatalf("render: %s", errOut)
	}
	if errOut != "" {
		t.Errorf("render wrote to stderr: %q", errOut)
	}
	if !strings.HasPrefix(out, "apiVersion: v1\nkind: Namespace\n") {
		t.Errorf("stdout does not start with the Namespace: %.80q", out)
	}
	secretsFile := filepath.Join(dir, ".authctl", "dev.secrets.yaml")
	if fi, err := os.Stat(secretsFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode: %v %v", fi, err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, ".authctl", ".gitignore")); !strings.Contains(string(data), "*") {
		t.Error("the secrets directory is not git-ignored")
	}
}

func TestRenderMissingSecretsHint(t *testing.T) {
	profileFile := writeProfile(t, t.TempDir())
	out, errOut, code := run(t, "render", "-f", profileFile)
	if code != ExitError || out != "" {
		t.Fatalf("code %d, stdout %q", code, out)
	}
	if !strings.Contains(errOut, "secrets file not found") || !strings.Contains(errOut, "try: authctl secrets generate -f "+profileFile) {
		t.Errorf("stderr lacks the hint: %q", errOut)
	}

	// With --secrets-file the hint keeps it, and following it works.
	other := filepath.Join(t.TempDir(), "other.secrets.yaml")
	_, errOut, _ = run(t, "render", "-f", profileFile, "--secrets-file", other)
	_, hint, ok := strings.Cut(errOut, "try: authctl ")
	if !ok {
		t.Fatalf("no hint: %q", errOut)
	}
	if _, errOut, code := run(t, strings.Fields(strings.TrimSpace(hint))...); code != 0 {
		t.Fatalf("following the hint %q: %s", hint, errOut)
	}
	if _, errOut, code := run(t, "render", "-f", profileFile, "--secrets-file", other); code != 0 {
		t.Errorf("render after following the hint: %s", errOut)
	}
}

func TestRenderDirModes(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	run(t, "secrets", "generate", "-f", profileFile)
	for _, format := range []string{"stream", "kustomize", "helm"} {
		outDir := filepath.Join(dir, format)
		if _, errOut, code := run(t, "render", "-f", profileFile, "--format", format, "--output-dir", outDir); code != 0 {
			t.Fatalf("%s: %s", format, errOut)
		}
		secretFiles := 0
		err := filepath.Walk(outDir, func(path string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			data, _ := os.ReadFile(path)
			isSecret := strings.Contains(string(data), "kind: Secret\n") || strings.Contains(path, string(filepath.Separator)+"secrets"+string(filepath.Separator))
			if isSecret {
				secretFiles++
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v, want 0600", path, fi.Mode().Perm())
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if secretFiles == 0 {
			t.Errorf("%s: no secret files written", format)
		}
		// A chart's objects belong to its Helm release; files for kubectl
		// or kustomize are authctl's.
		want := map[string]string{"helm": "Helm"}[format]
		if want == "" {
			want = "authctl"
		}
		labels := 0
		_ = filepath.Walk(outDir, func(path string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			data, _ := os.ReadFile(path)
			for _, line := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "app.kubernetes.io/managed-by: "); ok {
					labels++
					if v != want {
						t.Errorf("%s: %s has managed-by %s, want %s", format, path, v, want)
					}
				}
			}
			return nil
		})
		if labels == 0 {
			t.Errorf("%s: no managed-by label written", format)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "helm", "Chart.yaml")); err != nil {
		t.Error("helm format has no Chart.yaml")
	}
	if _, err := os.Stat(filepath.Join(dir, "kustomize", "kustomization.yaml")); err != nil {
		t.Error("kustomize format has no kustomization.yaml")
	}
}

func TestValidateReportsPosition(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.yaml")
	os.WriteFile(file, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  kratos:\n    methods: [sms]\n"), 0o644)
	_, errOut, code := run(t, "validate", "-f", file)
	if code != ExitError || !strings.Contains(errOut, file+":7:15: spec.kratos.methods[0]: unknown value \"sms\"") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

func writeProfile(t *testing.T, dir string) string {
	t.Helper()
	file := filepath.Join(dir, "profile.yaml")
	if err := os.WriteFile(file, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestRenderHelmChartOfASourceBuild renders a chart with the version of a
// go run / go build binary and loads and renders it with Helm's own loader
// and engine: the chart version must be SemVer whatever the build.
func TestRenderHelmChartOfASourceBuild(t *testing.T) {
	for _, v := range []string{"dev", "", "v1.2.3", "1.2.3-rc.1"} {
		t.Run(v, func(t *testing.T) {
			old := Version
			Version = v
			t.Cleanup(func() { Version = old })
			dir := t.TempDir()
			profileFile := writeProfile(t, dir)
			run(t, "secrets", "generate", "-f", profileFile)
			chartDir := filepath.Join(dir, "chart")
			if _, errOut, code := run(t, "render", "-f", profileFile, "--format", "helm", "--output-dir", chartDir); code != 0 {
				t.Fatalf("render: %s", errOut)
			}
			ch, err := loader.Load(chartDir)
			if err != nil {
				t.Fatalf("helm's loader rejects the chart: %v", err)
			}
			if _, err := semver.StrictNewVersion(ch.Metadata.Version); err != nil {
				t.Errorf("chart version %q: %v", ch.Metadata.Version, err)
			}
			vals, err := chartutil.ToRenderValues(ch, nil, chartutil.ReleaseOptions{Name: "dev", Namespace: "auth"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := engine.Render(ch, vals)
			if err != nil || len(out) == 0 {
				t.Fatalf("helm's engine: %d files, %v", len(out), err)
			}
		})
	}
}

// TestRenderFolderSafety: a folder with foreign files is refused with a
// hint, and the deprecated -o still works with a warning.
func TestRenderFolderSafety(t *testing.T) {
	dir := t.TempDir()
	profileFile := writeProfile(t, dir)
	run(t, "secrets", "generate", "-f", profileFile)
	mine := filepath.Join(dir, "mine")
	os.MkdirAll(mine, 0o755)
	os.WriteFile(filepath.Join(mine, "notes.txt"), []byte("x"), 0o644)
	_, errOut, code := run(t, "render", "-f", profileFile, "--output-dir", mine)
	if code != ExitError || !strings.Contains(errOut, "notes.txt, which authctl did not write") || !strings.Contains(errOut, "try: render into a new or empty folder") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	out := filepath.Join(dir, "out")
	for _, format := range []string{"kustomize", "stream"} {
		if _, errOut, code := run(t, "render", "-f", profileFile, "--format", format, "--output-dir", out); code != 0 {
			t.Fatalf("%s: %s", format, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "kustomization.yaml")); err == nil {
		t.Error("the kustomize base survived a render of another format")
	}
}

// TestValidateReadsBootstrapFiles: validate reads spec.bootstrap's
// identities (render does not need them) and honours --max-profile-size.
func TestValidateReadsBootstrapFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	os.WriteFile(file, []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev}\nspec:\n  domain: example.com\n  secrets: {policy: existingSecret, existingSecret: {kratos: k, hydra: h, ui: u, oathkeeper: o}}\n  bootstrap: {identities: ids.yaml}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "ids.yaml"), []byte("identities:\n  - schema_id: default\n    traits: {email: a@example.com}\n    metadata_publc: {}\n"), 0o644)
	_, errOut, code := run(t, "validate", "-f", file)
	if code != ExitError || !strings.Contains(errOut, filepath.Join(dir, "ids.yaml")+":2:1: invalid identity") || !strings.Contains(errOut, "metadata_publc") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run(t, "render", "-f", file); code != ExitOK {
		t.Fatalf("render must not read the identities: code %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run(t, "validate", "-f", file, "--max-profile-size", "100"); code != ExitError || !strings.Contains(errOut, "larger than 100 bytes") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

// TestFilenameAsArgumentHint: a profile given as an argument to a command
// that reads it with -f gets the command line to type, on every such
// command.
func TestFilenameAsArgumentHint(t *testing.T) {
	hinted := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Flags().Lookup("filename") == nil || !c.Runnable() {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		_, errOut, code := run(t, append(path, "base.yaml")...)
		want := c.CommandPath() + " takes the profile with -f: " + c.CommandPath() + " -f base.yaml"
		if strings.Contains(errOut, want) {
			hinted++
			if code != ExitError {
				t.Errorf("%s: exit %d", c.CommandPath(), code)
			}
		}
	}
	walk(NewRootCommand(IOStreams{}))
	if hinted < 8 {
		t.Errorf("only %d commands hint at -f", hinted)
	}
	if _, errOut, _ := run(t, "validate", "-f", "a.yaml", "b.yaml"); strings.Contains(errOut, "takes the profile with -f") {
		t.Errorf("with -f given, an extra argument is just unknown: %s", errOut)
	}
}
