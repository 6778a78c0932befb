package hack_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedTestCommandsRunSomething checks every `go test ./pkg …
// -run X`, `-bench X` or `-fuzz X` written in the docs, READMEs, scripts and Go
// comments: the pattern must match a function of the right kind in that
// package. A -run pattern that matches only a benchmark runs nothing and
// still prints ok (the bench command documented for the cache-hit
// benchmark did exactly that).
func TestDocumentedTestCommandsRunSomething(t *testing.T) {
	var files []string
	for _, glob := range []string{"../README.md", "../docs/*.md", "../docs/*/*.md", "../bench/*", "../hack/*.sh", "../Makefile"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	_ = filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.Contains(path, "/testdata/") && !strings.HasPrefix(path, "../.git") {
			files = append(files, path)
		}
		return nil
	})
	checked := 0
	seen := map[string]bool{}
	for _, file := range files {
		if seen[file] {
			continue
		}
		seen[file] = true
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, cmd := range goTestCommands(file, data) {
			checked += checkCommand(t, file, cmd)
		}
	}
	if checked < 3 {
		t.Fatalf("checked only %d documented patterns; is the extraction broken?", checked)
	}
}

var inlineCode = regexp.MustCompile("(?s)`([^`]+)`")

// goTestCommands finds `go test` command lines. Markdown inline code may
// wrap across lines, so it is joined first; fenced blocks and other files
// are read line by line.
func goTestCommands(file string, data []byte) []string {
	var out []string
	var text bytes.Buffer
	inFence := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasSuffix(file, ".md") && strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		if !strings.HasSuffix(file, ".md") || inFence {
			if i := strings.Index(line, "go test "); i >= 0 {
				out = append(out, line[i:])
			}
			continue
		}
		text.WriteString(line + "\n")
	}
	for _, m := range inlineCode.FindAllStringSubmatch(text.String(), -1) {
		code := strings.Join(strings.Fields(m[1]), " ")
		if i := strings.Index(code, "go test "); i >= 0 {
			out = append(out, code[i:])
		}
	}
	return out
}

var testFunc = regexp.MustCompile(`(?m)^func ((Test|Benchmark|Fuzz|Example)\w*)\(`)

// checkCommand returns how many patterns it checked.
func checkCommand(t *testing.T, file, cmd string) int {
	t.Helper()
	fields := strings.Fields(strings.NewReplacer("'", "", `"`, "", "`", "").Replace(cmd))
	var pkg, run, bench, fuzz string
	hasRun, hasBench, hasFuzz := false, false, false
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		next := func() string {
			if i+1 < len(fields) {
				i++
				return fields[i]
			}
			return ""
		}
		switch {
		case strings.HasPrefix(f, "./") && pkg == "":
			pkg = f
		case f == "-run":
			run, hasRun = next(), true
		case strings.HasPrefix(f, "-run="):
			run, hasRun = strings.TrimPrefix(f, "-run="), true
		case f == "-bench":
			bench, hasBench = next(), true
		case strings.HasPrefix(f, "-bench="):
			bench, hasBench = strings.TrimPrefix(f, "-bench="), true
		case f == "-fuzz":
			fuzz, hasFuzz = next(), true
		case strings.HasPrefix(f, "-fuzz="):
			fuzz, hasFuzz = strings.TrimPrefix(f, "-fuzz="), true
		case f == "&&" || f == ";" || f == "|":
			i = len(fields)
		}
	}
	if pkg == "" || strings.Contains(pkg, "...") || (!hasRun && !hasBench && !hasFuzz) {
		return 0
	}
	dir := filepath.Join("..", filepath.FromSlash(strings.TrimSuffix(pkg, "/")))
	var names []string
	tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	for _, f := range tests {
		src, _ := os.ReadFile(f)
		for _, m := range testFunc.FindAllStringSubmatch(string(src), -1) {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		t.Errorf("%s: %q: no tests in %s", file, cmd, pkg)
		return 1
	}
	n := 0
	if hasRun && run != "^$" {
		n++
		if !matchesAny(t, file, cmd, strings.Split(run, "/")[0], names, "Test", "Fuzz", "Example") {
			t.Errorf("%s: %q: -run %s matches no test, fuzz target or example in %s (benchmarks need -run '^$' -bench …)", file, cmd, run, pkg)
		}
	}
	if hasRun && run == "^$" && !hasBench && !hasFuzz {
		t.Errorf("%s: %q: -run '^$' without -bench or -fuzz runs nothing", file, cmd)
	}
	if hasFuzz {
		n++
		if !matchesAny(t, file, cmd, fuzz, names, "Fuzz") {
			t.Errorf("%s: %q: -fuzz %s matches no fuzz target in %s", file, cmd, fuzz, pkg)
		}
	}
	if hasBench {
		n++
		if !matchesAny(t, file, cmd, bench, names, "Benchmark") {
			t.Errorf("%s: %q: -bench %s matches no benchmark in %s", file, cmd, bench, pkg)
		}
	}
	return n
}

func matchesAny(t *testing.T, file, cmd, pattern string, names []string, kinds ...string) bool {
	t.Helper()
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Errorf("%s: %q: bad pattern %q: %v", file, cmd, pattern, err)
		return true
	}
	for _, name := range names {
		for _, k := range kinds {
			if strings.HasPrefix(name, k) && re.MatchString(name) {
				return true
			}
		}
	}
	return false
}
