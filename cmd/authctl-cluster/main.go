// Command authctl-cluster is authctl with a connection to a cluster: the
// same commands, with Helm and client-go linked in. authctl runs it for
// apply, history, rollback and doctor --context; users need not call it.
package main

import (
	"os"

	"github.com/authctl/authctl/internal/cli/kube"
)

func main() {
	os.Exit(kube.Main(os.Args[1:]))
}
