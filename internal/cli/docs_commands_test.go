package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docCommands returns every authctl command line in the fenced shell and
// YAML blocks of a Markdown file, with "\" continuations joined and each
// "&&"/"|"/";" part separate.
func docCommands(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	inBlock, cont := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock {
			continue
		}
		line = strings.TrimSpace(line)
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line, cont = cont+line, ""
		for _, part := range regexp.MustCompile(`&&|\|\||[|;]`).Split(line, -1) {
			part = strings.TrimSpace(part)
			part = strings.TrimPrefix(part, "- run: ")
			part = strings.TrimPrefix(part, "run: ")
			part = strings.TrimPrefix(part, "- ")
			if i := strings.Index(part, " #"); i >= 0 {
				part = part[:i]
			}
			if i := strings.IndexAny(part, "<>"); i >= 0 && !strings.HasPrefix(part, "source") {
				part = part[:i]
			}
			if strings.HasPrefix(part, "authctl ") {
				out = append(out, strings.TrimSpace(part))
			}
		}
	}
	return out
}

// TestDocumentedCommandsParse runs every authctl command of the README and
// the guides through the real command tree's flag parsing: a renamed or
// removed flag, or a missing value, in a documented command fails here.
func TestDocumentedCommandsParse(t *testing.T) {
	files := []string{"../../README.md"}
	guides, _ := filepath.Glob("../../docs/*.md")
	files = append(files, guides...)
	seen := 0
	for _, file := range files {
		for _, line := range docCommands(t, file) {
			args := strings.Fields(strings.NewReplacer(`"`, "", "'", "").Replace(line))[1:]
			root := NewRootCommand(IOStreams{In: strings.NewReader("")})
			cmd, rest, err := root.Find(args)
			if err != nil || cmd == root {
				t.Errorf("%s: %q: no such command (%v)", filepath.Base(file), line, err)
				continue
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("%s: %q: %v", filepath.Base(file), line, err)
				continue
			}
			if cmd.Flags().Lookup("output-dir") != nil && cmd.Flags().Changed("output-dir") && strings.Contains(" "+line+" ", " -o ") {
				t.Errorf("%s: %q uses the deprecated -o for render's folder", filepath.Base(file), line)
			}
			seen++
		}
	}
	if seen < 30 {
		t.Errorf("only %d documented commands found", seen)
	}
	t.Logf("%d documented commands parse", seen)
}

// TestInstallIsDocumented: README and quickstart say how to get the three
// binaries on PATH before the first `authctl` command.
func TestInstallIsDocumented(t *testing.T) {
	for _, file := range []string{"../../README.md", "../../docs/quickstart.md"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		install := strings.Index(s, "go install ./cmd/authctl ./cmd/authctl-cluster ./cmd/authctl-get-token")
		first := strings.Index(s, "authctl secrets generate")
		if install < 0 || first < 0 || install > first {
			t.Errorf("%s: the go install of the three binaries (at %d) must come before the first authctl command (at %d)", file, install, first)
		}
		if !strings.Contains(s, `export PATH="$(go env GOPATH)/bin:$PATH"`) {
			t.Errorf("%s does not put go install's folder on PATH", file)
		}
	}
}
