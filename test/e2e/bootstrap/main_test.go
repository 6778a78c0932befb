package bootstrap_test

import (
	"testing"

	"github.com/authctl/authctl/test/e2e"
)

// TestMain removes the binaries e2e.Authctl built for this package.
func TestMain(m *testing.M) { e2e.Main(m) }
