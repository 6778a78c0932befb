package setup

import (
	"os/exec"
)

var lookPath = exec.LookPath
