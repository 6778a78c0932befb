package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// profileWarnings are the warnings of a valid profile: what bites later
// (profile.Warnings), then each Secret the user must still create, located
// at the field that names it, with the kubectl line that creates it as the
// fix.
func profileWarnings(p *profile.Profile) profile.ErrorList {
	warns := p.Warnings()
	for _, sc := range render.SecretsToCreate(p) {
		warns = append(warns, p.Errorf(sc.Path, sc.Command, "%s", secretMessage(sc)))
	}
	sort.SliceStable(warns, func(i, j int) bool {
		a, b := warns[i].Pos, warns[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	return warns
}

func secretMessage(sc render.SecretToCreate) string {
	return fmt.Sprintf("create Secret %s (%s) in namespace %s before the first apply: it holds %s, which authctl does not render",
		sc.Name, strings.Join(sc.Keys, ", "), sc.Namespace, sc.Uses())
}

// printWarnings writes each warning with its location, and its fix on a
// line of its own.
func printWarnings(w io.Writer, warns profile.ErrorList) {
	for _, e := range warns {
		where := *e
		where.Hint = ""
		fmt.Fprintf(w, "warning: %s\n", where.Error())
		if e.Hint != "" {
			fmt.Fprintf(w, "  fix: %s\n", e.Hint)
		}
	}
}

// printSecretsToCreate is the guidance of init and secrets generate: the
// Secrets the stack reads that no command of authctl makes.
func printSecretsToCreate(w io.Writer, p *profile.Profile) {
	list := render.SecretsToCreate(p)
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "create these Secrets yourself before the first apply (authctl renders none of them):\n")
	for _, sc := range list {
		fmt.Fprintf(w, "  %s (%s): %s\n    %s\n", sc.Name, strings.Join(sc.Keys, ", "), sc.Uses(), sc.Command)
	}
}
