package login

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/authctl/authctl/pkg/kubeconfig"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Browser opens a URL for the person logging in.
type Browser interface {
	Open(ctx context.Context, url string) error
}

// commandBrowser runs --browser-command, or the platform's opener. Its
// stdout goes to stderr: kubectl reads the plugin's stdout as the
// ExecCredential and a launcher's chatter would corrupt it.
type commandBrowser struct {
	command string
	stderr  io.Writer
}

// Open starts the browser and does not tie it to ctx: the browser is the
// person's (a --browser-command may be the browser itself, not a
// launcher that returns), so the end of the login must not kill it, nor
// cut off the page of the outcome it is still reading.
func (b commandBrowser) Open(_ context.Context, u string) error {
	var argv []string
	switch {
	case b.command != "":
		argv = append(strings.Fields(b.command), u)
	case runtime.GOOS == "darwin":
		argv = []string{"open", u}
	case runtime.GOOS == "windows":
		argv = []string{"rundll32", "url.dll,FileProtocolHandler", u}
	default:
		argv = []string{"xdg-open", u}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = nil
	cmd.Stdout = b.stderr
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not open a browser with %q: %w", argv[0], err)
	}
	// The opener may live as long as the browser; reap it in the background.
	go func() { _ = cmd.Wait() }()
	return nil
}

// launchRecord caps browser launches per key (kubelogin #904, #1330: a
// background tool calling kubectl in a loop opened a tab per call). It is
// read and written under the key's lock.
type launchRecord struct {
	Launches []time.Time `json:"launches"`
}

// allowLaunch records a launch at now and reports whether it is within
// limit launches per window.
func allowLaunch(c kubeconfig.Cache, key string, now time.Time, limit int, window time.Duration) (bool, error) {
	path := c.Path(key, ".launches")
	var rec launchRecord
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &rec)
	}
	kept := rec.Launches[:0]
	for _, t := range rec.Launches {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	rec.Launches = kept
	if limit > 0 && len(rec.Launches) >= limit {
		return false, nil
	}
	rec.Launches = append(rec.Launches, now)
	data, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	if err := c.EnsureDir(); err != nil {
		return false, err
	}
	return true, kubeconfig.WriteFileAtomic(path, data)
}
