// Command gendocs regenerates docs/cli from the cobra command tree, and
// docs/profile-fields.md from the profile's Go types:
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
	"github.com/authctl/authctl/pkg/profile"
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
	if len(os.Args) <= 1 {
		if err := os.WriteFile(profile.FieldReferencePath, profile.FieldReference(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "wrote %s\n", profile.FieldReferencePath)
	}
}
