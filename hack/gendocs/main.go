// Command gendocs regenerates docs/cli from the cobra command tree:
//
//	go run ./hack/gendocs
//
// internal/cli's TestGeneratedDocsAreFresh fails when the pages are stale.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/authctl/authctl/internal/cli"
)

func main() {
	dir := cli.DocsDir
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	files, err := cli.GenerateMarkdownDocs(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wrote %d pages to %s\n", len(files), filepath.Clean(dir))
}
