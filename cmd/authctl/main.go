// Command authctl provisions an Ory authentication stack for Kubernetes.
package main

import (
	"os"

	"github.com/authctl/authctl/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
